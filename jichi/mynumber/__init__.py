"""My Number (番号法): individual numbers issued by the center and the マイナンバーカード.

* :mod:`jichi.mynumber.numbers` / :mod:`jichi.mynumber.center_store`: the center's keyed
  one-way transform from 住民票コード to 個人番号 (番号法8条), changes (7条2項);
* :mod:`jichi.mynumber.card`, :mod:`jichi.mynumber.validity`, :mod:`jichi.mynumber.pins`:
  the card as a pure state machine, its validity and its four PINs;
* :mod:`jichi.mynumber.card_store`: cards persisted per municipality, with the deadlines
  that fire on their date (:mod:`jichi.mynumber.schedule`).

The registry never imports this package (import-linter); ``jichi.mynumber.jpki`` (the
certificates) listens to :mod:`jichi.mynumber.events`.
"""
