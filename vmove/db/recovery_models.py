"""Host recovery: one row per host-failure (or host-recovered) notification.

The moves a notification makes are ordinary ``moves`` rows whose ``origin``
is ``notification:<uuid>`` (evacuations) or ``restore:<uuid>`` (the moves
back); their state changes are ``move_events``. This table holds what is
not a move: the notification as received, where its recovery and its restore
stand, and which engine is setting them up.
"""

import sqlalchemy as sa
from sqlalchemy import orm

from vmove.db.models import Base, TimestampMixin
from vmove.db.types import JSONDict, UTCDateTime


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
    # the claim of the set-up in progress (evacuation or restore): its token, until when
    engine_id = orm.mapped_column(sa.String(36), nullable=True)
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
