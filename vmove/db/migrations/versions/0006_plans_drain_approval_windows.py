"""Plans: drains (items by selector), cold fallback, recurring windows; per-item decisions; run events.

Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

from vmove.db.types import JSONDict, UTCDateTime

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("drains", JSONDict, nullable=True))
        batch.add_column(sa.Column("cold_fallback", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("schedule", JSONDict, nullable=True))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("estimate", JSONDict, nullable=True))
    with op.batch_alter_table("run_items") as batch:
        batch.add_column(sa.Column("selector", sa.String(255), nullable=True))
        batch.add_column(sa.Column("size", sa.Integer, nullable=True))
        batch.add_column(sa.Column("decision", sa.String(16), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime, nullable=True))
    op.create_table(
        "run_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("runs.id", name="run_events_run_id_fkey", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_uuid", sa.String(36), nullable=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("detail", JSONDict, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("run_events_run_id_idx", "run_events", ["run_id"])
