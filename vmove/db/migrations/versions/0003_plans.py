"""Migration plans, their items, runs and the runs' verdicts per item.

Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

from vmove.db.types import JSONDict, UTCDateTime

revision = "0003p"
down_revision = "0002"

_TABLE = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def _times():
    return [
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("mapping", JSONDict, nullable=True),
        sa.Column("approval", sa.String(16), nullable=False),
        sa.Column("max_in_flight", sa.Integer, nullable=True),
        sa.Column("per_source_host", sa.Integer, nullable=True),
        sa.Column("per_dest_host", sa.Integer, nullable=True),
        sa.Column("per_backend", sa.Integer, nullable=True),
        sa.Column("not_before", UTCDateTime, nullable=True),
        sa.Column("not_after", UTCDateTime, nullable=True),
        *_times(),
        sa.UniqueConstraint("uuid", name="uniq_plans0uuid"),
        **_TABLE,
    )
    op.create_index("plans_project_id_idx", "plans", ["project_id"])

    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column(
            "plan_id",
            sa.Integer,
            sa.ForeignKey("plans.id", name="plan_items_plan_id_fkey", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("resource_type", sa.String(16), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("move_type", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        *_times(),
        sa.UniqueConstraint("uuid", name="uniq_plan_items0uuid"),
        sa.UniqueConstraint(
            "plan_id", "resource_type", "resource_id", name="uniq_plan_items0plan_id0resource_type0resource_id"
        ),
        **_TABLE,
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("plan_uuid", sa.String(36), nullable=False),
        sa.Column("plan_name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("approval", sa.String(16), nullable=False),
        sa.Column("cross_project", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("decided_at", UTCDateTime, nullable=True),
        sa.Column("validated_at", UTCDateTime, nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=True),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("counts", JSONDict, nullable=True),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("engine_id", sa.String(36), nullable=True),
        sa.Column("lease_until", UTCDateTime, nullable=True),
        *_times(),
        sa.UniqueConstraint("uuid", name="uniq_runs0uuid"),
        **_TABLE,
    )
    op.create_index("runs_plan_uuid_idx", "runs", ["plan_uuid"])
    op.create_index("runs_project_id_idx", "runs", ["project_id"])
    op.create_index("runs_status_idx", "runs", ["status"])

    op.create_table(
        "run_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("runs.id", name="run_items_run_id_fkey", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_uuid", sa.String(36), nullable=False),
        sa.Column("resource_type", sa.String(16), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("resource_name", sa.String(255), nullable=True),
        sa.Column("move_type", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("params", JSONDict, nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("dest", sa.String(255), nullable=True),
        sa.Column("move_uuid", sa.String(36), nullable=True),
        sa.Column("attempt", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        **_TABLE,
    )
    op.create_index("run_items_run_id_idx", "run_items", ["run_id"])
    op.create_index("run_items_resource_id_idx", "run_items", ["resource_id"])
