"""事務の委託 at the entrusted counter: the copy names both members and the 委託, its fee is
in the counter's 日計表, and a counter without a 委託 is refused before anything is read."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.places import cooperation_store
from jichi.registry.certificates import CertificateKind, municipality_settings
from jichi.registry.counter_day import charges
from jichi.registry.counter_day.daily_report import daily_report
from jichi.registry.counter_day.fees import set_fee
from jichi.registry.entrusted_issue import (
    EntrustedDraft,
    SharedDatabaseHolders,
    issue_entrusted_copy,
)
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction
from tests.integration.registry.test_entrusted_copy import (  # noqa: F401 (fixtures)
    CONTRACT,
    _audits,
    contracted,
)
from tests.integration.registry.test_merger import (  # noqa: F401 (fixture)
    CIPHER,
    KAWAGOE,
    KAWAJIMA,
    NOW,
    TODAY,
    clock,
    records,
    registry,
    two_towns,
)


def _html(html: str) -> tuple[bytes, int]:
    return html.encode(), 1


def _issue(engine: Engine, counter: str = KAWAGOE, request_id: str = ""):  # type: ignore[no-untyped-def]
    person = next(r for r in records(engine, KAWAJIMA) if r.is_active)
    draft = EntrustedDraft(
        holder=KAWAJIMA,
        kind=CertificateKind.RECORD_COPY_PERSONAL,
        name=person.name.text(),
        date_of_birth=person.date_of_birth,
        id_document="my_number_card",
        request_id=request_id or str(uuid.uuid4()),
    )
    done = issue_entrusted_copy(
        registry(engine, counter),
        SharedDatabaseHolders(engine, CIPHER, clock),
        draft,
        Actor("madoguchi", counter, "clerk"),
        municipality_settings(counter, "市長　太郎"),
        charges.Charge(),
        pdf_maker=_html,
    )
    return person, done


def test_the_copy_names_the_holder_and_the_entrustment_and_is_in_the_day_report(
    contracted: Engine,  # noqa: F811
) -> None:
    person, done = _issue(contracted, request_id="r-1")
    text = re.sub(r"<[^>]+>", "", done.certificate.pdf.decode())
    assert person.name.family in text
    assert "事務の委託による交付" in text and "委託団体　埼玉県川島町" in text
    assert "受託団体　埼玉県川越市" in text and "川島町→川越市" in text
    assert done.certificate.lg_code == KAWAGOE
    with contracted.connect() as conn:
        report = daily_report(conn, KAWAGOE, TODAY)
    assert report.issued == 1
    assert _audits(contracted)[0][:3] == (KAWAJIMA, "madoguchi", person.person_id)
    again = _issue(contracted, request_id="r-1")[1].certificate
    assert again.serial == done.certificate.serial  # the same certificate, not a second one


def test_a_counter_without_an_entrustment_is_refused(contracted: Engine) -> None:  # noqa: F811
    with pytest.raises(JichiError) as refused:
        _issue(contracted, counter="131016")
    assert refused.value.code == "COOP-001"
    assert _audits(contracted) == []


@pytest.mark.parametrize(("rules_of", "fee"), [("entrusting", 350), ("entrusted", 250)])
def test_the_fee_is_that_of_the_side_whose_rules_apply(
    contracted: Engine,  # noqa: F811
    rules_of: str,
    fee: int,
) -> None:
    """川島町 charges 350円, 川越市 250円: the contract's ``rules_of`` decides which applies."""
    for code, yen in ((KAWAJIMA, 350), (KAWAGOE, 250)):
        set_fee(
            contracted,
            code,
            CertificateKind.RECORD_COPY_PERSONAL,
            yen,
            Actor("kakaricho", code, "supervisor"),
            NOW,
            CIPHER.audit_key,
        )
    with write_transaction(contracted) as conn:
        data = {**CONTRACT, "rules_of": rules_of}
        cooperation_store.save(conn, cooperation_store.from_json(data), at=NOW)
    _person, done = _issue(contracted)
    with contracted.connect() as conn:
        charged = charges.charge_of(conn, KAWAGOE, done.certificate.serial)
    assert charged is not None
    assert (charged.lg_code, charged.standard_fee_yen, charged.fee_yen) == (KAWAGOE, fee, fee)
    assert done.entrusted.fee_yen == (350 if rules_of == "entrusting" else None)
