"""Events: the immutable facts a notification leaves behind.

A notification (届出) or an ex-officio act (職権) becomes one event per person it
touches.  Each event carries the items that changed, its 異動日 (``effective_date``),
its 届出日 (``notified_date``) and when the municipality wrote it (``recorded_at``),
so "what was the address on 2019-04-01" and "what did we know on 2024-06-03" are
both a replay of the same log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    """異動事由: why a record changed (届出 or 職権)."""

    MOVE_IN = "move_in"  # 転入 (法22条)
    MOVE_IN_FROM_ABROAD = "move_in_from_abroad"  # 国外からの転入
    MOVE_OUT = "move_out"  # 転出 (法24条)
    MOVE_OUT_ABROAD = "move_out_abroad"  # 国外転出
    MOVE_OUT_CONFIRMED = "move_out_confirmed"  # 転出確定 (令13条)
    MOVE_OUT_CANCELLED = "move_out_cancelled"  # 転出取消
    RELOCATION = "relocation"  # 転居 (法23条)
    BIRTH = "birth"  # 出生 (職権, 令12条2項1号)
    DEATH = "death"  # 死亡 (職権, 令12条2項1号)
    HOUSEHOLD_SPLIT = "household_split"  # 世帯分離 (法25条)
    HOUSEHOLD_MERGE = "household_merge"  # 世帯合併 (法25条)
    HEAD_CHANGE = "head_change"  # 世帯主変更 (法25条)
    HOUSEHOLD_COMPOSITION = "household_composition"  # 世帯構成変更 (法25条)
    FAMILY_REGISTER_CHANGE = "family_register_change"  # 婚姻・離婚・養子縁組 等 (職権)
    FOREIGN_RESIDENT_CHANGE = "foreign_resident_change"  # 在留資格等の変更 (法30条の50)
    FORMER_SURNAME = "former_surname"  # 旧氏の記載・削除
    ALIAS = "alias"  # 通称の記載・削除
    EX_OFFICIO_RECORD = "ex_officio_record"  # 職権記載
    EX_OFFICIO_CORRECTION = "ex_officio_correction"  # 職権修正
    EX_OFFICIO_REMOVAL = "ex_officio_removal"  # 職権消除
    RECORDING_CORRECTION = "recording_correction"  # 記録の訂正 (a mistaken recording undone)
    RESTORATION = "restoration"  # 回復
    IMPORT = "import"  # 移行 (data migration from another system)
    INDIVIDUAL_NUMBER = "individual_number"  # 個人番号の記載

    @property
    def label_ja(self) -> str:
        return LABELS_JA[self]


LABELS_JA: dict[NotificationKind, str] = {
    NotificationKind.MOVE_IN: "転入",
    NotificationKind.MOVE_IN_FROM_ABROAD: "国外転入",
    NotificationKind.MOVE_OUT: "転出",
    NotificationKind.MOVE_OUT_ABROAD: "国外転出",
    NotificationKind.MOVE_OUT_CONFIRMED: "転出確定",
    NotificationKind.MOVE_OUT_CANCELLED: "転出取消",
    NotificationKind.RELOCATION: "転居",
    NotificationKind.BIRTH: "出生",
    NotificationKind.DEATH: "死亡",
    NotificationKind.HOUSEHOLD_SPLIT: "世帯分離",
    NotificationKind.HOUSEHOLD_MERGE: "世帯合併",
    NotificationKind.HEAD_CHANGE: "世帯主変更",
    NotificationKind.HOUSEHOLD_COMPOSITION: "世帯構成変更",
    NotificationKind.FAMILY_REGISTER_CHANGE: "戸籍届出による記載事項変更",
    NotificationKind.FOREIGN_RESIDENT_CHANGE: "外国人住民の記載事項変更",
    NotificationKind.FORMER_SURNAME: "旧氏",
    NotificationKind.ALIAS: "通称",
    NotificationKind.EX_OFFICIO_RECORD: "職権記載",
    NotificationKind.EX_OFFICIO_CORRECTION: "職権修正",
    NotificationKind.EX_OFFICIO_REMOVAL: "職権消除",
    NotificationKind.RECORDING_CORRECTION: "記録の訂正",
    NotificationKind.RESTORATION: "回復",
    NotificationKind.IMPORT: "移行",
    NotificationKind.INDIVIDUAL_NUMBER: "個人番号の記載",
}


class EventKind(StrEnum):
    """What an event does to one record."""

    RECORDED = "recorded"  # a new record: ``changes`` is the whole record
    CHANGED = "changed"  # some items changed: ``changes`` holds them
    REMOVED = "removed"  # the record became a 除票
    RESTORED = "restored"  # a 除票 became current again


@dataclass(frozen=True)
class Event:
    event_id: str
    notification_id: str
    person_id: str
    lg_code: str
    kind: EventKind
    reason: NotificationKind
    effective_date: date
    notified_date: date
    recorded_at: datetime
    recorded_by: str
    changes: dict[str, Any] = field(default_factory=dict)
    corrects: str | None = None  # the event a correction points at
    late: bool = False  # filed after the legal period (flag for the court report)
    seq: int = 0  # database order; 0 until stored
