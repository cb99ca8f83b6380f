"""Items of a record: 戸籍 changes, corrections, 外国人住民, 旧氏, 通称, 個人番号."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from jichi.kernel.errors import Collector, JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.kernel.text import name_search_key, validate_name_kana
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.checks import checked_name, foreign_items
from jichi.registry.decide.rules import (
    _Builder,
    active,
    no_future,
    notified,
    written,
)
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.identity_gate import ITEMS_JA, BasicFour, mismatches
from jichi.registry.model import ResidentRecord
from jichi.registry.state import Context, Decision, Snapshot


def family_register_change(
    cmd: c.FamilyRegisterChange, snapshot: Snapshot, ctx: Context
) -> Decision:
    """婚姻・離婚・養子縁組・転籍 …: items rewritten ex officio (令12条2項1号)."""
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    record = active(snapshot, cmd.person_id)
    errors = Collector()
    if record.foreign is not None:
        foreign_items(cmd.honseki, cmd.family_register_head, None, errors)
    name = checked_name(cmd.name, "name", errors) if cmd.name is not None else None
    errors.raise_if_any()
    b = _Builder(
        ctx, snapshot, NotificationKind.FAMILY_REGISTER_CHANGE, cmd.effective_date, notified_on
    )
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name.model_dump(mode="json")
    for item in ("honseki", "family_register_head", "relationship"):
        value = getattr(cmd, item)
        if value is not None:
            changes[item] = written(value, item) if item == "relationship" else value
    b.event(record.person_id, EventKind.CHANGED, changes)
    stored = b.snapshot.records[record.person_id]
    if cmd.name is not None:
        b.identity_update(stored)
    b.attachment_update(stored)
    return b.finish({record.household_id})


def correction(cmd: c.Correction, snapshot: Snapshot, ctx: Context) -> Decision:
    """職権修正: a new event that points at the one it corrects, at that one's 異動日."""
    notified_on = notified(cmd, ctx)
    record = snapshot.records.get(cmd.person_id)
    if record is None:
        raise JichiError(e.PERSON_NOT_FOUND, field="person_id", person_id=cmd.person_id)
    effective = snapshot_event_date(snapshot, cmd.person_id, cmd.corrects_event_id)
    errors = Collector()
    if record.foreign is not None:
        foreign_items(cmd.honseki, cmd.family_register_head, None, errors)
    name = checked_name(cmd.name, "name", errors) if cmd.name is not None else None
    errors.raise_if_any()
    b = _Builder(ctx, snapshot, NotificationKind.EX_OFFICIO_CORRECTION, effective, notified_on)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name.model_dump(mode="json")
    if cmd.date_of_birth is not None:
        changes["date_of_birth"] = cmd.date_of_birth.isoformat()
    if cmd.sex is not None:
        changes["sex"] = cmd.sex.value
    for item in ("honseki", "family_register_head"):
        value = getattr(cmd, item)
        if value is not None:
            changes[item] = value
    b.event(record.person_id, EventKind.CHANGED, changes, corrects=cmd.corrects_event_id)
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def snapshot_event_date(snapshot: Snapshot, person_id: str, event_id: str) -> date:
    found = next(
        (
            ev.effective_date
            for ev in snapshot.history.get(person_id, [])
            if ev.event_id == event_id
        ),
        None,
    )
    if found is None:
        raise JichiError(e.UNKNOWN_EVENT, field="corrects_event_id", event_id=event_id)
    return found


def attach_individual_number(
    cmd: c.AttachIndividualNumber, snapshot: Snapshot, ctx: Context
) -> Decision:
    notified_on = notified(cmd, ctx)
    record = active(snapshot, cmd.person_id)
    validate(IdKind.INDIVIDUAL_NUMBER, cmd.individual_number, field="individual_number")
    if cmd.sex is None and not cmd.without_sex:
        raise JichiError(e.IDENTITY_MISMATCH, field="sex", items="性別", items_en="sex")
    claimed = BasicFour(cmd.name, cmd.date_of_birth, cmd.sex, cmd.address)
    wrong = mismatches(record, claimed)
    if wrong:
        raise JichiError(
            e.IDENTITY_MISMATCH,
            field=wrong[0],
            items="・".join(ITEMS_JA[item] for item in wrong),
            items_en=", ".join(wrong),
        )
    if record.has_individual_number:
        raise JichiError(e.NUMBER_ALREADY_ATTACHED, field="person_id")
    b = _Builder(ctx, snapshot, NotificationKind.INDIVIDUAL_NUMBER, notified_on, notified_on)
    b.event(record.person_id, EventKind.CHANGED, {"has_individual_number": True})
    b.decision.individual_numbers[record.person_id] = cmd.individual_number
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def foreign_resident_change(
    cmd: c.ForeignResidentChange, snapshot: Snapshot, ctx: Context
) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    record = active(snapshot, cmd.person_id)
    foreign_only(record, "在留資格等", "status of residence items")
    b = _Builder(
        ctx, snapshot, NotificationKind.FOREIGN_RESIDENT_CHANGE, cmd.effective_date, notified_on
    )
    b.event(record.person_id, EventKind.CHANGED, {"foreign": cmd.foreign.model_dump(mode="json")})
    return b.decision


def foreign_only(record: ResidentRecord, what: str, what_en: str) -> None:
    if record.foreign is None:
        raise JichiError(
            e.NOT_FOREIGN,
            field="person_id",
            name=record.name.text(),
            person_id=record.person_id,
            what=what,
            what_en=what_en,
        )


def former_surname(cmd: c.FormerSurname, snapshot: Snapshot, ctx: Context) -> Decision:
    """旧氏: one per person, not the current 氏, always with its 振り仮名 (facts §6.2)."""
    notified_on = notified(cmd, ctx)
    record = active(snapshot, cmd.person_id)
    if record.foreign is not None:
        raise JichiError(e.NOT_JAPANESE, field="person_id")
    history = snapshot.history.get(record.person_id, [])
    b = _Builder(ctx, snapshot, NotificationKind.FORMER_SURNAME, notified_on, notified_on)
    if cmd.action == "delete":
        if record.former_surname is None:
            raise refuse_former("旧氏は記載されていません", "no former surname is recorded")
        b.event(record.person_id, EventKind.CHANGED, {"former_surname": None})
        b.identity_update(b.snapshot.records[record.person_id])
        return b.decision
    if not cmd.family or not cmd.family_kana:
        raise refuse_former(
            "旧氏とその振り仮名を両方入力してください", "surname and reading needed"
        )
    kana = validate_name_kana(cmd.family_kana, field="family_kana")
    if name_search_key(cmd.family) == name_search_key(record.name.family):
        raise refuse_former("現在の氏と同じです", "it equals the current surname")
    surnames = surnames_held(history)
    if record.former_surname is not None:
        # Switching is allowed only to the surname held just before the latest change.
        before_latest = surnames[-2] if len(surnames) >= 2 else None
        if before_latest is None or name_search_key(before_latest) != name_search_key(cmd.family):
            raise refuse_former(
                "旧氏は一つだけです。変更できるのは直前の氏だけです",
                "only one former surname; it may be switched only to the one held just before",
            )
    elif deleted_before(history):
        after = surnames_after_deletion(history)
        if not any(name_search_key(s) == name_search_key(cmd.family) for s in after[:-1]):
            raise refuse_former(
                "削除後の記載は、削除の後に生じた旧氏に限ります",
                "after a deletion only a surname arising after it may be recorded",
            )
    value = {"family": cmd.family, "family_kana": kana}
    b.event(record.person_id, EventKind.CHANGED, {"former_surname": value})
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def refuse_former(why: str, why_en: str) -> JichiError:
    return JichiError(e.FORMER_SURNAME_RULE, field="family", why=why, why_en=why_en)


def surnames_held(history: list[Event]) -> list[str]:
    """The person's surnames in the order the registry saw them (no repeats in a row)."""
    names: list[str] = []
    for event in sorted(history, key=lambda ev: (ev.effective_date, ev.recorded_at, ev.seq)):
        name = event.changes.get("name")
        if (
            isinstance(name, dict)
            and name.get("family")
            and (not names or names[-1] != name["family"])
        ):
            names.append(str(name["family"]))
    return names


def deleted_before(history: list[Event]) -> bool:
    return any(
        ev.reason is NotificationKind.FORMER_SURNAME and ev.changes.get("former_surname") is None
        for ev in history
    )


def surnames_after_deletion(history: list[Event]) -> list[str]:
    last = max(
        (
            ev
            for ev in history
            if ev.reason is NotificationKind.FORMER_SURNAME
            and ev.changes.get("former_surname") is None
        ),
        key=lambda ev: (ev.recorded_at, ev.seq),
    )
    later = [ev for ev in history if (ev.recorded_at, ev.seq) > (last.recorded_at, last.seq)]
    return surnames_held(later)


ALIAS_ALLOWED = re.compile(
    r"^[\u3040-\u309F\u30A0-\u30FF\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF々〆ヵヶ\u3000 ]+$"
)


def alias(cmd: c.Alias, snapshot: Snapshot, ctx: Context) -> Decision:
    """通称: foreign residents only, one only, kana/kanji only, proven by use (facts §7.6)."""
    notified_on = notified(cmd, ctx)
    record = active(snapshot, cmd.person_id)
    foreign_only(record, "通称", "an alias")
    b = _Builder(ctx, snapshot, NotificationKind.ALIAS, notified_on, notified_on)
    if cmd.action == "delete":
        if record.alias is None:
            raise refuse_alias("通称は記載されていません", "no alias is recorded")
        b.event(record.person_id, EventKind.CHANGED, {"alias": None})
        b.identity_update(b.snapshot.records[record.person_id])
        return b.decision
    if cmd.alias is None:
        raise refuse_alias("通称を入力してください", "the alias is missing")
    if record.alias is not None:
        raise refuse_alias(
            "通称は一つだけです。変更は削除してから記載します",
            "one alias only: delete the current one first",
        )
    text = cmd.alias.family + cmd.alias.given
    if not ALIAS_ALLOWED.match(text):
        raise refuse_alias(
            "ひらがな・カタカナ・漢字で入力してください（ローマ字・ハングル・記号は使えません）",
            "use hiragana, katakana or kanji only",
        )
    if name_search_key(text) == name_search_key(record.name.family + record.name.given):
        raise refuse_alias("本名と同じ名前は通称にできません", "the alias equals the legal name")
    issuers = {name_search_key(ev.issuer) for ev in cmd.evidence}
    if cmd.exception is None and len(issuers) < 2:
        raise refuse_alias(
            "通称の使用を証する資料が、異なる発行元のもの2点以上必要です",
            "at least two documents from different issuers are needed",
        )
    b.event(record.person_id, EventKind.CHANGED, {"alias": cmd.alias.model_dump(mode="json")})
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def refuse_alias(why: str, why_en: str) -> JichiError:
    return JichiError(e.ALIAS_RULE, field="alias", why=why, why_en=why_en)
