"""選挙人名簿抄本 as PDF: one district, A4 landscape, in 選挙人番号 order (WeasyPrint).

Dates in 和暦 (:func:`jichi.kernel.era.format_wareki`), names exactly as stored; a
marked entry (表示) shows 「表示」 in its own column.  Each district starts a new page
and every page repeats the header row (``thead``) and carries page／total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache

import jinja2

from jichi.elections.roll_outputs import ExtractLine
from jichi.kernel.era import format_wareki

__all__ = ["render_html", "render_pdf"]

_TEMPLATE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>選挙人名簿抄本</title>
<style>
html { font-family: "Noto Sans CJK JP", "Noto Serif CJK JP", sans-serif; font-size: 9pt; }
@page { size: A4 landscape; margin: 12mm;
  @bottom-right { content: counter(page) "／" counter(pages); font-size: 8pt; } }
section + section { break-before: page; }
h1 { font-size: 13pt; margin: 0 0 2mm; } p { margin: 0 0 2mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.3mm solid #333; padding: 1mm 1.5mm; text-align: left; }
th { background: #eee; } td.n { text-align: right; width: 14mm; }
tr { break-inside: avoid; }
</style></head><body>
{% for d in districts %}
<section>
<h1>選挙人名簿抄本</h1>
<p>{{ municipality }}　投票区 {{ d.code }} {{ d.name }}　{{ as_of }} 現在
　{{ d.lines|length }} 人</p>
<table><thead><tr><th>番号</th><th>氏名</th><th>ふりがな</th><th>性別</th><th>生年月日</th>
<th>住所</th><th>表示</th></tr></thead>
<tbody>
{% for x in d.lines %}<tr><td class="n">{{ x.number }}</td><td>{{ x.name }}</td>
<td>{{ x.kana }}</td><td>{{ x.sex }}</td><td>{{ x.born }}</td><td>{{ x.address }}</td>
<td>{{ "表示" if x.marked else "" }}</td></tr>
{% endfor %}</tbody></table>
</section>
{% endfor %}
</body></html>
"""


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE)


def render_html(
    lines: Sequence[ExtractLine],
    *,
    as_of: date,
    district_names: Mapping[str, str],
    municipality: str = "",
) -> str:
    """The 抄本 HTML, one section per district (pure)."""
    groups: dict[str, list[dict[str, object]]] = {}
    for x in lines:
        groups.setdefault(x.district, []).append(
            {
                "number": x.number,
                "name": x.name,
                "kana": x.kana,
                "sex": x.sex,
                "born": format_wareki(x.date_of_birth) if x.date_of_birth else "",
                "address": x.address,
                "marked": x.marked,
            }
        )
    districts = [
        {"code": code, "name": district_names.get(code, ""), "lines": rows}
        for code, rows in groups.items()
    ]
    return _template().render(
        districts=districts, as_of=format_wareki(as_of), municipality=municipality
    )


def render_pdf(
    lines: Sequence[ExtractLine],
    *,
    as_of: date,
    district_names: Mapping[str, str],
    municipality: str = "",
) -> tuple[bytes, int]:
    """The PDF and its page count."""
    from weasyprint import HTML

    html = render_html(lines, as_of=as_of, district_names=district_names, municipality=municipality)
    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)
