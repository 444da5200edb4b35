"""Plans, their items, runs and the runs' verdicts as versioned objects."""

from oslo_versionedobjects import fields as ovo_fields

from vmove.objects import base, fields


@base.VmoveObjectRegistry.register
class PlanItem(base.Row, base.Timestamps):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "uuid": fields.StringField(),
        "plan_id": fields.IntegerField(),
        "resource_type": fields.ResourceTypeField(),
        "resource_id": fields.StringField(),
        "move_type": fields.StringField(),
        "priority": fields.IntegerField(),
    }


@base.VmoveObjectRegistry.register
class Plan(base.Row, base.Timestamps, base.Owner):
    # Version 1.0: Initial version
    # Version 1.1: drains, cold_fallback, schedule
    VERSION = "1.1"
    ADDED = {"1.1": ("drains", "cold_fallback", "schedule")}

    fields = {
        "uuid": fields.StringField(),
        "name": fields.StringField(),
        "description": fields.StringField(nullable=True),
        "mapping": fields.FlexibleDictField(nullable=True),
        "approval": fields.StringField(),
        "max_in_flight": fields.IntegerField(nullable=True),
        "per_source_host": fields.IntegerField(nullable=True),
        "per_dest_host": fields.IntegerField(nullable=True),
        "per_backend": fields.IntegerField(nullable=True),
        "not_before": fields.DateTimeField(nullable=True),
        "not_after": fields.DateTimeField(nullable=True),
        "drains": fields.FlexibleDictField(nullable=True),
        "cold_fallback": ovo_fields.BooleanField(),
        "schedule": fields.FlexibleDictField(nullable=True),
        "items": fields.ListOfObjectsField("PlanItem"),
    }

    #: Plan version -> the PlanItem version it carries
    obj_relationships = {"items": [("1.0", "1.0"), ("1.1", "1.0")]}

    @classmethod
    def _from_db_object(cls, context, obj, db_obj):
        for name in obj.fields:
            if name == "items":
                obj.items = [PlanItem._from_db_object(context, PlanItem(), i) for i in db_obj.items]
            else:
                setattr(obj, name, getattr(db_obj, name))
        obj._context = context
        obj.obj_reset_changes()
        return obj


PlanList = base.list_of(Plan)


@base.VmoveObjectRegistry.register
class Run(base.Row, base.Timestamps, base.Owner, base.Lease):
    # Version 1.0: Initial version
    # Version 1.1: estimate
    VERSION = "1.1"
    ADDED = {"1.1": ("estimate",)}

    fields = {
        "uuid": fields.StringField(),
        "plan_uuid": fields.StringField(),
        "plan_name": fields.StringField(),
        "dry_run": ovo_fields.BooleanField(),
        "approval": fields.StringField(),
        "cross_project": ovo_fields.BooleanField(),
        "status": fields.StringField(),
        "message": fields.StringField(nullable=True),
        "decided_by": fields.StringField(nullable=True),
        "decided_at": fields.DateTimeField(nullable=True),
        "validated_at": fields.DateTimeField(nullable=True),
        "started_at": fields.DateTimeField(nullable=True),
        "finished_at": fields.DateTimeField(nullable=True),
        "counts": fields.FlexibleDictField(nullable=True),
        "progress": fields.IntegerField(),
        "estimate": fields.FlexibleDictField(nullable=True),
    }


RunList = base.list_of(Run)


@base.VmoveObjectRegistry.register
class RunItem(base.Row):
    """A run's verdict on one plan item, the decision on it, and the move made for it."""

    # Version 1.0: Initial version
    # Version 1.1: selector, size, decision, decided_by, decided_at
    VERSION = "1.1"
    ADDED = {"1.1": ("selector", "size", "decision", "decided_by", "decided_at")}

    fields = {
        "run_id": fields.IntegerField(),
        "item_uuid": fields.StringField(),
        "resource_type": fields.ResourceTypeField(),
        "resource_id": fields.StringField(),
        "resource_name": fields.StringField(nullable=True),
        "move_type": fields.StringField(),
        "priority": fields.IntegerField(),
        "verdict": fields.StringField(),
        "code": fields.StringField(nullable=True),
        "reason": fields.StringField(nullable=True),
        "params": fields.FlexibleDictField(nullable=True),
        "source": fields.StringField(nullable=True),
        "dest": fields.StringField(nullable=True),
        "move_uuid": fields.StringField(nullable=True),
        "attempt": fields.IntegerField(nullable=True),
        "created_at": fields.DateTimeField(),
        "selector": fields.StringField(nullable=True),
        "size": fields.IntegerField(nullable=True),
        "decision": fields.StringField(nullable=True),
        "decided_by": fields.StringField(nullable=True),
        "decided_at": fields.DateTimeField(nullable=True),
    }


RunItemList = base.list_of(RunItem)


@base.VmoveObjectRegistry.register
class RunEvent(base.Row):
    """What happened to a run, or to one of its items (``item_uuid``)."""

    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "run_id": fields.IntegerField(),
        "item_uuid": fields.StringField(nullable=True),
        "event": fields.StringField(),
        "user_id": fields.StringField(nullable=True),
        "message": fields.StringField(nullable=True),
        "detail": fields.FlexibleDictField(nullable=True),
        "at": fields.DateTimeField(),
    }
