"""SQLAlchemy models. The alembic migrations must produce exactly these
tables (``test_migrations`` compares them on SQLite, MariaDB and PostgreSQL).
"""

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from vmove.db.types import JSONDict, UTCDateTime


class Base(orm.DeclarativeBase):
    pass


class TimestampMixin:
    created_at: orm.Mapped[object] = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
    updated_at: orm.Mapped[object] = orm.mapped_column(
        UTCDateTime, nullable=False, default=timeutils.utcnow, onupdate=timeutils.utcnow
    )


class Move(TimestampMixin, Base):
    """One move of one resource (an instance or a volume)."""

    __tablename__ = "moves"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_moves0uuid"),
        # the resource's id while the move is pending or ongoing, NULL once it ended: at most one move
        # in progress per resource, whatever concurrent requests do (set by vmove.moves.queries)
        sa.UniqueConstraint("active_key", name="uniq_moves0active_key"),
        sa.Index("moves_status_idx", "status"),
        sa.Index("moves_project_id_idx", "project_id"),
        sa.Index("moves_resource_id_idx", "resource_id"),
        sa.Index("moves_source_host_idx", "source_host"),
        sa.Index("moves_dest_host_idx", "dest_host"),
        sa.Index("moves_origin_idx", "origin"),
        sa.Index("moves_created_at_id_idx", "created_at", "id"),  # the default order (keyset pages)
        sa.Index("moves_updated_at_idx", "updated_at"),
    )

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = orm.mapped_column(sa.String(36), nullable=False)
    resource_type = orm.mapped_column(sa.String(16), nullable=False)
    resource_id = orm.mapped_column(sa.String(255), nullable=False)
    resource_name = orm.mapped_column(sa.String(255), nullable=True)
    type = orm.mapped_column(sa.String(32), nullable=False)
    status = orm.mapped_column(sa.String(16), nullable=False)
    phase = orm.mapped_column(sa.String(32), nullable=False)
    source_host = orm.mapped_column(sa.String(255), nullable=True)
    dest_host = orm.mapped_column(sa.String(255), nullable=True)
    source_backend = orm.mapped_column(sa.String(255), nullable=True)
    dest_backend = orm.mapped_column(sa.String(255), nullable=True)
    source_type = orm.mapped_column(sa.String(255), nullable=True)
    dest_type = orm.mapped_column(sa.String(255), nullable=True)
    params = orm.mapped_column(JSONDict, nullable=True)
    priority = orm.mapped_column(sa.Integer, nullable=False, default=0)
    attempt = orm.mapped_column(sa.Integer, nullable=False, default=1)
    progress = orm.mapped_column(sa.Integer, nullable=False, default=0)
    start_time = orm.mapped_column(UTCDateTime, nullable=True)
    end_time = orm.mapped_column(UTCDateTime, nullable=True)
    message = orm.mapped_column(sa.Text, nullable=True)
    project_id = orm.mapped_column(sa.String(255), nullable=False)
    user_id = orm.mapped_column(sa.String(255), nullable=True)
    origin = orm.mapped_column(sa.String(64), nullable=False)
    # the resource must belong to project_id (set when a non-admin asked for the move:
    # the engine acts as an admin service user and must not move others' resources)
    enforce_project = orm.mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    # lease: which engine drives the move, and until when it may without renewing
    engine_id = orm.mapped_column(sa.String(36), nullable=True)
    lease_until = orm.mapped_column(UTCDateTime, nullable=True)
    active_key = orm.mapped_column(sa.String(255), nullable=True)
    # the request id the engine sends to Nova and Cinder as their global request id when it acts on the move
    # (the caller's X-OpenStack-Request-ID, or vmove's own request id); NULL for moves of older releases
    global_request_id = orm.mapped_column(sa.String(64), nullable=True)


class MoveEvent(Base):
    """One state change of a move, written with the move's new state."""

    __tablename__ = "move_events"
    __table_args__ = (sa.Index("move_events_move_id_at_idx", "move_id", "at"),)

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    move_id = orm.mapped_column(
        sa.Integer,
        sa.ForeignKey("moves.id", name="move_events_move_id_fkey", ondelete="CASCADE"),
        nullable=False,
    )
    at = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
    from_phase = orm.mapped_column(sa.String(32), nullable=True)
    to_phase = orm.mapped_column(sa.String(32), nullable=False)
    from_status = orm.mapped_column(sa.String(16), nullable=True)
    status = orm.mapped_column(sa.String(16), nullable=False)
    attempt = orm.mapped_column(sa.Integer, nullable=False, default=1)
    engine_id = orm.mapped_column(sa.String(36), nullable=True)
    message = orm.mapped_column(sa.Text, nullable=True)
    detail = orm.mapped_column(JSONDict, nullable=True)


class Engine(Base):
    """A running (or once running) vmove engine and its heartbeat."""

    __tablename__ = "engines"
    __table_args__ = (sa.UniqueConstraint("engine_id", name="uniq_engines0engine_id"),)

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    engine_id = orm.mapped_column(sa.String(36), nullable=False)
    host = orm.mapped_column(sa.String(255), nullable=False)
    topic = orm.mapped_column(sa.String(255), nullable=False)
    pid = orm.mapped_column(sa.Integer, nullable=True)
    version = orm.mapped_column(sa.String(64), nullable=True)
    # the engine RPC API version it serves (NULL: an engine older than the column, i.e. 1.2)
    rpc_version = orm.mapped_column(sa.String(16), nullable=True)
    started_at = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
    last_heartbeat = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
    stopped_at = orm.mapped_column(UTCDateTime, nullable=True)


class Lock(Base):
    """Named rows locked with SELECT ... FOR UPDATE to serialize work across engines."""

    __tablename__ = "locks"

    name = orm.mapped_column(sa.String(64), primary_key=True)


# --------------------------------------------------------------- plans and runs
# Tables of migration plans and their runs.
#
# - ``plans``: what to move where (the mapping), the limits and the window.
# - ``plan_items``: one instance or volume of a plan, with its move type and priority.
# - ``runs``: one order of a plan; the history of a plan is its runs. A run
#   keeps the plan's uuid and name, not a foreign key: runs (and their moves)
#   stay readable after the plan is deleted.
# - ``run_items``: a run's verdict on each item (ok, or refused with a code and
#   a reason), the move parameters the verdict computed and, once ordered, the
#   move made for it (``move_uuid``, ``attempt``).


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
    #: items by selector, resolved when a run is validated:
    #: {"hosts": [{"host", "project_id", "metadata", "flavor", "priority"}], "backends": [{"backend", "priority"}]}
    drains = orm.mapped_column(JSONDict, nullable=True)
    #: a host drain may cold-migrate what cannot be live-migrated (stopped, PCI devices)
    cold_fallback = orm.mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    #: a recurring window: {"timezone", "days": ["mon", ...], "periods": [{"start": "22:00", "end": "06:00"}]}
    schedule = orm.mapped_column(JSONDict, nullable=True)

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
        # the plan's uuid while the run is in progress, NULL once finished: one run in progress per plan
        # (set by vmove.plans.queries)
        sa.UniqueConstraint("active_key", name="uniq_runs0active_key"),
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
    # which engine validates it or makes its moves, and until when (see vmove.plans.extension)
    engine_id = orm.mapped_column(sa.String(36), nullable=True)
    lease_until = orm.mapped_column(UTCDateTime, nullable=True)
    #: how long the moves should take, from vmove's own history, and how many windows (see vmove.plans.estimate)
    estimate = orm.mapped_column(JSONDict, nullable=True)
    active_key = orm.mapped_column(sa.String(36), nullable=True)


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
    #: the drain that found it ("host:host1", "backend:be@a1"); None for an item the plan lists
    selector = orm.mapped_column(sa.String(255), nullable=True)
    #: what the move's duration grows with: the instance's RAM (MB) or the volume's size (GB)
    size = orm.mapped_column(sa.Integer, nullable=True)
    #: per-item approval: "approved" or "denied" (None: not decided, or the run's approval is auto)
    decision = orm.mapped_column(sa.String(16), nullable=True)
    decided_by = orm.mapped_column(sa.String(255), nullable=True)
    decided_at = orm.mapped_column(UTCDateTime, nullable=True)


class RunEvent(Base):
    """What happened to a run or one of its items: validated, approved, denied, host disabled, paused..."""

    __tablename__ = "run_events"
    __table_args__ = (sa.Index("run_events_run_id_idx", "run_id"),)

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_id = orm.mapped_column(
        sa.Integer, sa.ForeignKey("runs.id", name="run_events_run_id_fkey", ondelete="CASCADE"), nullable=False
    )
    #: the item it concerns (None: the run as a whole)
    item_uuid = orm.mapped_column(sa.String(36), nullable=True)
    event = orm.mapped_column(sa.String(32), nullable=False)
    user_id = orm.mapped_column(sa.String(255), nullable=True)
    message = orm.mapped_column(sa.Text, nullable=True)
    detail = orm.mapped_column(JSONDict, nullable=True)
    at = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)


# --------------------------------------------------------------- host recovery
# Host recovery: one row per host-failure (or host-recovered) notification.
#
# The moves a notification makes are ordinary ``moves`` rows whose ``origin``
# is ``notification:<uuid>`` (evacuations) or ``restore:<uuid>`` (the moves
# back); their state changes are ``move_events``. This table holds what is
# not a move: the notification as received, where its recovery and its restore
# stand, and which engine is setting them up.


class Notification(TimestampMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_notifications0uuid"),
        # "<event>:<hostname>" while the notification is new or running, NULL after: a second
        # notification for the same host and event cannot be inserted meanwhile (idempotent POST)
        sa.UniqueConstraint("active_key", name="uniq_notifications0active_key"),
        sa.Index("notifications_hostname_idx", "hostname"),
        sa.Index("notifications_status_idx", "status"),
        sa.Index("notifications_created_at_idx", "created_at"),
    )

    id = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = orm.mapped_column(sa.String(36), nullable=False)
    type = orm.mapped_column(sa.String(32), nullable=False)
    hostname = orm.mapped_column(sa.String(255), nullable=False)
    event = orm.mapped_column(sa.String(32), nullable=False)
    generated_time = orm.mapped_column(UTCDateTime, nullable=False)
    payload = orm.mapped_column(JSONDict, nullable=False)
    # new, running, finished, failed, ignored
    status = orm.mapped_column(sa.String(16), nullable=False)
    progress = orm.mapped_column(sa.Integer, nullable=False, default=0)
    message = orm.mapped_column(sa.Text, nullable=True)
    # the recovery's run: 1, then +1 for every retry; run_started_at separates the runs' moves
    attempt = orm.mapped_column(sa.Integer, nullable=False, default=1)
    run_started_at = orm.mapped_column(UTCDateTime, nullable=True)
    processed_at = orm.mapped_column(UTCDateTime, nullable=True)
    finished_at = orm.mapped_column(UTCDateTime, nullable=True)
    active_key = orm.mapped_column(sa.String(300), nullable=True)
    # a STARTED notification: the host-failure notification it restores
    related_uuid = orm.mapped_column(sa.String(36), nullable=True)
    project_id = orm.mapped_column(sa.String(255), nullable=False)
    user_id = orm.mapped_column(sa.String(255), nullable=True)
    # the claim of the set-up in progress (evacuation or restore): its token, until when (the column
    # is named engine_id for history; it holds a token of one set-up, not an engine's id)
    claim_token = orm.mapped_column("engine_id", sa.String(36), nullable=True)
    claimed_until = orm.mapped_column(UTCDateTime, nullable=True)
    # the restore (moves back): requested, waiting (for the host), running, finished, failed
    restore_status = orm.mapped_column(sa.String(16), nullable=True)
    restore_progress = orm.mapped_column(sa.Integer, nullable=False, default=0)
    restore_message = orm.mapped_column(sa.Text, nullable=True)
    restore_attempt = orm.mapped_column(sa.Integer, nullable=False, default=0)
    restore_requested_at = orm.mapped_column(UTCDateTime, nullable=True)
    restore_finished_at = orm.mapped_column(UTCDateTime, nullable=True)
    restore_next_try = orm.mapped_column(UTCDateTime, nullable=True)

    def __repr__(self):
        return f"<Notification {self.uuid} {self.event} {self.hostname} {self.status}>"
