"""The 個人番号通知書: Japanese, 和暦, the number in groups of four, a real PDF."""

from __future__ import annotations

from datetime import date

import pytest

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, with_check_digit
from jichi.mynumber.notice import NoticeData, grouped, render, to_pdf

NUMBER = with_check_digit(IdKind.INDIVIDUAL_NUMBER, "12345678901")
DATA = NoticeData(
    individual_number=NUMBER,
    name="川越 花子",
    date_of_birth=date(1990, 1, 8),
    address="埼玉県川越市元町一丁目3番地1",
    notified_on=date(2026, 12, 3),
    issuer="埼玉県川越市長 川越 太郎",
)


def test_notice_html_is_japanese_with_wareki_dates() -> None:
    html = render(DATA)
    assert "個人番号通知書" in html and "第7条第1項" in html
    assert "平成2年1月8日" in html and "令和8年12月3日" in html
    assert grouped(NUMBER) in html and NUMBER not in html  # printed in groups only
    assert "身分証明書としても使用できません" in html
    assert NUMBER not in repr(DATA)


def test_changed_number_cites_paragraph_2() -> None:
    from dataclasses import replace

    html = render(replace(DATA, changed=True))
    assert "第7条第2項" in html and "個人番号の変更" in html


def test_an_invalid_number_is_refused_not_printed() -> None:
    from dataclasses import replace

    with pytest.raises(JichiError) as caught:
        render(replace(DATA, individual_number="123456789012"))
    assert caught.value.code.startswith("ID-")


def test_notice_pdf() -> None:
    pdf = to_pdf(render(DATA))
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
