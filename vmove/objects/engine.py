import datetime

from oslo_utils import timeutils, versionutils
from oslo_versionedobjects import base as ovo_base

from vmove.objects import base, fields


@base.VmoveObjectRegistry.register
class Engine(base.VmoveObject, ovo_base.VersionedObjectDictCompat):
    """A vmove engine process and its last heartbeat."""

    # Version 1.0: Initial version
    # Version 1.1: Added rpc_version
    VERSION = "1.1"

    fields = {
        "id": fields.IntegerField(),
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

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("rpc_version", None)

    def state(self, down_after: float) -> str:
        """'up', 'down' (no heartbeat for ``down_after`` seconds) or 'stopped'."""
        if self.stopped_at is not None:
            return "stopped"
        age = timeutils.utcnow(with_timezone=True) - self.last_heartbeat
        return "up" if age <= datetime.timedelta(seconds=down_after) else "down"


@base.VmoveObjectRegistry.register
class EngineList(base.VmoveObject, ovo_base.ObjectListBase):
    # Version 1.0: Initial version
    # Version 1.1: Engine 1.1
    VERSION = "1.1"

    fields = {"objects": fields.ListOfObjectsField("Engine")}
