"""Pure parts of certificates: font detection and its message, shrinking names, settings."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from jichi.kernel.errors import JichiError
from jichi.registry.certificates import CertificateKind, Items, Official
from jichi.registry.certificates.fonts import (
    FALLBACKS,
    PREFERRED,
    Measure,
    default_font,
    detect_font,
    fallback_message,
    metrics_for,
)
from jichi.registry.certificates.issue import municipality_settings
from jichi.registry.certificates.render import CertificateData, Subject, render
from jichi.registry.model import Address, PersonName, ResidentRecord, Sex
from tests.integration.registry.conftest import LG

IPAMJ = "IPAmjMincho,IPAmj明朝\t/usr/share/fonts/truetype/ipamj/ipamjm.ttf\t0\n"
IPA = "IPAMincho,IPA明朝\t/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf\t0\n"
NOTO = "Noto Serif CJK JP\t/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc\t0\n"
DEJAVU = "DejaVu Serif\t/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf\t0\n"


def test_ipamj_mincho_is_chosen_when_installed_and_nothing_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "jichi.registry.certificates"):
        choice = detect_font(lambda: DEJAVU + IPA + IPAMJ)
    assert choice.candidate is PREFERRED and choice.preferred
    assert choice.path.endswith("ipamjm.ttf")
    assert caplog.records == []


def test_without_ipamj_mincho_the_fallback_is_used_with_a_clear_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "jichi.registry.certificates"):
        choice = detect_font(lambda: DEJAVU + NOTO + IPA)
    assert choice.candidate is FALLBACKS[0] and not choice.preferred
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message == fallback_message(choice)
    assert "IPAmj明朝 (fonts-ipamj-mincho) is not installed" in message
    assert "IPA明朝 (fonts-ipafont-mincho" in message
    assert "apt-get install fonts-ipamj-mincho" in message
    caplog.clear()
    with caplog.at_level(logging.WARNING, "jichi.registry.certificates"):
        noto = detect_font(lambda: DEJAVU + NOTO)
    assert noto.candidate is FALLBACKS[1] and "Noto Serif CJK JP" in caplog.text


def test_without_any_japanese_font_nothing_can_be_issued(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(JichiError) as raised, caplog.at_level(logging.ERROR):
        detect_font(lambda: DEJAVU)
    assert raised.value.code == "CRT-010"
    assert "fonts-ipamj-mincho" in caplog.text


def test_this_machine_has_ipamj_mincho() -> None:
    """requirements/debian.txt installs it; a fallback here would hide missing glyphs."""
    choice = default_font()
    assert choice.preferred, fallback_message(choice)
    metrics = metrics_for(choice)
    assert metrics.missing("山田太郎") == []
    assert metrics.missing("葛\U000e0102") == []  # an MJ (Moji_Joho) variant
    assert metrics.missing("葛\U000e0100") == ["葛\U000e0100"]  # Adobe-Japan1: not in IPAmj


def record(family: str, given: str = "") -> ResidentRecord:
    return ResidentRecord(
        person_id="p-1",
        lg_code=LG,
        name=PersonName(family=family, given=given),
        date_of_birth=date(1980, 4, 2),
        sex=Sex.MALE,
        household_id="h-1",
        relationship="世帯主",
        resident_since=date(2020, 1, 1),
        address=Address(prefecture="埼玉県", municipality="川越市", town="大字的場", block="1"),
        address_since=date(2020, 1, 1),
    )


def rendered(family: str, given: str = "", overflow: str = "print") -> tuple[str, list[str]]:
    data = CertificateData(
        kind=CertificateKind.RECORD_COPY_HOUSEHOLD,
        subjects=(Subject(record(family, given)),),
        items=Items(),
        serial="20261127 川越市 000001",
        issued_on=date(2026, 11, 27),
        verification_code="ABCD-EFGH-JKMN-PQRS",
    )
    settings = municipality_settings(LG, "川越　太郎", overflow=overflow)
    out = render(data, settings, measure=Measure())
    sizes = re.findall(r'class="name[^"]*" style="font-size: ([0-9.]+)pt"', out.html)
    return out.html, [f"{a.kind}:{a.field}" for a in out.alerts] + sizes


def test_a_long_name_shrinks_and_one_that_cannot_fit_raises_an_alert() -> None:
    _, short = rendered("山田", "太郎")
    assert short == ["12.0"]
    _, longer = rendered("寿限無寿限無五劫の擦り切れ", "海砂利水魚")  # 19 em with the space
    assert longer == ["8.0"]
    html, too_long = rendered("寿限無" * 10, "海砂利水魚の水行末雲来末風来末")
    assert too_long == ["overflow:name", "6.0"]
    assert "寿限無寿限無" in html  # printed as far as the field allows
    html, blank = rendered("寿限無" * 10, "海砂利水魚", overflow="blank")
    assert blank == ["overflow:name", "6.0"] and "寿限無" not in html


def test_names_are_printed_exactly_as_stored() -> None:
    html, _ = rendered("葛\U000e0102西", "髙﨑")
    assert "葛\U000e0102西" in html and "髙﨑" in html


def test_the_issuer_title_includes_the_prefecture_and_acting_officials_switch_by_date() -> None:
    settings = municipality_settings(LG, "川越　太郎")
    assert settings.mayor.title == "埼玉県川越市長"
    acting = Official("埼玉県川越市副市長", "代理　花子", date(2026, 12, 1), date(2026, 12, 31))
    settings = municipality_settings(LG, "川越　太郎", acting=(acting,))
    assert settings.issuer_on(date(2026, 11, 30)).name == "川越　太郎"
    assert settings.issuer_on(date(2026, 12, 15)) is acting
    assert settings.issuer_on(date(2027, 1, 1)).name == "川越　太郎"
    assert municipality_settings("131016", "千代田　一").mayor.title == "東京都千代田区長"
