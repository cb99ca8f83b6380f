"""Who is acting: a staff member bound to one municipality, with a role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 窓口職員: files notifications, reads records
    SUPERVISOR = "supervisor"  # 係長: corrections, ex-officio acts, batch jobs
    AUDITOR = "auditor"  # 監査: reads the audit log only
    ADMIN = "admin"  # 管理者: staff accounts
    ELECTION = "election"  # 選挙管理委員会（事務局）: the roll, polling, counting, results


@dataclass(frozen=True)
class Actor:
    staff_id: str
    lg_code: str
    role: str = Role.CLERK.value
