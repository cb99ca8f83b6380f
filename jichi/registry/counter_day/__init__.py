"""The counter's day (窓口の一日): 受付 and 窓口番号, work queues, 手数料, 領収書, 日計表,
誤交付の取消 and the supervisor's statistics.

Each module has one job: :mod:`.reception` (受付 and the queues), :mod:`.fees` (the
municipality's fee table and exemptions), :mod:`.charges` (the fee recorded with each
certificate, in the issue's own transaction), :mod:`.receipts` (領収書 and its PDF),
:mod:`.daily_report` (日計表 and its balance), :mod:`.voids` (誤交付の取消) and
:mod:`.statistics` (counts and charts).  Guide: ``docs/guide/counter-day.md``; ADR 0022.
"""
