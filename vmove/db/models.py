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
        sa.Index("moves_status_idx", "status"),
        sa.Index("moves_project_id_idx", "project_id"),
        sa.Index("moves_resource_id_idx", "resource_id"),
        sa.Index("moves_source_host_idx", "source_host"),
        sa.Index("moves_dest_host_idx", "dest_host"),
        sa.Index("moves_origin_idx", "origin"),
        sa.Index("moves_created_at_idx", "created_at"),
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
    started_at = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
    last_heartbeat = orm.mapped_column(UTCDateTime, nullable=False, default=timeutils.utcnow)
    stopped_at = orm.mapped_column(UTCDateTime, nullable=True)


class Lock(Base):
    """Named rows locked with SELECT ... FOR UPDATE to serialize work across engines."""

    __tablename__ = "locks"

    name = orm.mapped_column(sa.String(64), primary_key=True)


# the models of plans and host recovery live in their own modules, on this Base
from vmove.db import plan_models, recovery_models  # noqa: E402,F401
