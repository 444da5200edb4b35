"""Tables of migration plans and their runs.

- ``plans``: what to move where (the mapping), the limits and the window.
- ``plan_items``: one instance or volume of a plan, with its move type and priority.
- ``runs``: one order of a plan; the history of a plan is its runs. A run
  keeps the plan's uuid and name, not a foreign key: runs (and their moves)
  stay readable after the plan is deleted.
- ``run_items``: a run's verdict on each item (ok, or refused with a code and
  a reason), the move parameters the verdict computed and, once ordered, the
  move made for it (``move_uuid``, ``attempt``).
"""

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from vmove.db.models import Base, TimestampMixin
from vmove.db.types import JSONDict, UTCDateTime


class Plan(TimestampMixin, Base):
    __tablename__ = "plans"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_plans0uuid"),
        sa.Index("plans_project_id_idx", "project_id"),
    )

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = orm.mapped_column(sa.String(36), nullable=False)
    name = orm.mapped_column(sa.String(255), nullable=False)
    description = orm.mapped_column(sa.Text, nullable=True)
    project_id = orm.mapped_column(sa.String(255), nullable=False)
    user_id = orm.mapped_column(sa.String(255), nullable=True)
    #: {"hosts": {src: dst|"any"}, "volume_types": {src: dst}, "backends": {src: dst}}
    mapping = orm.mapped_column(JSONDict, nullable=True)
    approval = orm.mapped_column(sa.String(16), nullable=False)
    max_in_flight = orm.mapped_column(sa.Integer, nullable=True)
    per_source_host = orm.mapped_column(sa.Integer, nullable=True)
    per_dest_host = orm.mapped_column(sa.Integer, nullable=True)
    per_backend = orm.mapped_column(sa.Integer, nullable=True)
    not_before = orm.mapped_column(UTCDateTime, nullable=True)
    not_after = orm.mapped_column(UTCDateTime, nullable=True)

    items = orm.relationship(
        "PlanItem",
        order_by="PlanItem.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class PlanItem(TimestampMixin, Base):
    __tablename__ = "plan_items"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_plan_items0uuid"),
        sa.UniqueConstraint(
            "plan_id", "resource_type", "resource_id", name="uniq_plan_items0plan_id0resource_type0resource_id"
        ),
    )

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = orm.mapped_column(sa.String(36), nullable=False)
    plan_id = orm.mapped_column(
        sa.Integer, sa.ForeignKey("plans.id", name="plan_items_plan_id_fkey", ondelete="CASCADE"), nullable=False
    )
    resource_type = orm.mapped_column(sa.String(16), nullable=False)
    resource_id = orm.mapped_column(sa.String(255), nullable=False)
    move_type = orm.mapped_column(sa.String(32), nullable=False)
    priority = orm.mapped_column(sa.Integer, nullable=False, default=0)


class Run(TimestampMixin, Base):
    __tablename__ = "runs"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_runs0uuid"),
        sa.Index("runs_plan_uuid_idx", "plan_uuid"),
        sa.Index("runs_project_id_idx", "project_id"),
        sa.Index("runs_status_idx", "status"),
    )

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = orm.mapped_column(sa.String(36), nullable=False)
    plan_uuid = orm.mapped_column(sa.String(36), nullable=False)
    plan_name = orm.mapped_column(sa.String(255), nullable=False)
    project_id = orm.mapped_column(sa.String(255), nullable=False)
    user_id = orm.mapped_column(sa.String(255), nullable=True)
    dry_run = orm.mapped_column(sa.Boolean, nullable=False, default=False)
    approval = orm.mapped_column(sa.String(16), nullable=False)
    #: items of other projects may be moved (the run was ordered by an admin)
    cross_project = orm.mapped_column(sa.Boolean, nullable=False, default=False)
    status = orm.mapped_column(sa.String(32), nullable=False)
    message = orm.mapped_column(sa.Text, nullable=True)
    decided_by = orm.mapped_column(sa.String(255), nullable=True)
    decided_at = orm.mapped_column(UTCDateTime, nullable=True)
    validated_at = orm.mapped_column(UTCDateTime, nullable=True)
    started_at = orm.mapped_column(UTCDateTime, nullable=True)
    finished_at = orm.mapped_column(UTCDateTime, nullable=True)
    counts = orm.mapped_column(JSONDict, nullable=True)
    progress = orm.mapped_column(sa.Integer, nullable=False, default=0)
    # which engine validates it or makes its moves, and until when (see vmove.engine.plans)
    engine_id = orm.mapped_column(sa.String(36), nullable=True)
    lease_until = orm.mapped_column(UTCDateTime, nullable=True)


class RunItem(Base):
    __tablename__ = "run_items"
    __table_args__ = (
        sa.Index("run_items_run_id_idx", "run_id"),
        sa.Index("run_items_resource_id_idx", "resource_id"),
    )

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_id = orm.mapped_column(
        sa.Integer, sa.ForeignKey("runs.id", name="run_items_run_id_fkey", ondelete="CASCADE"), nullable=False
    )
    item_uuid = orm.mapped_column(sa.String(36), nullable=False)
    resource_type = orm.mapped_column(sa.String(16), nullable=False)
    resource_id = orm.mapped_column(sa.String(255), nullable=False)
    resource_name = orm.mapped_column(sa.String(255), nullable=True)
    move_type = orm.mapped_column(sa.String(32), nullable=False)
    priority = orm.mapped_column(sa.Integer, nullable=False, default=0)
    #: "ok" or "refused"
    verdict = orm.mapped_column(sa.String(16), nullable=False)
    code = orm.mapped_column(sa.String(32), nullable=True)
    reason = orm.mapped_column(sa.Text, nullable=True)
    params = orm.mapped_column(JSONDict, nullable=True)
    #: where the resource is (a compute host, or a Cinder pool) and where it goes
    source = orm.mapped_column(sa.String(255), nullable=True)
    dest = orm.mapped_column(sa.String(255), nullable=True)
    move_uuid = orm.mapped_column(sa.String(36), nullable=True)
    attempt = orm.mapped_column(sa.Integer, nullable=True)
    created_at = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
