from vmove.objects import base, fields


@base.VmoveObjectRegistry.register
class Move(base.Row, base.Timestamps, base.Owner, base.Lease):
    # Version 1.0: Initial version
    # Version 1.1: Added enforce_project
    # Version 1.2: Added global_request_id
    VERSION = "1.2"
    ADDED = {"1.1": ("enforce_project",), "1.2": ("global_request_id",)}

    fields = {
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
        "origin": fields.StringField(),
        "enforce_project": fields.BooleanField(default=False),
        "global_request_id": fields.StringField(nullable=True),
    }


MoveList = base.list_of(Move)
