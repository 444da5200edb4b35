import datetime

from oslo_utils import timeutils

from vmove.objects import base, fields


@base.VmoveObjectRegistry.register
class Engine(base.Row):
    """A vmove engine process and its last heartbeat."""

    # Version 1.0: Initial version
    # Version 1.1: Added rpc_version
    VERSION = "1.1"
    ADDED = {"1.1": ("rpc_version",)}

    fields = {
        "engine_id": fields.StringField(),
        "host": fields.StringField(),
        "topic": fields.StringField(),
        "pid": fields.IntegerField(nullable=True),
        "version": fields.StringField(nullable=True),
        "rpc_version": fields.StringField(nullable=True),
        "started_at": fields.DateTimeField(),
        "last_heartbeat": fields.DateTimeField(),
        "stopped_at": fields.DateTimeField(nullable=True),
    }

    def state(self, down_after: float) -> str:
        """'up', 'down' (no heartbeat for ``down_after`` seconds) or 'stopped'."""
        if self.stopped_at is not None:
            return "stopped"
        age = timeutils.utcnow(with_timezone=True) - self.last_heartbeat
        return "up" if age <= datetime.timedelta(seconds=down_after) else "down"


EngineList = base.list_of(Engine)
