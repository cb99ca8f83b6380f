"""Importing a registry from CSV and exporting it: nothing lost, nothing half-written."""

from __future__ import annotations

import csv
import json
import random
import re
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli import bulk as bulk_cli
from jichi.kernel.era import format_wareki
from jichi.kernel.errors import ErrorKind, JichiError
from jichi.kernel.identifiers import with_check_digit
from jichi.registry import bulk
from jichi.registry.layout import COLUMN_NAMES
from jichi.registry.model import ResidentRecord
from jichi.registry.tables import household, notification, outbox, registry_event, resident
from jichi.security import audit
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token
from jichi.security.tables import audit_log
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction

LG = "112011"  # 埼玉県川越市
ROOT = Path(__file__).resolve().parents[3]
CIPHER = FieldCipher(Keys.derive(b"k" * 32))
IVS_FAMILY = "葛\U000e0100城"  # 葛 with an ideographic variation selector
ARCHIVED = ["旧世帯番号", "備考"]
HEADER = [
    "source_id",
    "household_source_id",
    "relationship",
    "status",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "latin_name",
    "former_family_name",
    "former_family_name_kana",
    "alias_family_name",
    "alias_given_name",
    "legacy_code",
    "legacy_identified_as",
    "legacy_identified_by",
    "date_of_birth",
    "sex",
    "honseki",
    "family_register_head",
    "resident_since",
    "address_since",
    "moved_in_on",
    "address_prefecture",
    "address_municipality",
    "address_town",
    "address_block",
    "address_building",
    "address_postal_code",
    "previous_address_prefecture",
    "previous_address_municipality",
    "previous_address_town",
    "previous_address_lg_code",
    "resident_code",
    "individual_number",
    "national_health_insurance",
    "national_pension",
    "nationality",
    "status_of_residence",
    "period_expires",
    "residence_card_number",
    "removed_on",
    "removal_reason",
    *ARCHIVED,
]
REGISTRY_TABLES = (household, resident, registry_event, notification, outbox, bulk.import_archive)

FAMILIES = [
    ("山田", "ヤマダ"),
    ("髙橋", "タカハシ"),
    ("𠮷田", "ヨシダ"),
    ("佐藤", "サトウ"),
    ("渡邊", "ワタナベ"),
    ("齋藤", "サイトウ"),
]
GIVEN = {
    "male": [("太郎", "タロウ"), ("一郎", "イチロウ"), ("健", "ケン"), ("翔", "ショウ")],
    "female": [("花子", "ハナコ"), ("二葉", "フタバ"), ("美咲", "ミサキ"), ("葵", "アオイ")],
}


# ---------------------------------------------------------------------------
# A generated registry of about 300 people, with a few bad rows at known places
# ---------------------------------------------------------------------------


class Source:
    """Rows of a vendor's file, and what an import should make of them."""

    def __init__(self, households: int = 100, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.serial = 0
        self.groups: list[list[dict[str, str]]] = []
        for index in range(households):
            self.groups.append(self.household(index))
        # Bad households at fixed places: (reason, rows, expected codes per row).
        self.bad: dict[str, list[dict[str, str]]] = {}
        self.insert_bad(5, "date", self.single(date_of_birth="令和6年2月30日"))
        self.insert_bad(15, "kana", self.single(family_name_kana="ヤマダ1"))
        self.insert_bad(25, "number", self.single(individual_number="123456789012"))
        self.insert_bad(35, "sex", self.single(sex="不明"))
        two_heads = self.household(90900, size=2)
        two_heads[1]["relationship"] = "世帯主"
        self.insert_bad(45, "heads", two_heads)
        mixed = self.household(90901, size=3)
        mixed[2]["date_of_birth"] = "2024-13-01"
        self.insert_bad(55, "member", mixed)
        grandchild = self.household(90902, size=2)
        grandchild[1]["relationship"] = "孫"  # the registry writes 子の子
        self.insert_bad(65, "relationship", grandchild)

    # -- building rows --------------------------------------------------------------

    def next_id(self) -> int:
        self.serial += 1
        return self.serial

    def person(self, index: int, relationship: str, family: tuple[str, str]) -> dict[str, str]:
        n = self.next_id()
        rng = self.rng
        sex = "male" if relationship in ("世帯主", "子") and rng.random() < 0.6 else "female"
        if relationship == "妻":
            sex = "female"
        given, given_kana = rng.choice(GIVEN[sex])
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60))
        if relationship == "子":
            born = date(1990, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
        since = max(born, date(2001, 4, 1)) + timedelta(days=rng.randrange(0, 3000))
        row = dict.fromkeys(HEADER, "")
        row.update(
            {
                "source_id": f"P{n:06d}",
                "household_source_id": f"H{index:05d}",
                "relationship": relationship,
                "family_name": family[0],
                "given_name": given,
                "family_name_kana": family[1] if n % 3 else _hiragana(family[1]),
                "given_name_kana": given_kana,
                "date_of_birth": format_wareki(born) if n % 2 else born.isoformat(),
                "sex": rng.choice({"male": ["男", "1", "male"], "female": ["女", "2"]}[sex]),
                "honseki": "埼玉県川越市元町1丁目1番",
                "family_register_head": f"{family[0]}　太郎",
                "resident_since": since.isoformat(),
                "address_since": since.isoformat(),
                "moved_in_on": (since + timedelta(days=3)).isoformat(),
                "address_prefecture": "埼玉県",
                "address_municipality": "川越市",
                "address_town": "大字的場",
                "address_block": f"{index + 1}-2-3",
                "address_building": "コーポ的場　101号室" if index % 4 == 0 else "",
                "address_postal_code": "350-1101",
                "resident_code": f"{n:011d}" if n % 5 else "",
                "individual_number": with_check_digit("mynumber", f"{n + 5000:011d}")
                if n % 2
                else "",
                "national_health_insurance": "1" if n % 4 == 0 else "",
                "national_pension": "第1号" if n % 4 == 0 else "",
                "旧世帯番号": f"OLD-{index:04d}",
                "備考": "" if n % 6 else f'備考{n}, 引用符"あり"',
            }
        )
        if index % 7 == 3:
            row.update(
                previous_address_prefecture="東京都",
                previous_address_municipality="千代田区",
                previous_address_town="千代田",
                previous_address_lg_code="131016",
            )
        return row

    def household(self, index: int, size: int | None = None) -> list[dict[str, str]]:
        rng = self.rng
        family = (IVS_FAMILY, "カツラギ") if index == 0 else rng.choice(FAMILIES)
        size = size or rng.choice((1, 2, 3, 3, 4, 5))
        roles = ["世帯主", "妻", *["子"] * (size - 2)][:size]
        rows = [self.person(index, role, family) for role in roles]
        if index == 0:
            rows[0].update(
                legacy_code="G0001;G0002",
                legacy_identified_as="葛\U000e0100;城",
                legacy_identified_by="鈴木;鈴木",
                former_family_name="旧姓",
                former_family_name_kana="きゅうせい",
            )
        if index % 11 == 4 and size > 2:  # a child moved out: a 除票 in the household
            rows[-1].update(status="removed", removed_on="2020-03-31", removal_reason="転出")
        if index % 13 == 6:  # foreign residents
            for row in rows:
                row.update(
                    nationality="ベトナム",
                    status_of_residence="永住者",
                    period_expires="",
                    residence_card_number="AB12345678CD",
                    latin_name="NGUYEN VAN A",
                    alias_family_name="中村" if row["relationship"] == "世帯主" else "",
                    honseki="",
                    family_register_head="",
                )
        if index % 17 == 8:  # the whole household moved out
            for row in rows:
                row.update(status="removed", removed_on="2023-03-31", removal_reason="move_out")
        return rows

    def single(self, **changes: str) -> list[dict[str, str]]:
        rows = self.household(90000 + len(self.bad), size=1)
        rows[0].update(changes)
        return rows

    def insert_bad(self, position: int, reason: str, rows: list[dict[str, str]]) -> None:
        self.bad[reason] = rows
        self.groups.insert(position, rows)

    # -- the file -------------------------------------------------------------------

    @property
    def rows(self) -> list[dict[str, str]]:
        return [row for group in self.groups for row in group]

    def line_of(self, row: dict[str, str]) -> int:
        return next(i for i, r in enumerate(self.rows, start=2) if r is row)

    def write(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(self.rows)
        return path

    def expected_issues(self) -> dict[int, set[str]]:
        bad = self.bad
        line = self.line_of
        member = bad["member"]
        return {
            line(bad["date"][0]): {"BLK-013"},
            line(bad["kana"][0]): {"BLK-014"},
            line(bad["number"][0]): {"BLK-015"},
            line(bad["sex"][0]): {"BLK-012"},
            line(bad["heads"][0]): {"BLK-030"},
            line(bad["heads"][1]): {"BLK-030"},
            line(member[0]): {"BLK-032"},
            line(member[1]): {"BLK-032"},
            line(member[2]): {"BLK-013"},
            line(bad["relationship"][0]): {"BLK-032"},
            line(bad["relationship"][1]): {"BLK-024"},
        }


def _hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        found = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in REGISTRY_TABLES
        }
        found["audit_log"] = conn.execute(
            sa.select(sa.func.count()).select_from(audit_log)
        ).scalar_one()
    return found


@pytest.fixture
def source() -> Source:
    return Source()


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


def test_good_rows_are_imported_and_bad_rows_are_reported_with_line_column_and_code(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    path = source.write(tmp_path / "jumin.csv")
    report = bulk.import_csv(engine, LG, path, CIPHER, batch_size=50)

    total = len(source.rows)
    assert 250 <= total <= 400
    expected = source.expected_issues()
    found: dict[int, set[str]] = {}
    for issue in report.issues:
        found.setdefault(issue.line, set()).add(issue.code)
    assert found == expected
    assert report.rows_read == total
    assert report.rejected == len(expected)
    assert report.imported == total - len(expected)
    assert report.unchanged == 0
    assert report.reconciles
    assert report.columns_read == len(HEADER)
    assert report.archived_columns == ARCHIVED
    assert sorted(report.mapped_columns) == sorted(set(HEADER) - set(ARCHIVED))

    by_line = {i.line: i for i in report.issues}
    bad = source.bad
    assert by_line[source.line_of(bad["date"][0])].column == "date_of_birth"
    assert by_line[source.line_of(bad["date"][0])].cause == "ERA-003"
    assert by_line[source.line_of(bad["kana"][0])].column == "family_name_kana"
    assert by_line[source.line_of(bad["number"][0])].cause == "ID-004"
    assert by_line[source.line_of(bad["sex"][0])].column == "sex"
    assert all(i.message_ja and i.message_en.isascii() for i in report.issues)
    assert all("123456789012" not in i.message_ja + i.message_en for i in report.issues)

    stored = counts(engine)
    assert stored["resident"] == stored["registry_event"] == report.imported
    assert stored["import_archive"] == report.imported
    good_households = {r["household_source_id"] for g in source.groups for r in g} - {
        g[0]["household_source_id"] for g in source.bad.values()
    }
    assert stored["household"] == report.households_imported == len(good_households)
    assert stored["notification"] == report.batches_committed == len(report.notification_ids)
    assert stored["audit_log"] == report.batches_committed  # one entry per batch, not per person
    assert report.batches_committed >= 5


def test_imported_records_keep_names_numbers_and_households_as_the_file_says(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    bulk.import_csv(engine, LG, source.write(tmp_path / "jumin.csv"), CIPHER)
    head = source.groups[0][0]
    person_id = bulk.person_id_for(LG, head["source_id"])
    with engine.connect() as conn:
        row = conn.execute(sa.select(resident).where(resident.c.person_id == person_id)).one()
        events = conn.execute(
            sa.select(registry_event).where(registry_event.c.person_id == person_id)
        ).all()
        heads = conn.execute(
            sa.select(resident.c.household_id, sa.func.count())
            .where(resident.c.status == "active", resident.c.relationship == "世帯主")
            .group_by(resident.c.household_id)
        ).all()
        active_households = conn.execute(
            sa.select(sa.func.count()).select_from(household).where(household.c.active)
        ).scalar_one()
        audit_rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.detail)).all()
    record = ResidentRecord.model_validate(row.record)
    assert record.name.family == IVS_FAMILY
    assert [ord(c) for c in record.name.family] == [0x845B, 0xE0100, 0x57CE]
    assert record.name.family_kana == "カツラギ"
    assert [c.identified_as for c in record.legacy_characters] == ["葛\U000e0100", "城"]
    assert record.former_surname is not None
    assert record.former_surname.family_kana == "キュウセイ"
    assert record.household_id == bulk.household_id_for(LG, head["household_source_id"])
    assert record.address.lg_code == LG
    assert len(events) == 1
    assert (events[0].kind, events[0].reason) == ("recorded", "import")
    assert events[0].effective_date == record.resident_since
    if head["individual_number"]:
        assert row.individual_number_enc and head["individual_number"] not in json.dumps(row.record)
        decrypted = CIPHER.decrypt(row.individual_number_enc, context="individual_number")
        assert decrypted == head["individual_number"]
    assert all(count == 1 for _, count in heads)
    assert len(heads) == active_households
    assert {action for action, _ in audit_rows} == {"registry.import"}
    assert all(not re.search(r"\d{12}", detail) for _, detail in audit_rows)


def test_reimporting_the_same_file_changes_nothing(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    path = source.write(tmp_path / "jumin.csv")
    first = bulk.import_csv(engine, LG, path, CIPHER, batch_size=40)
    before = counts(engine)

    again = bulk.import_csv(engine, LG, path, CIPHER, batch_size=40)

    assert counts(engine) == before
    assert again.imported == 0
    assert again.unchanged == first.imported
    assert again.rejected == first.rejected
    assert again.batches_committed == 0
    assert again.reconciles


def test_a_changed_row_for_an_imported_person_is_rejected_and_never_overwrites(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    bulk.import_csv(engine, LG, source.write(tmp_path / "jumin.csv"), CIPHER)
    before = counts(engine)
    changed = source.groups[1][0]
    changed["given_name"] = "別人"
    newcomer = source.person(2, "子", ("山田", "ヤマダ"))
    source.groups[2].append(newcomer)

    report = bulk.import_csv(engine, LG, source.write(tmp_path / "changed.csv"), CIPHER)

    assert counts(engine) == before
    codes = {(i.line, i.code) for i in report.issues}
    assert (source.line_of(changed), "BLK-033") in codes
    assert (source.line_of(newcomer), "BLK-034") in codes
    assert report.imported == 0
    assert report.reconciles
    person_id = bulk.person_id_for(LG, changed["source_id"])
    with engine.connect() as conn:
        record = conn.execute(
            sa.select(resident.c.record).where(resident.c.person_id == person_id)
        ).scalar_one()
    assert record["name"]["given"] != "別人"


def test_a_file_whose_households_are_not_contiguous_is_refused_before_anything_is_written(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    source.groups.append([source.groups[3][0]])  # one member of household 3 again at the end
    before = counts(engine)
    with pytest.raises(JichiError) as caught:
        bulk.import_csv(engine, LG, source.write(tmp_path / "jumin.csv"), CIPHER)
    assert caught.value.code == "BLK-005"
    assert counts(engine) == before


def test_a_file_without_a_required_column_is_refused_and_names_the_column(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "short.csv"
    path.write_text("source_id,household_source_id,family_name\nP1,H1,山田\n", encoding="utf-8")
    with pytest.raises(JichiError) as caught:
        bulk.import_csv(engine, LG, path, CIPHER)
    assert caught.value.code == "BLK-002"
    assert "date_of_birth" in caught.value.message_en
    assert counts(engine)["resident"] == 0


def test_duplicate_numbers_across_batches_are_rejected_with_the_line_of_the_first(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    first = source.groups[0][0]
    late = source.groups[-1][0]
    late["individual_number"] = first["individual_number"] = with_check_digit(
        "mynumber", "99999999999"
    )
    late["resident_code"] = first["resident_code"] = "99999999999"
    source.groups[-1] = [late]
    report = bulk.import_csv(engine, LG, source.write(tmp_path / "dup.csv"), CIPHER, batch_size=30)
    codes = {i.code for i in report.issues if i.line == source.line_of(late)}
    assert codes == {"BLK-035", "BLK-036"}
    assert report.reconciles


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def test_export_then_import_into_a_new_registry_then_export_gives_identical_bytes(
    engine: Engine, second_engine: Engine, source: Source, tmp_path: Path
) -> None:
    bulk.import_csv(engine, LG, source.write(tmp_path / "jumin.csv"), CIPHER, batch_size=64)
    first = tmp_path / "first.csv"
    exported = bulk.export_csv(engine, LG, first, CIPHER)

    moved = bulk.import_csv(second_engine, LG, first, CIPHER, batch_size=64)
    second = tmp_path / "second.csv"
    bulk.export_csv(second_engine, LG, second, CIPHER)

    assert moved.rejected == 0 and moved.imported == exported.persons
    assert first.read_bytes() == second.read_bytes()
    with second_engine.connect() as conn:
        assert {a for (a,) in conn.execute(sa.select(audit_log.c.action))} == {
            "registry.import",
            "registry.export",
        }


def test_export_keeps_names_with_variation_selectors_and_archived_columns(
    engine: Engine, second_engine: Engine, source: Source, tmp_path: Path
) -> None:
    report = bulk.import_csv(engine, LG, source.write(tmp_path / "jumin.csv"), CIPHER)
    out = tmp_path / "out.csv"
    exported = bulk.export_csv(engine, LG, out, CIPHER)
    bulk.import_csv(second_engine, LG, out, CIPHER)
    again = tmp_path / "again.csv"
    bulk.export_csv(second_engine, LG, again, CIPHER)

    with again.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [*COLUMN_NAMES, *sorted(ARCHIVED)]
        rows = {r["source_id"]: r for r in reader}
    assert len(rows) == exported.persons == report.imported
    rejected_sources = {i.source_id for i in report.issues}
    for original in source.rows:
        if original["source_id"] in rejected_sources:
            continue
        written = rows[original["source_id"]]
        assert written["family_name"] == original["family_name"]
        assert written["given_name"] == original["given_name"]
        assert written["individual_number"] == original["individual_number"]
        for name in ARCHIVED:
            assert written[name] == original[name]
    ivs = rows[source.groups[0][0]["source_id"]]
    assert [ord(c) for c in ivs["family_name"]] == [0x845B, 0xE0100, 0x57CE]
    assert ivs["legacy_identified_as"] == "葛\U000e0100;城"
    assert exported.individual_numbers == sum(
        1 for r in source.rows if r["individual_number"] and r["source_id"] not in rejected_sources
    )


def test_export_is_audited_for_the_file_and_on_every_person_exported(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    """Each resident's own page (entries_for_person) must show that their data left."""
    bulk.import_csv(engine, LG, source.write(tmp_path / "jumin.csv"), CIPHER)
    before = counts(engine)["audit_log"]
    report = bulk.export_csv(engine, LG, tmp_path / "out.csv", CIPHER, actor="clerk-suzuki")
    with engine.connect() as conn:
        entries = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "registry.export")
        ).all()
        persons = conn.execute(sa.select(resident.c.person_id)).scalars().all()
        seen = {
            pid: [r.entry.action for r in audit.entries_for_person(conn, pid)] for pid in persons
        }
        assert audit.verify(conn, CIPHER.audit_key).ok
    assert counts(engine)["audit_log"] == before + 1 + report.persons
    (summary,) = [e for e in entries if e.subject_person_id is None]
    assert summary.actor == "clerk-suzuki" and json.loads(summary.detail)["persons"] > 0
    assert sorted(e.subject_person_id for e in entries if e.subject_person_id) == sorted(persons)
    assert all(actions.count("registry.export") == 1 for actions in seen.values())
    assert all(not re.search(r"\d{12}", e.detail) for e in entries)


# ---------------------------------------------------------------------------
# Crashes
# ---------------------------------------------------------------------------

CRASH_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from jichi.registry import bulk
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import Keys
    from jichi.store.engine import make_engine

    url, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    engine = make_engine(url)
    if mode == "mid-batch":
        # die inside the 4th batch's transaction, after its rows were inserted
        from jichi.security import audit
        real_append, calls = audit.append, []
        def append(conn, entry, key):
            calls.append(entry)
            if len(calls) == 4:
                os._exit(1)
            return real_append(conn, entry, key)
        audit.append = append
        progress = None
    else:
        def progress(done):
            if done.batch == 3:
                os._exit(1)
    bulk.import_csv(engine, "112011", path, FieldCipher(Keys.derive(b"k" * 32)),
                    batch_size=20, progress=progress)
    """
)


@pytest.mark.parametrize("mode", ["after-batch", "mid-batch"])
def test_a_crash_mid_import_leaves_only_whole_committed_batches(
    mode: str, source: Source, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    db = make_engine(url)
    migrate.upgrade(db)
    path = source.write(tmp_path / "jumin.csv")

    done = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, url, str(path), mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr

    stored = counts(db)
    with db.connect() as conn:
        batches = conn.execute(
            sa.select(notification.c.notification_id, notification.c.request)
        ).all()
        members = Counter(hid for (hid,) in conn.execute(sa.select(resident.c.household_id)))
        heads = Counter(
            hid
            for (hid,) in conn.execute(
                sa.select(resident.c.household_id).where(
                    resident.c.status == "active", resident.c.relationship == "世帯主"
                )
            )
        )
        active = {
            hid
            for (hid,) in conn.execute(
                sa.select(household.c.household_id).where(household.c.active)
            )
        }
        event_batches = {
            nid for (nid,) in conn.execute(sa.select(registry_event.c.notification_id).distinct())
        }
    assert len(batches) == 3
    assert stored["audit_log"] == 3
    persons = sum(request["persons"] for _, request in batches)
    assert stored["resident"] == stored["registry_event"] == stored["import_archive"] == persons
    assert event_batches == {nid for nid, _ in batches}
    in_file = Counter(bulk.household_id_for(LG, r["household_source_id"]) for r in source.rows)
    assert stored["household"] == len(members)
    for hid, count in members.items():
        assert count == in_file[hid]  # every present household is complete
    assert set(heads) == active and all(n == 1 for n in heads.values())

    # Running the file again imports exactly what is missing.
    report = bulk.import_csv(db, LG, path, CIPHER, batch_size=20)
    assert report.unchanged == persons
    assert report.imported + persons + report.rejected == len(source.rows)
    assert counts(db)["resident"] == len(source.rows) - report.rejected
    db.dispose()


# ---------------------------------------------------------------------------
# CLI and docs
# ---------------------------------------------------------------------------


def test_the_cli_prints_the_reconciliation_and_exits_1_when_rows_were_rejected(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = make_engine(url)
    migrate.upgrade(db)
    with write_transaction(db) as conn:  # a supervisor's token: import/export need one
        create_staff(conn, "kakaricho", LG, "supervisor", "係長")
        token = issue_token(conn, "kakaricho")
    db.dispose()
    monkeypatch.setenv("JICHI_STAFF_TOKEN", token)
    app = typer.Typer()
    app.command("import")(bulk_cli.import_csv)
    app.command("export")(bulk_cli.export_csv)
    runner = CliRunner()
    path = source.write(tmp_path / "jumin.csv")
    report = tmp_path / "rejected.csv"

    result = runner.invoke(
        app, ["import", str(path), "--municipality", LG, "--url", url, "--report", str(report)]
    )
    assert result.exit_code == 1, result.output
    assert "読んだ行" in result.output and "OK" in result.output
    assert "BLK-030" in result.output
    with report.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(source.expected_issues())

    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", str(out), "--municipality", LG, "--url", url])
    assert result.exit_code == 0, result.output
    assert out.exists() and "特定個人情報" in result.output

    result = runner.invoke(app, ["import", str(out), "--municipality", LG, "--url", url])
    assert result.exit_code == 0, result.output


def test_the_guide_documents_every_column_of_the_layout() -> None:
    page = (ROOT / "docs" / "guide" / "import-export.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+)` \|", page, flags=re.MULTILINE)
    assert documented == list(COLUMN_NAMES)
    for code in (k for k in bulk.__dict__.values() if isinstance(k, ErrorKind)):
        assert code.code in page


def test_a_growing_import_refreshes_the_planner_statistics_on_postgresql(
    engine: Engine, source: Source, tmp_path: Path
) -> None:
    """Without it a large import's look-ups run on plans made for an empty table."""
    path = source.write(tmp_path / "jumin.csv")

    report = bulk.import_csv(engine, LG, path, CIPHER, batch_size=5, analyze_first=4)

    if engine.dialect.name != "postgresql":
        assert report.statistics_refreshed == 0
        return
    assert report.statistics_refreshed >= 2  # it doubles: after ~4 rows, ~8, ~16 …
    with engine.connect() as conn:
        analyzed = conn.execute(
            sa.text(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE relname IN ('resident', 'household', 'registry_event', 'import_archive') "
                "AND last_analyze IS NOT NULL"
            )
        ).scalars()
        assert set(analyzed) == {"resident", "household", "registry_event", "import_archive"}


def test_rows_validated_in_worker_processes_import_as_in_one(
    engine: Engine,
    second_engine: Engine,
    source: Source,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jichi.registry.bulk import importer, parallel

    path = source.write(tmp_path / "jumin.csv")
    alone = bulk.import_csv(second_engine, LG, path, CIPHER, batch_size=50, workers=1)
    monkeypatch.setattr(importer, "PARALLEL_FROM", 0)  # a small file, in processes anyway
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 7)  # many chunks, several in flight
    shared = bulk.import_csv(engine, LG, path, CIPHER, batch_size=50, workers=2)

    def issues(report: bulk.ImportReport) -> list[tuple[int, str | None, str]]:
        return [(i.line, i.column, i.code) for i in report.issues]

    assert shared.rejected > 0 and issues(shared) == issues(alone)
    assert (shared.imported, shared.rows_read, shared.households_imported) == (
        alone.imported,
        alone.rows_read,
        alone.households_imported,
    )

    def stored(e: Engine) -> list[tuple[str, str, str | None]]:
        with e.connect() as conn:
            rows = conn.execute(
                sa.select(resident.c.person_id, resident.c.household_id, resident.c.resident_code)
            )
            return sorted(tuple(row) for row in rows)

    assert stored(engine) == stored(second_engine) and len(stored(engine)) == shared.imported
    again = bulk.import_csv(engine, LG, path, CIPHER, batch_size=50, workers=2)
    assert again.imported == 0 and again.unchanged == shared.imported  # re-runs unchanged
