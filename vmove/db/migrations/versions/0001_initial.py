"""Moves, their events, and engines.

Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

from vmove.db.types import JSONDict, UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "moves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("resource_type", sa.String(16), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("resource_name", sa.String(255), nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("source_host", sa.String(255), nullable=True),
        sa.Column("dest_host", sa.String(255), nullable=True),
        sa.Column("source_backend", sa.String(255), nullable=True),
        sa.Column("dest_backend", sa.String(255), nullable=True),
        sa.Column("source_type", sa.String(255), nullable=True),
        sa.Column("dest_type", sa.String(255), nullable=True),
        sa.Column("params", JSONDict, nullable=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("start_time", UTCDateTime, nullable=True),
        sa.Column("end_time", UTCDateTime, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("engine_id", sa.String(36), nullable=True),
        sa.Column("lease_until", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("uuid", name="uniq_moves0uuid"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    for col in (
        "status",
        "project_id",
        "resource_id",
        "source_host",
        "dest_host",
        "origin",
        "created_at",
        "updated_at",
    ):
        op.create_index(f"moves_{col}_idx", "moves", [col])

    op.create_table(
        "move_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "move_id",
            sa.Integer,
            sa.ForeignKey("moves.id", name="move_events_move_id_fkey", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("from_phase", sa.String(32), nullable=True),
        sa.Column("to_phase", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("engine_id", sa.String(36), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("detail", JSONDict, nullable=True),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("move_events_move_id_at_idx", "move_events", ["move_id", "at"])

    op.create_table(
        "engines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("engine_id", sa.String(36), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.Column("version", sa.String(64), nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("last_heartbeat", UTCDateTime, nullable=False),
        sa.Column("stopped_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("engine_id", name="uniq_engines0engine_id"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
