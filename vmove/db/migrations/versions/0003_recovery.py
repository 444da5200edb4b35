"""Host recovery: notifications (their moves are moves with origin notification:/restore:).

Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

from vmove.db.types import JSONDict, UTCDateTime

revision = "0003r"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("generated_time", UTCDateTime, nullable=False),
        sa.Column("payload", JSONDict, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("run_started_at", UTCDateTime, nullable=True),
        sa.Column("processed_at", UTCDateTime, nullable=True),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("active_key", sa.String(300), nullable=True),
        sa.Column("related_uuid", sa.String(36), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("engine_id", sa.String(36), nullable=True),
        sa.Column("claimed_until", UTCDateTime, nullable=True),
        sa.Column("restore_status", sa.String(16), nullable=True),
        sa.Column("restore_progress", sa.Integer, nullable=False),
        sa.Column("restore_message", sa.Text, nullable=True),
        sa.Column("restore_attempt", sa.Integer, nullable=False),
        sa.Column("restore_requested_at", UTCDateTime, nullable=True),
        sa.Column("restore_finished_at", UTCDateTime, nullable=True),
        sa.Column("restore_next_try", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("uuid", name="uniq_notifications0uuid"),
        sa.UniqueConstraint("active_key", name="uniq_notifications0active_key"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    for col in ("hostname", "status", "created_at"):
        op.create_index(f"notifications_{col}_idx", "notifications", [col])
