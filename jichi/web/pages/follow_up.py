"""The work that follows a recording, for the result page: certificates, notices, cards.

Read from what the registry recorded — the events' 異動事由 and kinds, and the notices
it queued in the outbox in the same transaction — never guessed from the form.  The My
Number card tasks are reminders for the clerk (the card's own pages do the work and the
card store decides); which tasks apply to which 異動 is listed here in one table so an
operator can read it (docs/guide/counter.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.review import Recording

# outbox topic (its last part after the municipality) → what the notice is, in Japanese
NOTICES = {
    "center.identity": "本人確認情報の通知（住基ネット 全国センターへ）",
    "honseki.attachment": "戸籍の附票記載事項通知（本籍地の市区町村へ）",
    "election.roll": "選挙人名簿のための通知（選挙管理委員会へ）",
    "move_in_notice": "転入通知（転出元の市区町村へ）",
}

# 異動事由 → a reminder about the person's マイナンバーカード (if they hold one)
HOLDERS = "カードをお持ちの方: "
CARD_TASKS = {
    NotificationKind.MOVE_IN: HOLDERS + "転入届とあわせて継続利用の手続（券面の住所の書き換え）",
    NotificationKind.RELOCATION: HOLDERS + "券面の住所の書き換え",
    NotificationKind.FAMILY_REGISTER_CHANGE: HOLDERS + "券面の氏名・本籍等の書き換え",
    NotificationKind.MOVE_OUT_ABROAD: HOLDERS + "国外継続利用は出国前に手続（記録後は失効）",
    NotificationKind.DEATH: "カードは死亡日で失効しました（返納の案内）",
    NotificationKind.BIRTH: "個人番号の指定と個人番号通知書の送付（カードの交付申請の案内）",
    NotificationKind.FOREIGN_RESIDENT_CHANGE: HOLDERS
    + "在留期間の変更に伴うカードの有効期間の変更",
}


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    note: str = ""


@dataclass(frozen=True)
class FollowUp:
    certificates: list[Link]
    notices: list[str]
    cards: list[Link]
    issuance: list[Link]


def notice_text(topic: str) -> str:
    if topic in NOTICES:
        return NOTICES[topic]
    last = topic.rsplit(".", 1)[-1]
    if topic.startswith("municipality.") and last in NOTICES:
        code = topic.split(".")[1]
        return f"{NOTICES[last]}（団体コード {code}）"
    return topic


def follow_up(found: Recording, reception_id: str = "") -> FollowUp:
    """Certificates to issue, notices queued, card tasks and 本人通知 for one recording.

    With ``reception_id`` (the 受付 of the visit) the certificate links carry it, so a
    copy asked for at the same visit is charged to that 窓口番号.
    """
    visit = f"&reception_id={reception_id}" if reception_id else ""
    certificates: list[Link] = []
    cards: list[Link] = []
    issuance: list[Link] = []
    reasons = {ev.person_id: ev.reason for ev in found.events}
    new = {ev.person_id for ev in found.events if ev.kind is EventKind.RECORDED}
    for pid, record in sorted(found.records.items(), key=lambda kv: kv[1].relationship != "世帯主"):
        name = record.name.text()
        certificates.append(
            Link(
                f"{name}さんの住民票の写し" if record.is_active else f"{name}さんの除票の写し",
                f"/counter/certificates?person_id={pid}{visit}",
            )
        )
        task = CARD_TASKS.get(reasons[pid])
        if task:
            cards.append(Link(f"{name}さん: {task}", f"/counter/mynumber/residents/{pid}"))
        if pid in new and record.is_active:
            issuance.append(
                Link(
                    f"{name}さん: 本人通知制度の事前登録（希望される場合）",
                    f"/counter/residents/{pid}/issuance_notification",
                )
            )
    return FollowUp(
        certificates=certificates,
        notices=[notice_text(t) for t in found.topics],
        cards=cards,
        issuance=issuance,
    )
