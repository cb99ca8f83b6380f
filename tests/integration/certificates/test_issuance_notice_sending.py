"""Sending the 本人通知: the unsent queue, marking a notice sent once, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry import issuance_notification as ino
from jichi.registry.certificates import CertificateSettings, issue
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Registry
from jichi.security.audit import audit_log
from tests.integration.certificates.test_issuance_notification import (  # noqa: F401
    AUDIT_KEY,
    ask,
    yamada,
)
from tests.integration.registry.conftest import CLERK, LG, TODAY
from tests.integration.registry.requesters import HANAKO


def test_unsent_notices_are_sent_once_and_audited(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],  # noqa: F811
    engine: Engine,
) -> None:
    taro, hanako = yamada["太郎"], yamada["花子"]
    ino.register(engine, LG, taro, CLERK, TODAY, audit_key=AUDIT_KEY)
    ino.register(engine, LG, hanako, CLERK, TODAY, audit_key=AUDIT_KEY)
    third = Requester(RequesterType.THIRD_PARTY, "債権者　株式会社")
    issue(registry, protection, ask(taro, third), CLERK, settings)
    issue(
        registry, protection, ask(hanako, Requester(RequesterType.PROXY, "代理")), CLERK, settings
    )
    issue(
        registry,
        protection,
        ask(hanako, HANAKO),
        CLERK,
        settings,
    )

    waiting = sorted(ino.unsent(engine, LG), key=lambda n: n.person_id != taro)
    assert len(waiting) == 2  # the person's own request leaves no notice
    assert [(n.person_id, n.requester_class.value) for n in waiting] == [
        (taro, "third_party"),
        (hanako, "proxy"),
    ]

    at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    sent = ino.mark_sent(engine, LG, waiting[0].notice_id, CLERK, at, audit_key=AUDIT_KEY)
    assert sent.sent_at is not None
    assert [n.person_id for n in ino.unsent(engine, LG)] == [hanako]
    with pytest.raises(JichiError) as again:
        ino.mark_sent(engine, LG, waiting[0].notice_id, CLERK, at, audit_key=AUDIT_KEY)
    assert again.value.code == "INO-006" and again.value.field == "notice_id"
    with pytest.raises(JichiError) as missing:
        ino.get_notice(engine, LG, "no-such-notice")
    assert missing.value.code == "INO-005"
    with pytest.raises(JichiError) as elsewhere:  # another municipality's notice is not here
        ino.mark_sent(engine, "131016", waiting[1].notice_id, CLERK, at, audit_key=AUDIT_KEY)
    assert elsewhere.value.code == "INO-005"
    with engine.connect() as conn:
        audited = conn.execute(
            sa.select(audit_log.c.subject_person_id, audit_log.c.actor).where(
                audit_log.c.action == "issuance_notice.sent"
            )
        ).all()
    assert [(a.subject_person_id, a.actor) for a in audited] == [(taro, CLERK.staff_id)]
