from oslo_utils import versionutils
from oslo_versionedobjects import base as ovo_base

from vmove.objects import base, fields


@base.VmoveObjectRegistry.register
class Move(base.VmoveObject, ovo_base.VersionedObjectDictCompat):
    # Version 1.0: Initial version
    # Version 1.1: Added enforce_project
    # Version 1.2: Added global_request_id
    VERSION = "1.2"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.StringField(),
        "resource_type": fields.ResourceTypeField(),
        "resource_id": fields.StringField(),
        "resource_name": fields.StringField(nullable=True),
        # a string, not an enum: third-party actions add move types
        "type": fields.StringField(),
        "status": fields.MoveStatusField(),
        "phase": fields.StringField(),
        "source_host": fields.StringField(nullable=True),
        "dest_host": fields.StringField(nullable=True),
        "source_backend": fields.StringField(nullable=True),
        "dest_backend": fields.StringField(nullable=True),
        "source_type": fields.StringField(nullable=True),
        "dest_type": fields.StringField(nullable=True),
        "params": fields.FlexibleDictField(nullable=True),
        "priority": fields.IntegerField(),
        "attempt": fields.IntegerField(),
        "progress": fields.IntegerField(),
        "start_time": fields.DateTimeField(nullable=True),
        "end_time": fields.DateTimeField(nullable=True),
        "message": fields.StringField(nullable=True),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(nullable=True),
        "origin": fields.StringField(),
        "enforce_project": fields.BooleanField(default=False),
        "engine_id": fields.StringField(nullable=True),
        "lease_until": fields.DateTimeField(nullable=True),
        "global_request_id": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(),
        "updated_at": fields.DateTimeField(),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        if target < (1, 2):
            primitive.pop("global_request_id", None)
        if target < (1, 1):
            primitive.pop("enforce_project", None)


@base.VmoveObjectRegistry.register
class MoveList(base.VmoveObject, ovo_base.ObjectListBase):
    # Version 1.0: Initial version
    # Version 1.1: Move 1.1
    # Version 1.2: Move 1.2
    VERSION = "1.2"

    fields = {"objects": fields.ListOfObjectsField("Move")}
