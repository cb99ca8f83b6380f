"""住基ネット 全国センター (the national center): what it holds and who may read it.

One module a job: ``tables`` (mirrors migration 0011), ``holding`` (which update is
current, pure), ``identity`` (the ``center.identity`` inbox handler), ``codes``
(resident code blocks), ``agencies`` (accounts and bearer tokens), ``verify``
(本人確認情報の提供, single and bulk) and ``provisions`` (the provision log and the
resident's view of it).  The web app lives in :mod:`jichi.web.center` and the
commands in :mod:`jichi.cli.center`; nothing here knows HTTP or Typer.
"""
