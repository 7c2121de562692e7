"""engagement: subscription changes (preference center), suppressed addresses, erasures

Revision ID: 0002_engagement
Revises: 0001
Create Date: 2026-11-23 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import orkiestra.models.types

revision: str = "0002_engagement"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")
UTC = orkiestra.models.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("erased_at", UTC, nullable=False),
        sa.Column("journeys_exited", sa.Integer(), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasures_subject"), ["subject"], unique=False)

    op.create_table(
        "subscription_changes",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("contact_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subscription_changes", schema=None) as batch_op:
        batch_op.create_index("ix_subscription_changes_contact", ["contact_id", "id"], unique=False)

    op.create_table(
        "suppressed_addresses",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("contact_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("channel", "address"),
    )
    with op.batch_alter_table("suppressed_addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppressed_addresses_contact_id"), ["contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suppressed_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppressed_addresses_contact_id"))
    op.drop_table("suppressed_addresses")
    with op.batch_alter_table("subscription_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_subscription_changes_contact")
    op.drop_table("subscription_changes")
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasures_subject"))
    op.drop_table("erasures")
