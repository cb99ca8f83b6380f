"""The audit log, for people: who (the staff member's name), what (in Japanese), whose (氏名).

The log stores ids — a staff id, an action such as ``certificate.issue``, a purpose such
as ``certificate:record_copy_household``, a person's UUID — because ids are stable and
hashable.  Screens show them as a person reads them: the staff member's display name with
the role, the action and purpose in Japanese, and the resident's 氏名 for a viewer whose
role may read residents (the names are read through :meth:`Registry.names`, so showing
them is itself audited); others see that a resident is concerned, not who.  The raw ids
stay available as a secondary line and in ``jichi audit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.registry.certificates.model import CertificateKind
from jichi.registry.resident_access import RESIDENT_ACTOR
from jichi.security.actor import Actor
from jichi.security.audit import AuditRecord
from jichi.security.policy import STAFF_ROLES
from jichi.security.staff import staff

CERTIFICATE_PURPOSE = "certificate:"
SYSTEM_ACTORS = {"system": "システム（自動処理）"}

ACTION_JA = {
    "resident.read": "住民票の照会",
    "resident.history": "異動履歴の照会",
    "resident.search": "検索",
    "household.read": "世帯の照会",
    "resident_access.issue": "本人確認コードの発行",
    "resident_access.sign_in": "本人によるサインイン",
    "resident_access.view": "本人による閲覧",
    "mynumber.exchange_history.read": "本人によるやりとり履歴の閲覧（マイナポータル）",
    "notification.move_in": "転入の記録",
    "notification.move_out": "転出の記録",
    "notification.relocation": "転居の記録",
    "notification.birth": "出生の記録",
    "notification.death": "死亡の記録",
    "notification.household_split": "世帯分離の記録",
    "notification.head_change": "世帯主変更の記録",
    "notification.correction": "職権修正",
    "notification.ex_officio_removal": "職権消除",
    "notification.restoration": "回復",
    "notification.confirm_move_out": "転出確定",
    "notification.cancel_move_out": "転出取消",
    "notification.household_merge": "世帯合併の記録",
    "notification.household_composition": "世帯構成変更の記録",
    "notification.family_register_change": "戸籍の届出による記載の変更",
    "notification.foreign_resident_change": "外国人住民の記載事項の変更",
    "notification.former_surname": "旧氏の記載・削除",
    "notification.alias": "通称の記載・削除",
    "notification.attach_individual_number": "個人番号の記載",
    "notification.ex_officio_record": "職権記載",
    "certificate.issue": "証明書の発行",
    "certificate.replay": "証明書の再作成（同じ請求）",
    "restriction.read": "支援措置等の制限の確認",
    "registry.export": "住民データの一括出力（CSV）",
    "registry.import": "既存システムからの移行（取込み）",
    "registry.roll_forward": "転出予定日の到来による消除",
    "resident.name": "氏名の表示",
    "resident.individual_number_enc": "個人番号の照会",
    "restriction.granted": "支援措置等の制限の確認（交付可）",
    "restriction.refused": "支援措置等による交付の拒否",
    "issuance_notification.register": "本人通知制度の登録",
    "issuance_notification.end": "本人通知制度の登録の終了",
    "issuance_notice.sent": "本人通知の送付",
    "notification.recorded_as_distinct": "別人としての記録",
    "card.continued_use": "マイナンバーカードの継続利用",
    "mynumber.card.applied": "マイナンバーカードの交付申請",
    "mynumber.card.issued": "マイナンバーカードの発行",
    "mynumber.card.delivered": "マイナンバーカードの交付",
    "mynumber.card.suspended": "マイナンバーカードの一時停止",
    "mynumber.card.resumed": "マイナンバーカードの一時停止の解除",
    "mynumber.card.ended": "マイナンバーカードの廃止",
    "mynumber.card.pin": "暗証番号の初期化",
    "mynumber.card.validity_changed": "マイナンバーカードの有効期間の変更",
    "mynumber.card.move": "転入に伴うカードの継続利用",
    "mynumber.card.abroad_continued": "国外転出者のカードの継続利用",
    "mynumber.number.issued": "個人番号の指定",
    "mynumber.number.changed": "個人番号の変更",
    "network.move_out_data.provide": "転出証明書情報の提供（住基ネット）",
    "network.move_out_data.request": "転出証明書情報の請求（住基ネット）",
    "network.move_out_confirmed.receive": "転入通知の受信（住基ネット）",
    "network.remote_copy.request": "広域交付の請求（住基ネット）",
    "network.remote_copy.provide": "広域交付の情報提供（住基ネット）",
    "network.remote_copy.answer": "広域交付の回答の受信（住基ネット）",
    "network.remote_copy.refuse": "広域交付の拒否（住基ネット）",
    "voter_roll.inspect": "選挙人名簿の閲覧",
    "voter_roll.extract": "選挙人名簿の抄本",
    "voter_roll.diff": "選挙人名簿の差分",
    "voter_roll.counts": "選挙人名簿の集計",
    "notification.recording_correction": "記録の訂正",
    "notification.previewed": "届出の確認画面の表示",
    "notification.read": "記録の結果の表示",
    "registry.municipal_merger": "合併による行政区画変更（職権）",
    "portal.visit.read": "来庁予定の確認（転入予定地の窓口）",
}


def action_ja(action: str) -> str:
    """An action in Japanese; an unknown one is kept as written (never dropped)."""
    if action in ACTION_JA:
        return ACTION_JA[action]
    if action.startswith("notification."):
        return f"届出の記録（{action.removeprefix('notification.')}）"
    return action


def purpose_ja(purpose: str | None) -> str | None:
    """A purpose in Japanese (``certificate:record_copy_household``: 住民票の写しの交付)."""
    if purpose and purpose.startswith(CERTIFICATE_PURPOSE):
        kind = purpose.removeprefix(CERTIFICATE_PURPOSE)
        try:
            return f"{CertificateKind(kind).label_ja}の交付"
        except ValueError:
            return purpose
    return purpose


def staff_names(conn: Connection, lg_code: str, staff_ids: Iterable[str]) -> dict[str, str]:
    """Display names of this municipality's staff among ``staff_ids`` (one query)."""
    wanted = sorted(set(staff_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(staff.c.staff_id, staff.c.display_name).where(
            staff.c.lg_code == lg_code, staff.c.staff_id.in_(wanted)
        )
    ).all()
    return {r.staff_id: r.display_name for r in rows}


def may_see_names(viewer: Actor) -> bool:
    """Whether the viewer's role may read residents (an auditor sees the log, not who)."""
    return viewer.role in STAFF_ROLES


def who(actor: str, names: dict[str, str]) -> str:
    """The primary text for the acting party: a name, the system, or the id as written."""
    return names.get(actor) or SYSTEM_ACTORS.get(actor) or actor


def resident_access_rows(
    conn: Connection, lg_code: str, entries: Sequence[AuditRecord]
) -> list[dict[str, Any]]:
    """The rows of a resident's own access log (the resident page and the portal alike):
    who by name, what and why in Japanese, the resident's own reads as ご本人."""
    names = staff_names(conn, lg_code, (r.entry.actor for r in entries))
    return [
        {
            "at": r.entry.at,
            "actor": "ご本人" if r.entry.actor == RESIDENT_ACTOR else who(r.entry.actor, names),
            "role": r.entry.actor_role,
            "action": action_ja(r.entry.action),
            "purpose": purpose_ja(r.entry.purpose),
            "self": r.entry.actor == RESIDENT_ACTOR,
        }
        for r in entries
    ]


def whose(person_id: str | None, names: dict[str, str], *, allowed: bool) -> dict[str, Any]:
    """The concerned resident: 氏名 when allowed and known, else a neutral label."""
    if not person_id:
        return {"person_id": None, "label": "—"}
    if allowed and person_id in names:
        return {"person_id": person_id, "label": names[person_id]}
    label = "住民（氏名は表示されません）" if not allowed else "住民（記録なし）"
    return {"person_id": person_id, "label": label}
