"""本人 means the subject: a request marked 本人 or 同一世帯 is checked against the record.

The gate used to trust the requester type: a clerk who marked a request 本人 with any
name obtained a protected person's copy (issue 9).  Now the requester's basic four —
氏名, 生年月日, 性別, 住所, as the clerk entered or confirmed them from the identity
document — must match the record with the identity gate's folding
(:func:`jichi.registry.identity_gate.mismatches`), and the kind of 本人確認書類 must be
recorded on the request.  本人 matches one of the persons the request names; 同一世帯
matches a current member of their household.  Pure: the caller loads the records.
"""

from __future__ import annotations

from jichi.kernel.address import fold_address
from jichi.kernel.errors import JichiError, define
from jichi.registry.identity_gate import ITEMS_JA, BasicFour, mismatches, same_address
from jichi.registry.model import ResidentRecord
from jichi.registry.restrictions import Requester, RequesterType

# 本人確認書類 the counter accepts (kind → label); the kind is recorded on the request.
ID_DOCUMENTS: dict[str, str] = {
    "my_number_card": "マイナンバーカード",
    "drivers_license": "運転免許証",
    "passport": "旅券",
    "residence_card": "在留カード・特別永住者証明書",
    "photo_id": "その他の写真付き公的身分証明書",
    "two_documents": "健康保険の資格確認書等（2点）",
}
CONFIRMED_TYPES = {RequesterType.SELF, RequesterType.SAME_HOUSEHOLD}

NO_ID_DOCUMENT = define(
    "RES-010",
    "本人・同一世帯の方からの請求では、本人確認書類の種類を記録してください。",
    "a request by the person or a member of the household must record the identity document",
    http_status=422,
)
NOT_THE_SUBJECT = define(
    "RES-011",
    "請求者の{items}が住民票の記載と一致しません。本人（同一世帯の方）であることを"
    "確認できないため受け付けられません。",
    "the requester's {items_en} do not match the record: not confirmed as the person "
    "(or a member of the household)",
    http_status=403,
    params=("items", "items_en"),
)
IDENTITY_INCOMPLETE = define(
    "RES-012",
    "本人確認のため、請求者の{item}を入力してください。",
    "enter the requester's {item_en} to confirm their identity",
    http_status=422,
    params=("item", "item_en"),
)


def _with_building(record: ResidentRecord, claimed: str) -> bool:
    """An identity document shows the 方書 (building) too: the address without it matches."""
    building = fold_address(record.address.building)
    key = fold_address(claimed)
    if not building or not key.endswith(building):
        return False
    return same_address(record, key[: -len(building)])


_ITEMS_EN = {"name": "name", "date_of_birth": "date of birth", "sex": "sex", "address": "address"}


def confirm(
    requester: Requester, named: list[ResidentRecord], household: list[ResidentRecord]
) -> ResidentRecord | None:
    """The record the requester is, or raise; ``None`` for types not confirmed here.

    ``named`` are the persons the request names; ``household`` the current members of
    their household (a 同一世帯 requester must be one of them).
    """
    if requester.type not in CONFIRMED_TYPES:
        return None
    if requester.id_document not in ID_DOCUMENTS:
        raise JichiError(NO_ID_DOCUMENT, field="requester.id_document")
    for item, value in (
        ("name", requester.name.strip()),
        ("date_of_birth", requester.date_of_birth),
        ("sex", requester.sex),
        ("address", requester.address.strip()),
    ):
        if not value:
            raise JichiError(
                IDENTITY_INCOMPLETE,
                field=f"requester.{item}",
                item=ITEMS_JA[item],
                item_en=_ITEMS_EN[item],
            )
    assert requester.date_of_birth is not None
    claimed = BasicFour(requester.name, requester.date_of_birth, requester.sex, requester.address)
    candidates = named if requester.type is RequesterType.SELF else household or named
    nearest: list[str] | None = None
    for record in candidates:
        wrong = mismatches(record, claimed)
        if "address" in wrong and _with_building(record, requester.address):
            wrong.remove("address")
        if not wrong:
            return record
        if nearest is None or len(wrong) < len(nearest):
            nearest = wrong
    wrong = nearest or ["name", "date_of_birth", "sex", "address"]
    raise JichiError(
        NOT_THE_SUBJECT,
        field=f"requester.{wrong[0]}",
        items="・".join(ITEMS_JA[w] for w in wrong),
        items_en=", ".join(_ITEMS_EN[w] for w in wrong),
    )


NO_POWER_OF_ATTORNEY = define(
    "RES-013",
    "代理人からの請求では、委任状を確認したことを記録してください。",
    "a request by a proxy must record that the power of attorney was seen",
)


def check_power_of_attorney(requester: Requester, seen: bool) -> None:
    """A 代理人 asks on the person's behalf: the counter must have seen the 委任状.

    Checked where the counter records the request (the fee record of the counter
    day, :mod:`jichi.registry.counter_day.charges`), with the 本人確認書類 of the
    proxy themself, which ``id_document`` records.
    """
    if requester.type is RequesterType.PROXY and not seen:
        raise JichiError(NO_POWER_OF_ATTORNEY, field="power_of_attorney")
