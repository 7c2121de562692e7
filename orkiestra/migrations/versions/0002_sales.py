"""sales: lead scores, score and stage history, built-in CRM (owners, leads, tasks, notes)

Revision ID: 0002_sales
Revises: 0001
Create Date: 2026-11-23 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import orkiestra.models.types

revision: str = "0002_sales"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def _text(length: int | None = None) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length) if length else sqlmodel.sql.sqltypes.AutoString()


def _time() -> orkiestra.models.types.UTCDateTime:
    return orkiestra.models.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lead_scores",
        sa.Column("contact_id", _text(255), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Integer(), nullable=False),
        sa.Column("stage", _text(32), nullable=False),
        sa.Column("model_version", _text(32), nullable=False),
        sa.Column("qualifications", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", _time(), nullable=True),
        sa.Column("last_decay_at", _time(), nullable=True),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    with op.batch_alter_table("lead_scores", schema=None) as batch_op:
        batch_op.create_index("ix_lead_scores_activity", ["last_activity_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_scores_model_version"), ["model_version"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_scores_stage"), ["stage"], unique=False)

    op.create_table(
        "score_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("contact_id", _text(255), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("score_after", sa.Integer(), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("rule", _text(255), nullable=False),
        sa.Column("reason", _text(1000), nullable=False),
        sa.Column("message_id", _text(255), nullable=True),
        sa.Column("model_version", _text(32), nullable=False),
        sa.Column("event_at", _time(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("score_changes", schema=None) as batch_op:
        batch_op.create_index("ix_score_changes_contact", ["contact_id", "id"], unique=False)
        batch_op.create_index("ix_score_changes_rule", ["contact_id", "rule", "event_at"], unique=False)

    op.create_table(
        "stage_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("contact_id", _text(255), nullable=False),
        sa.Column("from_stage", _text(32), nullable=False),
        sa.Column("to_stage", _text(32), nullable=False),
        sa.Column("reason", _text(1000), nullable=False),
        sa.Column("message_id", _text(255), nullable=True),
        sa.Column("at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index("ix_stage_changes_contact", ["contact_id", "id"], unique=False)

    op.create_table(
        "crm_owners",
        sa.Column("id", _text(255), nullable=False),
        sa.Column("name", _text(255), nullable=False),
        sa.Column("email", _text(320), nullable=False),
        sa.Column("timezone", _text(64), nullable=False),
        sa.Column("country", _text(8), nullable=True),
        sa.Column("manager_id", _text(255), nullable=True),
        sa.Column("territory", _text(64), nullable=True),
        sa.Column("industries", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("hubspot_owner_id", _text(64), nullable=True),
        sa.Column("last_assigned_at", _time(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "crm_leads",
        sa.Column("contact_id", _text(255), nullable=False),
        sa.Column("owner_id", _text(255), nullable=True),
        sa.Column("status", _text(32), nullable=False),
        sa.Column("stage", _text(32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("email", _text(320), nullable=True),
        sa.Column("name", _text(512), nullable=True),
        sa.Column("company", _text(255), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("external_id", _text(64), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    with op.batch_alter_table("crm_leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crm_leads_external_id"), ["external_id"], unique=False)
        batch_op.create_index("ix_crm_leads_owner_status", ["owner_id", "status"], unique=False)

    op.create_table(
        "crm_tasks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", _text(512), nullable=False),
        sa.Column("contact_id", _text(255), nullable=False),
        sa.Column("owner_id", _text(255), nullable=True),
        sa.Column("kind", _text(32), nullable=False),
        sa.Column("title", _text(500), nullable=False),
        sa.Column("body", _text(), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("due_at", _time(), nullable=True),
        sa.Column("external_id", _text(64), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("crm_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_crm_tasks_contact", ["contact_id", "status"], unique=False)
        batch_op.create_index("ix_crm_tasks_owner_status", ["owner_id", "status"], unique=False)

    op.create_table(
        "crm_notes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", _text(512), nullable=False),
        sa.Column("contact_id", _text(255), nullable=False),
        sa.Column("owner_id", _text(255), nullable=True),
        sa.Column("body", _text(), nullable=False),
        sa.Column("external_id", _text(64), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("crm_notes", schema=None) as batch_op:
        batch_op.create_index("ix_crm_notes_contact", ["contact_id", "id"], unique=False)


def downgrade() -> None:
    for table in ("crm_notes", "crm_tasks", "crm_leads", "crm_owners", "stage_changes", "score_changes"):
        op.drop_table(table)
    op.drop_table("lead_scores")
