"""The accountant's draft: fields as typed, read into a report, every problem where it was typed."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jichi.funds import drafts
from jichi.funds.draft_review import read_amount, review
from jichi.funds.reports import AnnualReport, check
from jichi.kernel.errors import JichiError


def draft_with(*gifts: tuple[str, str], income: str = "", total: str = "") -> dict[str, Any]:
    draft = drafts.blank(name="さくら後援会", treasurer="会計 花子")
    for name, amount in gifts:
        drafts.add_line(draft, "donations")
        line = draft["lines"]["donations"][-1]
        line.update(name=name, address="東京都港区芝公園4-2-8", occupation="会社員", amount=amount)
        line["on"] = "令和8年4月1日"
    draft["fields"]["income_donations"] = income
    draft["fields"]["income_total"] = total or income
    draft["fields"]["carried_forward"] = total or income
    return draft


def test_amounts_are_read_with_commas_full_width_digits_and_yen() -> None:
    for typed in ("1,600,000", "１，６００，０００", "1600000円", " 1 600 000 "):
        assert read_amount(typed, label="金額", field_id="x") == 1_600_000
    assert read_amount("", label="金額", field_id="x") == 0
    for bad in ("1.5", "百万", "-5", "9" * 30):
        try:
            read_amount(bad, label="金額", field_id="x")
        except JichiError as error:
            assert error.code in ("FND-120", "FND-122") and error.field == "x"
        else:
            raise AssertionError(bad)


def test_a_clean_draft_becomes_the_report_filing_would_accept() -> None:
    result = review(
        draft_with(("髙橋花子", "100,000"), ("山田太郎", "60,000"), income="160,000"), 2026
    )
    assert result.problems == [] and result.fileable
    assert result.report is not None and result.report.income.total == 160_000
    assert [d.on.isoformat() for d in result.report.donations] == ["2026-04-01"] * 2
    assert result.report.treasurer == "会計 花子"


def test_two_mistakes_are_both_shown_at_their_line_and_field() -> None:
    result = review(
        draft_with(("髙橋花子", "100,000"), ("山田太郎", "1,600,000"), income="100,000"), 2026
    )
    targets = {(p.code, p.step, p.target) for p in result.errors}
    assert ("FND-042", "donations", "donations-1") in targets  # over 150万円 from one person
    assert ("FND-040", "income", "income_donations") in targets  # the declared sum is off
    assert not result.fileable


def test_lines_with_the_same_name_and_address_are_one_donor_whose_gifts_add_up() -> None:
    result = review(
        draft_with(("山田太郎", "800,000"), ("山田太郎", "800,000"), income="1,600,000"), 2026
    )
    assert [p.code for p in result.errors] == ["FND-042"]
    assert result.errors[0].target == "donations-1"  # the gift that crossed the cap
    assert result.report is None or len(result.report.donors) == 1


def test_an_unreadable_amount_is_an_error_at_its_field_and_the_rest_is_still_checked() -> None:
    draft = draft_with(("髙橋花子", "十万"), ("山田太郎", "1,600,000"), income="1,700,000")
    draft["lines"]["donations"][1]["occupation"] = ""
    result = review(draft, 2026)
    codes = {(p.code, p.target) for p in result.errors}
    assert ("FND-120", "donations-0-amount") in codes
    assert ("FND-042", "donations-1") in codes
    assert ("FND-045", "donations-1") in codes  # over 5万円 without an occupation
    assert not any(p.code == "FND-040" for p in result.errors)  # sums wait for every line
    assert result.report is None


def test_blank_lines_are_ignored_and_a_nameless_line_is_required_at_its_field() -> None:
    draft = draft_with(("髙橋花子", "10,000"), income="10,000")
    drafts.add_line(draft, "donations")  # left blank
    drafts.add_line(draft, "donations")
    draft["lines"]["donations"][2].update(amount="5000", on="2026-05-01")
    result = review(draft, 2026)
    assert [(p.code, p.target) for p in result.errors] == [("FND-121", "donations-2-name")]


def test_update_keeps_typed_text_and_refuses_control_characters_and_foreign_choices() -> None:
    draft = drafts.blank()
    drafts.add_line(draft, "donations")
    form = {
        "donations-0-kind": "宇宙人",
        "donations-0-name": "山田\x00太郎",
        "donations-0-amount": "１２，０００",
        "donations-0-foreign": "on",
    }
    new, errors = drafts.update(draft, "donations", form)
    assert set(errors) == {"donations-0-kind", "donations-0-name"}
    line = new["lines"]["donations"][0]
    assert line["amount"] == "１２，０００" and line["foreign"] is True
    assert line["kind"] == "個人" and line["name"] == ""  # the previous values stay
    assert draft["lines"]["donations"][0]["amount"] == ""  # the original is not changed


def test_actions_are_read_and_anything_else_saves() -> None:
    assert drafts.parse_action("add:donations") == ("add", "donations", -1)
    assert drafts.parse_action("remove:tickets:3") == ("remove", "tickets", 3)
    for odd in ("remove:x:1", "add:", None, "x" * 100, "remove:debts:-1"):
        assert drafts.parse_action(odd)[0] == "save"


def test_a_filed_report_round_trips_through_a_draft() -> None:
    first = review(
        draft_with(("髙橋花子", "100,000"), ("山田太郎", "60,000"), income="160,000"), 2026
    )
    assert first.report is not None
    report = first.report.model_copy(
        update={
            "donors": (
                first.report.donors[0].model_copy(update={"scale": 5}),
                first.report.donors[1],
            )
        }
    )
    again = review(drafts.from_report(report), 2026)
    assert again.report is not None
    assert again.report == AnnualReport.model_validate(report.model_dump(mode="json"))
    assert check(again.report) == []


_typed = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["１，０００", "9" * 30, "令和8年2月30日", "R8.4.1", "2026-04-01", "-1", "匿名"]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(sorted(drafts.FIELDS)), st.one_of(_typed, st.booleans())
    ),
    lines=st.lists(
        st.tuples(
            st.sampled_from(sorted(drafts.LISTS)),
            st.dictionaries(
                st.sampled_from(
                    ["kind", "name", "amount", "on", "party", "party_date", "paid_on", "category"]
                ),
                _typed,
            ),
        ),
        max_size=6,
    ),
    year=st.integers(1995, 2200),
)
def test_review_never_raises_and_files_only_what_check_accepts(
    fields: dict[str, Any], lines: list[tuple[str, dict[str, str]]], year: int
) -> None:
    draft = drafts.blank()
    draft["fields"].update(fields)
    for name, line in lines:
        draft["lines"][name].append({**drafts.empty_line(name), **line})
    result = review(draft, year)
    if result.fileable:
        assert result.report is not None
        assert not [f for f in check(result.report) if f.severity.value == "error"]
    for problem in result.problems:
        assert problem.step in drafts.STEP_KEYS and problem.message
