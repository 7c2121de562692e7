"""messaging: consent log, frequency-cap slots, in-app inbox, message purpose/priority/attempts

Revision ID: 0002_messaging
Revises: 0001
Create Date: 2026-11-23 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import orkiestra.models.types

revision: str = "0002_messaging"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("contact_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("recorded_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_log_current", ["contact_id", "channel", "purpose", "id"], unique=False
        )

    op.create_table(
        "inbox_messages",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False),
        sa.Column("created_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_messages_contact", ["contact_id", "created_at"], unique=False)

    op.create_table(
        "send_locks",
        sa.Column("contact_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", "channel"),
    )
    op.create_table(
        "send_slots",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("taken_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("send_slots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_send_slots_window", ["contact_id", "channel", "purpose", "taken_at"], unique=False
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "purpose",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                server_default="marketing",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="5", nullable=False))
        batch_op.add_column(sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("attempted_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("retry_at", orkiestra.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_messages_provider_message_id"), ["provider_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_provider_message_id"))
        batch_op.drop_column("retry_at")
        batch_op.drop_column("attempted_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("provider")
        batch_op.drop_column("priority")
        batch_op.drop_column("purpose")

    with op.batch_alter_table("send_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_send_slots_window")

    op.drop_table("send_slots")
    op.drop_table("send_locks")
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_messages_contact")

    op.drop_table("inbox_messages")
    with op.batch_alter_table("consent_log", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_log_current")

    op.drop_table("consent_log")
