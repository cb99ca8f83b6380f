"""収支報告書作成ソフトの XML: the donation sheets out and back, and files from outside.

The structure is the part two public readers of the file agree on (see the module
docstring); the samples below are written by hand in that shape, Shift_JIS like the
software's own files.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.funds.organizations import OrganizationKind
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
from jichi.funds.software_xml import export_donations, import_donations
from jichi.kernel.errors import JichiError

DONORS = (
    Donor(
        donor_id="p1",
        kind=DonorKind.INDIVIDUAL,
        name="髙橋　花子",
        address="東京都千代田区霞が関1-2-3",
        occupation="医師",
    ),
    Donor(
        donor_id="p2",
        kind=DonorKind.INDIVIDUAL,
        name="山田太郎",
        address="大阪市北区",
        occupation="会社員",
    ),
    Donor(
        donor_id="c1",
        kind=DonorKind.COMPANY,
        name="株式会社アクメ",
        address="大阪市",
        scale=500_000_000,
    ),
    Donor(
        donor_id="o1", kind=DonorKind.POLITICAL_ORGANIZATION, name="さくら政経会", address="横浜市"
    ),
)


def report(*gifts: tuple[str, int, date]) -> AnnualReport:
    donations = tuple(Donation(donor_id=d, amount=a, on=on) for d, a, on in gifts)
    total = sum(a for _, a, _ in gifts)
    return AnnualReport(
        organization_name="さくら後援会",
        organization_kind=OrganizationKind.PARTY,
        year=2026,
        carried_over=0,
        income=Income(donations=total, total=total),
        donors=DONORS,
        donations=donations,
        expenditure_total=0,
        carried_forward=total,
    )


def test_export_itemises_donors_over_5man_and_reads_back() -> None:
    body = export_donations(
        report(
            ("p1", 40_000, date(2026, 4, 1)),
            ("p1", 20_000, date(2026, 9, 30)),  # 60,000 a year: both itemised
            ("p2", 50_000, date(2026, 5, 1)),  # exactly 5万: not over, so in SONOTA_GK
            ("c1", 300_000, date(2026, 6, 1)),
            ("o1", 1_000_000, date(2026, 7, 7)),
        )
    )
    assert body.startswith(b'<?xml version="1.0" encoding="Shift_JIS"?>')
    assert "髙橋　花子".encode("cp932") in body
    assert b"<DT>R8/4/1</DT>" in body
    back = import_donations(body)
    assert back.head["APP"].startswith("収支報告書作成ソフト")
    assert back.sheet_totals == {"KUBUN1": 110_000, "KUBUN2": 300_000, "KUBUN3": 1_000_000}
    assert back.not_itemised == {"KUBUN1": 50_000, "KUBUN2": 0, "KUBUN3": 0}
    assert [(d.name, d.kind) for d in back.donors] == [
        ("髙橋　花子", DonorKind.INDIVIDUAL),
        ("株式会社アクメ", DonorKind.OTHER_BODY),  # the sheet says 法人その他の団体 only
        ("さくら政経会", DonorKind.POLITICAL_ORGANIZATION),
    ]
    assert [(g.amount, g.on) for g in back.donations] == [
        (40_000, date(2026, 4, 1)),
        (20_000, date(2026, 9, 30)),
        (300_000, date(2026, 6, 1)),
        (1_000_000, date(2026, 7, 7)),
    ]
    assert back.donations[0].donor_id == back.donations[1].donor_id  # one donor, two gifts


SAMPLE = """<?xml version="1.0" encoding="Shift_JIS"?>
<BOOK>
  <HEAD><VERSION>20191220</VERSION><APP>収支報告書作成ソフト〔収支報告書作成ソフト〕</APP></HEAD>
  <SYUUSHI_UMU_FLG><SYUUSHI_UMU>000000100000000000000000000000000000000000000000000</SYUUSHI_UMU></SYUUSHI_UMU_FLG>
  <SYUUSHI07_7>
    <KUBUN1>
      <SHEET>
        <KINGAKU_GK>132000</KINGAKU_GK>
        <SONOTA_GK>2000</SONOTA_GK>
        <ROW>
          <ICHIREN_NO>1</ICHIREN_NO><KIFUSYA_NM>渡邊　一郎</KIFUSYA_NM><KINGAKU>130000</KINGAKU>
          <DT>R4/2/2</DT><ADR>札幌市中央区北1条西2丁目</ADR><SYOKUGYO>弁護士</SYOKUGYO>
          <BIKOU/><SEQ_NO>1</SEQ_NO><ZEIGAKUKOUJYO>0</ZEIGAKUKOUJYO><ROWKBN>0</ROWKBN>
        </ROW>
        <ROW><KIFUSYA_NM>小計</KIFUSYA_NM><KINGAKU>130000</KINGAKU><ROWKBN>1</ROWKBN></ROW>
      </SHEET>
    </KUBUN1>
  </SYUUSHI07_7>
</BOOK>
"""


def test_a_file_in_the_other_readers_naming_is_read_and_subtotal_rows_skipped() -> None:
    back = import_donations(SAMPLE.encode("cp932"))
    assert back.head["VERSION"] == "20191220"
    assert [(d.name, d.occupation) for d in back.donors] == [("渡邊　一郎", "弁護士")]
    assert [(g.amount, g.on) for g in back.donations] == [(130_000, date(2022, 2, 2))]
    assert back.not_itemised == {"KUBUN1": 2000}


def test_every_bad_row_is_reported_at_once() -> None:
    bad = (
        SAMPLE.replace("<KINGAKU>130000</KINGAKU>\n", "<KINGAKU>十三万</KINGAKU>\n")
        .replace("<DT>R4/2/2</DT>", "<DT>R4/2/30</DT>")
        .replace("渡邊　一郎", "")
    )
    with pytest.raises(JichiError) as caught:
        import_donations(bad.encode("cp932"))
    fields = [e["field"] for e in caught.value.to_dict()["errors"]]
    assert fields == ["KIFUSYA_NM", "KINGAKU", "DT"]
    assert "1 行目" in caught.value.message_ja


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY x "x">]><BOOK>&x;</BOOK>', "DOCTYPE"),
        (b"<REPORT/>", "root"),
        (b"<BOOK><HEAD>", "no element found"),
        (b'<?xml version="1.0" encoding="EUC-JP"?><BOOK/>', "encoding"),
        ('<?xml version="1.0" encoding="Shift_JIS"?><BOOK>髙</BOOK>'.encode("utf-16"), ""),
    ],
)
def test_files_that_are_not_the_softwares_xml_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(JichiError) as caught:
        import_donations(data)
    assert caught.value.code == "FND-110" and reason in caught.value.message_ja


amounts = st.lists(
    st.tuples(st.sampled_from(["p1", "p2", "c1", "o1"]), st.integers(1, 3_000_000)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(amounts)
def test_the_sheets_always_add_up_and_itemised_gifts_survive(gifts: list[tuple[str, int]]) -> None:
    r = report(*((d, a, date(2026, 3, 3)) for d, a in gifts))
    back = import_donations(export_donations(r))
    for kubun, ids in {"KUBUN1": {"p1", "p2"}, "KUBUN2": {"c1"}, "KUBUN3": {"o1"}}.items():
        given_total = sum(a for d, a in gifts if d in ids)
        assert back.sheet_totals.get(kubun, 0) == given_total
    per_donor: dict[str, int] = {}
    for d, a in gifts:
        per_donor[d] = per_donor.get(d, 0) + a
    itemised = sorted(a for d, a in gifts if per_donor[d] > 50_000)
    assert sorted(g.amount for g in back.donations) == itemised
    assert sum(back.not_itemised.values()) + sum(itemised) == sum(a for _, a in gifts)


def test_the_cli_writes_and_reads_the_file(tmp_path: Path) -> None:
    source = tmp_path / "report.json"
    source.write_text(report(("p1", 60_000, date(2026, 4, 1))).model_dump_json(), encoding="utf-8")
    out = tmp_path / "report.xml"
    runner = CliRunner()
    written = runner.invoke(app, ["funds", "xml-export", str(source), "--out", str(out)])
    assert written.exit_code == 0, written.output
    read = runner.invoke(app, ["funds", "xml-import", str(out)])
    assert read.exit_code == 0, read.output
    assert json.loads(read.output)["donations"] == [
        {"donor_id": "xml-kubun1-1", "amount": 60000, "on": "2026-04-01"}
    ]
    out.write_bytes(b"<REPORT/>")
    refused = runner.invoke(app, ["funds", "xml-import", str(out)])
    assert refused.exit_code == 2
