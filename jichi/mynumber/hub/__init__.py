"""情報提供ネットワークシステム (``ExchangeHub``): agencies exchange data about a person.

番号法19条8号・21条・21条の2・23条 (facts: mynumber.md §4):

* :mod:`~jichi.mynumber.hub.catalogue`: agencies, their 事務 and the data items each may
  request or provide — data loaded from a catalogue file, not code;
* :mod:`~jichi.mynumber.hub.keys`: the hub's key and the keyed one-way derivation of a
  person's 機関別符号 (``agency_token``) per agency;
* :mod:`~jichi.mynumber.hub.acquisition`: the municipality's 団体内統合宛名 side issues a
  one-time request number (処理通番); an agency redeems it for its token;
* :mod:`~jichi.mynumber.hub.pia`: 特定個人情報保護評価 records (第28条) a request needs on
  both sides;
* :mod:`~jichi.mynumber.hub.exchange`: 照会 → 提供 through the hub, with the three log
  rows (第23条) of :mod:`~jichi.mynumber.hub.log`;
* :mod:`~jichi.mynumber.hub.agency_api`: the only functions an agency (the HTTP API, the
  CLI's demo) may call — none of them maps one agency's token to another's;
* :mod:`~jichi.mynumber.hub.history`: the per-person やりとり履歴 the portal shows.

ADR 0024 says why tokens are derived (HMAC) and stored, and what stays UNCONFIRMED.
"""
