"""Certificates: the 通番 reserved before the PDF is made, one row per number.

Issuing used to hold the per-municipality 通番 lock across the WeasyPrint render, so a
process issued one certificate at a time and several processes re-rendered whenever
their numbers collided.  Now the number is *reserved* first (a one-row write under the
lock), the PDF is made with it and no lock held, and the certificate is stored under
the lock again.  ``certificate_serial`` is that reservation: one row per number given
out, keyed by the request, so a retry of the same ``request_id`` (a timeout, a killed
worker) reuses its number and a number is never given twice.

A reserved number without a ``certificate`` row is a number not used (its request
failed and was not retried); the row says which request held it (docs/guide/certificates.md).

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_serial",
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lg_code", "issued_on", "seq", name="pk_certificate_serial"),
        sa.UniqueConstraint("request_id", name="uq_certificate_serial_request_id"),
    )


def downgrade() -> None:
    op.drop_table("certificate_serial")
