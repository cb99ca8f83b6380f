"""Admission tickets: an unguessable code per (election, voter) and one PDF page each."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.elections.model import Election, ElectionType
from jichi.elections.tickets import (
    Ticket,
    render_html,
    render_pdf,
    ticket_code,
    ticket_key,
    ticket_payload,
    verify_code,
)
from jichi.kernel.errors import JichiError
from jichi.security.keys import Keys

KEY = ticket_key(Keys.derive(b"k" * 32))
E = Election(
    "e2026", "112011", ElectionType.MAYOR, "川越市", 1, date(2026, 10, 20), date(2026, 10, 27)
)
ids = st.text(
    st.characters(blacklist_characters="|", blacklist_categories=["Cs"]), min_size=1, max_size=20
)


@given(ids, ids)
def test_a_payload_verifies_and_names_its_voter(election_id: str, voter_id: str) -> None:
    payload = ticket_payload(KEY, election_id, voter_id)
    assert verify_code(KEY, payload, election_id) == voter_id
    head, tag = payload.rsplit("|", 1)
    flipped = tag[:-1] + ("A" if tag[-1] != "A" else "B")
    with pytest.raises(JichiError):
        verify_code(KEY, f"{head}|{flipped}", election_id)


def test_the_code_depends_on_key_election_and_voter() -> None:
    base = ticket_code(KEY, "e2026", "000123")
    other_key = ticket_key(Keys.derive(b"x" * 32))
    assert (
        len(
            {
                base,
                ticket_code(KEY, "e2027", "000123"),
                ticket_code(KEY, "e2026", "000124"),
                ticket_code(other_key, "e2026", "000123"),
            }
        )
        == 4
    )
    forged = f"T1|e2026|000124|{base}"  # someone else's tag on a guessed voter number
    for bad in (forged, "T1|e2027|000123|" + base, "garbage"):
        with pytest.raises(JichiError) as caught:
            verify_code(KEY, bad, "e2026")
        assert caught.value.code == "ELE-027"


def test_one_pdf_page_per_voter_with_the_name_printed() -> None:
    tickets = [
        Ticket(f"v{i}", f"川越 花子{i}", "川越市元町1-3-1", "第1投票所", f"{i:05d}")
        for i in range(3)
    ]
    html = render_html(replace(E, by_election=True), tickets, KEY)
    assert "川越 花子2" in html and "補欠選挙 市区町村長選挙" in html and "令和8年10月27日" in html
    pdf, pages = render_pdf(E, tickets, KEY)
    assert pdf.startswith(b"%PDF") and pages == 3
