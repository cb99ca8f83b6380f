"""The 通番 taken around the render, not across it: processes issue for one municipality.

Each worker process renders with no lock held (the number is reserved first, the
certificate stored under the lock after), so their PDFs are made in parallel.  The
numbers they print must still be unique and gap-free, each row must agree with its
PDF and every PDF must verify.  Real WeasyPrint, real processes (spawned), both
databases.
"""

from __future__ import annotations

import multiprocessing as mp
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    issue,
    municipality_settings,
    verify,
)
from jichi.registry.certificates import serial as numbering
from jichi.registry.certificates.tables import certificate, certificate_serial
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Registry
from tests.integration.certificates.conftest import pdf_text
from tests.integration.registry.conftest import CLERK, LG, NOW, TODAY, MoveIn, person

PROCESSES = 3
EACH = 4  # certificates per process
PROXY = Requester(RequesterType.PROXY, "代理　花子")


def _issue_many(url: str, person_ids: list[str], fail_first: bool) -> list[tuple[str, bytes]]:
    """A worker process: its own engine, issuing its people's 個人票 one after another."""
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import Keys
    from jichi.store.engine import make_engine

    engine = make_engine(url)
    registry = Registry(engine, LG, FieldCipher(Keys.derive(b"k" * 32)), clock=lambda: NOW)
    protection = Protection(registry)
    settings = municipality_settings(LG, "見本　太郎", terminal="本庁", printer="P1")
    out = []
    try:
        for n, pid in enumerate(person_ids):
            asked = CertificateRequest(
                kind=CertificateKind.RECORD_COPY_PERSONAL,
                person_ids=(pid,),
                requester=PROXY,
                request_id=str(uuid.uuid4()),
            )
            if fail_first and n == 0:  # a render that fails: its number must go back

                def broken(html: str) -> tuple[bytes, int]:
                    raise OSError("injected")

                with pytest.raises(JichiError):
                    issue(registry, protection, asked, CLERK, settings, pdf_maker=broken)
            cert = issue(registry, protection, asked, CLERK, settings)
            out.append((cert.verification_code, cert.pdf))
    finally:
        engine.dispose()
    return out


def _people(move_in: MoveIn, count: int) -> list[str]:
    ids = []
    for i in range(count):
        applied = move_in(
            persons=[
                person(
                    f"並行{i:02d}", "試", ("ヘイコウ", "タメシ"), "1990-01-01", "female", "世帯主"
                )
            ]
        )
        ids.append(applied.person_ids[0])
    return ids


@pytest.mark.timeout(600)
def test_processes_issuing_at_once_print_unique_gap_free_serials_and_every_pdf_verifies(
    engine: Engine, registry: Registry, move_in: MoveIn, tmp_path: Path
) -> None:
    people = _people(move_in, PROCESSES * EACH)
    url = engine.url.render_as_string(hide_password=False)
    shares = [people[i::PROCESSES] for i in range(PROCESSES)]
    context = mp.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            _issue_many, [(url, share, index == 0) for index, share in enumerate(shares)]
        )
    issued = [item for share in results for item in share]
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(certificate)))
        reserved = list(conn.execute(sa.select(certificate_serial)))
        for code, pdf in issued:
            assert verify(conn, code, pdf).authentic is True
    assert len(rows) == len(people) == len(issued)
    assert sorted(r.seq for r in rows) == list(range(1, len(people) + 1))  # no gap
    assert sorted(r.seq for r in reserved) == list(range(1, len(people) + 1))
    by_code = {r.verification_code: r for r in rows}
    for code, pdf in issued:
        row = by_code[code]
        text = pdf_text(pdf, tmp_path)
        assert f"発行番号 {row.serial} 1/1" in text  # the number printed is the one stored
        (pid,) = row.subject_person_ids
        family = registry.read_record(pid, CLERK).name.family
        assert family in text and text.count("並行") == 1


def _ask(pid: str, request_id: str | None = None) -> CertificateRequest:
    return CertificateRequest(
        kind=CertificateKind.RECORD_COPY_PERSONAL,
        person_ids=(pid,),
        requester=PROXY,
        request_id=request_id or str(uuid.uuid4()),
    )


def _broken(html: str) -> tuple[bytes, int]:
    raise OSError("printer spool full")


@pytest.fixture
def proxy_settings() -> CertificateSettings:
    return municipality_settings(LG, "見本　太郎")


def test_a_failed_render_keeps_its_number_for_its_retry_when_a_later_one_was_given(
    engine: Engine,
    registry: Registry,
    move_in: MoveIn,
    proxy_settings: CertificateSettings,
) -> None:
    first, second = _people(move_in, 2)
    protection = Protection(registry)
    failing = _ask(first)
    # The failing render holds 000001 while another request takes 000002.
    at = datetime.now(UTC)
    assert numbering.reserve(engine, LG, TODAY, failing.request_id, at) == 1
    other = issue(registry, protection, _ask(second), CLERK, proxy_settings)
    assert other.serial.endswith("000002")
    with pytest.raises(JichiError) as raised:
        issue(registry, protection, failing, CLERK, proxy_settings, pdf_maker=_broken)
    assert raised.value.code == "CRT-014"
    # Not the last number any more, so it stays with its request ...
    with engine.connect() as conn:
        held = conn.execute(
            sa.select(certificate_serial.c.seq).where(
                certificate_serial.c.request_id == failing.request_id
            )
        ).scalar()
    assert held == 1
    # ... and the retry prints it: no gap.
    again = issue(registry, protection, failing, CLERK, proxy_settings)
    assert again.serial.endswith("000001")
    # A third request goes on after the highest.
    assert issue(registry, protection, _ask(second), CLERK, proxy_settings).serial.endswith(
        "000003"
    )


def test_a_number_released_under_a_render_is_reserved_again_before_the_store(
    engine: Engine,
    registry: Registry,
    move_in: MoveIn,
    proxy_settings: CertificateSettings,
) -> None:
    """A concurrent failure of the same request gave the number back mid-render."""
    (pid,) = _people(move_in, 1)
    protection = Protection(registry)
    asked = _ask(pid)
    released: list[bool] = []

    def meanwhile(html: str) -> tuple[bytes, int]:
        from jichi.registry.certificates.issue import to_pdf

        if not released:  # the other attempt fails and gives 000001 back; 000001 is taken
            released.append(numbering.release(engine, LG, TODAY, asked.request_id, 1))
            numbering.reserve(engine, LG, TODAY, "someone-else", datetime.now(UTC))
        return to_pdf(html)

    cert = issue(registry, protection, asked, CLERK, proxy_settings, pdf_maker=meanwhile)
    assert released == [True]
    assert cert.serial.endswith("000002")  # reserved again, rendered again with it
    with engine.connect() as conn:
        assert verify(conn, cert.verification_code, cert.pdf).authentic is True


def test_serial_reservation_is_per_request_and_per_day(engine: Engine) -> None:
    at = datetime.now(UTC)
    assert numbering.reserve(engine, LG, TODAY, "r-1", at) == 1
    assert numbering.reserve(engine, LG, TODAY, "r-1", at) == 1  # a retry: the same
    assert numbering.reserve(engine, LG, TODAY, "r-2", at) == 2
    assert numbering.release(engine, LG, TODAY, "r-1", 1) is False  # not the last
    assert numbering.release(engine, LG, TODAY, "r-2", 2) is True
    assert numbering.reserve(engine, LG, TODAY, "r-3", at) == 2  # given back, given again
    tomorrow = TODAY.replace(day=TODAY.day + 1)
    assert numbering.reserve(engine, LG, tomorrow, "r-1", at) == 1  # a new day starts at 1
