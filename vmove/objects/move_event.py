from vmove.objects import base, fields


@base.VmoveObjectRegistry.register
class MoveEvent(base.Row):
    """One state change of a move: when, from which phase/status to which, and why."""

    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "move_id": fields.IntegerField(),
        "at": fields.DateTimeField(),
        "from_phase": fields.StringField(nullable=True),
        "to_phase": fields.StringField(),
        "from_status": fields.MoveStatusField(nullable=True),
        "status": fields.MoveStatusField(),
        "attempt": fields.IntegerField(),
        "engine_id": fields.StringField(nullable=True),
        "message": fields.StringField(nullable=True),
        "detail": fields.FlexibleDictField(nullable=True),
    }


MoveEventList = base.list_of(MoveEvent)
