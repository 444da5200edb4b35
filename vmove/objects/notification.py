"""Host-failure (and host-recovered) notifications, and the status values they share."""

from oslo_versionedobjects import base as ovo_base

from vmove.db import recovery_api
from vmove.objects import base, fields

NEW, RUNNING, FINISHED, FAILED, IGNORED = "new", "running", "finished", "failed", "ignored"
STATUSES = (NEW, RUNNING, FINISHED, FAILED, IGNORED)
DONE = (FINISHED, FAILED, IGNORED)

# restore (moves back) of a host-failure notification
RESTORE_REQUESTED, RESTORE_WAITING, RESTORE_RUNNING = "requested", "waiting", "running"
RESTORE_STATUSES = (RESTORE_REQUESTED, RESTORE_WAITING, RESTORE_RUNNING, FINISHED, FAILED)

COMPUTE_HOST = "COMPUTE_HOST"
STOPPED, STARTED = "STOPPED", "STARTED"


@base.VmoveObjectRegistry.register
class Notification(base.VmoveObject, ovo_base.VersionedObjectDictCompat):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.StringField(),
        "type": fields.StringField(),
        "hostname": fields.StringField(),
        "event": fields.StringField(),
        "generated_time": fields.DateTimeField(),
        "payload": fields.FlexibleDictField(),
        "status": fields.StringField(),
        "progress": fields.IntegerField(),
        "message": fields.StringField(nullable=True),
        "attempt": fields.IntegerField(),
        "run_started_at": fields.DateTimeField(nullable=True),
        "processed_at": fields.DateTimeField(nullable=True),
        "finished_at": fields.DateTimeField(nullable=True),
        "related_uuid": fields.StringField(nullable=True),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(nullable=True),
        "engine_id": fields.StringField(nullable=True),
        "claimed_until": fields.DateTimeField(nullable=True),
        "restore_status": fields.StringField(nullable=True),
        "restore_progress": fields.IntegerField(),
        "restore_message": fields.StringField(nullable=True),
        "restore_attempt": fields.IntegerField(),
        "restore_requested_at": fields.DateTimeField(nullable=True),
        "restore_finished_at": fields.DateTimeField(nullable=True),
        "created_at": fields.DateTimeField(),
        "updated_at": fields.DateTimeField(),
    }

    @classmethod
    def get_by_uuid(cls, context, uuid):
        return cls._from_db_object(context, cls(), recovery_api.notification_get(context, uuid))

    @classmethod
    def from_row(cls, context, row):
        return cls._from_db_object(context, cls(), row)

    @property
    def evacuation_origin(self) -> str:
        return f"notification:{self.uuid}"

    @property
    def restore_origin(self) -> str:
        return f"restore:{self.uuid}"

    def vmove_origins(self) -> tuple:
        """The origins of the moves shown as this notification's vmoves.

        A host-failure notification: its evacuations and its moves back. A
        host-recovered (STARTED) notification: the moves back it asked for.
        """
        if self.event == STARTED:
            return (f"restore:{self.related_uuid}",) if self.related_uuid else ()
        return (self.evacuation_origin, self.restore_origin)


@base.VmoveObjectRegistry.register
class NotificationList(base.VmoveObject, ovo_base.ObjectListBase):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Notification")}

    @classmethod
    def get_all(cls, context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="desc"):
        rows = recovery_api.notification_get_all(
            context, filters, limit=limit, marker=marker, sort_key=sort_key, sort_dir=sort_dir
        )
        return ovo_base.obj_make_list(context, cls(context), rows)
