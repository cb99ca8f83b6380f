"""投票所入場整理券 (admission tickets): one per voter, with a code the station scans.

The code is an HMAC of (election, voter) under a key derived from the master secret
(:func:`ticket_key`), so knowing a voter number — printed on the roll, guessable — is
not enough to forge a ticket, and a ticket for one election is worthless in the next.
The QR payload is ``T1|<election>|<voter>|<tag>``: the station reads the voter from it
and :func:`verify_code` checks the tag in constant time (ELE-027 otherwise).  A ticket
is only an aid (facts §2: a voter on the roll may vote without it), so a failed scan
sends the clerk to the roll, never turns the voter away.

Layout: one ticket per page, postcard size (100 × 148 mm); 和暦 dates.  Hours default
to 07:00–20:00 (公選法40条) and are a parameter, as the EMB may change them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2

from jichi.elections.errors import BAD_INPUT, BAD_TICKET_CODE
from jichi.elections.model import Election
from jichi.kernel.era import format_wareki
from jichi.kernel.errors import JichiError
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys

__all__ = [
    "Ticket",
    "render_html",
    "render_pdf",
    "ticket_code",
    "ticket_key",
    "ticket_payload",
    "verify_code",
]

_INFO = b"jichi/v1/admission-ticket"
TAG_CHARS = 20  # 100 bits of base32

KIND_LABELS = {
    "hor_district": "衆議院小選挙区選出議員選挙",
    "hor_pr": "衆議院比例代表選出議員選挙",
    "hoc_district": "参議院選挙区選出議員選挙",
    "hoc_pr": "参議院比例代表選出議員選挙",
    "governor": "知事選挙",
    "mayor": "市区町村長選挙",
    "prefectural_assembly": "都道府県議会議員選挙",
    "municipal_assembly": "市区町村議会議員選挙",
}


@dataclass(frozen=True)
class Ticket:
    voter_id: str
    name: str
    address: str
    station_name: str
    number: str  # 整理番号 as printed on the roll


def ticket_key(keys: Keys) -> bytes:
    """A key of its own, derived from the look-up key: tickets reveal nothing of it."""
    return hmac.new(keys.lookup_key, _INFO, hashlib.sha256).digest()


def ticket_key_of(cipher: FieldCipher) -> bytes:
    """:func:`ticket_key` from a cipher (what the web process holds): the same bytes."""
    return cipher.derived_key(_INFO)


def ticket_code(key: bytes, election_id: str, voter_id: str) -> str:
    """The tag for (election, voter): base32, 20 characters, upper case."""
    mac = hmac.new(key, f"{election_id}\x1f{voter_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:TAG_CHARS]


def ticket_payload(key: bytes, election_id: str, voter_id: str) -> str:
    for field, value in (("election_id", election_id), ("voter_id", voter_id)):
        if "|" in value:
            raise JichiError(
                BAD_INPUT, field=field, reason="「|」は使えません", reason_en="'|' is reserved"
            )
    return f"T1|{election_id}|{voter_id}|{ticket_code(key, election_id, voter_id)}"


def verify_code(key: bytes, payload: str, election_id: str) -> str:
    """The voter id of a scanned ticket for ``election_id``; ELE-027 if it does not verify."""
    parts = payload.strip().split("|")
    if len(parts) != 4 or parts[0] != "T1" or parts[1] != election_id:
        raise JichiError(BAD_TICKET_CODE, field="code")
    expected = ticket_code(key, parts[1], parts[2])
    if not hmac.compare_digest(expected, parts[3].upper()):
        raise JichiError(BAD_TICKET_CODE, field="code")
    return parts[2]


def _qr(payload: str) -> str:
    import segno

    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True
    )
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


_TEMPLATE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>投票所入場整理券</title>
<style>
html { font-family: "Noto Sans CJK JP", "Noto Serif CJK JP", sans-serif; font-size: 10pt; }
@page { size: 100mm 148mm; margin: 6mm; }
html { font-size: 9pt; line-height: 1.3; }
.ticket + .ticket { break-before: page; }
h1 { font-size: 12pt; margin: 0 0 2mm; } p { margin: 1mm 0; }
dl { margin: 0; } dt { font-weight: bold; margin-top: 1.5mm; } dd { margin: 0 0 0 3mm; }
.qr { margin-top: 2mm; text-align: center; } .qr img { width: 26mm; height: 26mm; }
.code { font-family: monospace; font-size: 8pt; text-align: center; }
.note { font-size: 8pt; margin-top: 3mm; }
</style></head><body>
{% for t in tickets %}
<section class="ticket">
<h1>投票所入場整理券</h1>
<p>{{ title }}（{{ district }}）</p>
<dl>
<dt>投票日</dt><dd>{{ polling_day }}　{{ hours }}</dd>
<dt>氏名</dt><dd>{{ t.name }} 様</dd>
<dt>住所</dt><dd>{{ t.address }}</dd>
<dt>投票所</dt><dd>{{ t.station_name }}</dd>
<dt>整理番号</dt><dd>{{ t.number }}</dd>
</dl>
<div class="qr"><img src="{{ t.qr }}" alt="受付用コード"></div>
<p class="code">{{ t.tag }}</p>
<p class="note">この整理券がなくても、選挙人名簿に登録されていれば投票できます。</p>
</section>
{% endfor %}
</body></html>
"""


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE)


def render_html(
    e: Election, tickets: Sequence[Ticket], key: bytes, *, hours: str = "午前7時から午後8時まで"
) -> str:
    """All tickets as one HTML document, one ticket a page (pure)."""
    rows = []
    for t in tickets:
        payload = ticket_payload(key, e.election_id, t.voter_id)
        rows.append(
            {
                "name": t.name,
                "address": t.address,
                "station_name": t.station_name,
                "number": t.number,
                "qr": _qr(payload),
                "tag": payload.rsplit("|", 1)[1],
            }
        )
    title = ("補欠選挙 " if e.by_election else "") + KIND_LABELS[e.kind.value]
    return _template().render(
        tickets=rows,
        title=title,
        district=e.district,
        polling_day=format_wareki(e.polling_day),
        hours=hours,
    )


def render_pdf(
    e: Election, tickets: Sequence[Ticket], key: bytes, **options: str
) -> tuple[bytes, int]:
    """The PDF (WeasyPrint) and its page count, which equals the number of tickets."""
    from weasyprint import HTML

    document = HTML(string=render_html(e, tickets, key, **options)).render()
    return document.write_pdf(), len(document.pages)
