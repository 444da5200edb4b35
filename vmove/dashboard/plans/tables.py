"""Migration plans: the table with its actions (create, edit, validate, run, delete) and a plan's items."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from vmove.dashboard import common
from vmove.dashboard.runs import tables as run_tables

ITEM_STATUS_CHOICES = (
    ("planned", True),
    ("approved", None),
    ("started", None),
    ("completed", True),
    ("failed", False),
)


def mapping(plan):
    parts = []
    for _kind, pairs in sorted((plan.get("mapping") or {}).items()):
        parts += [f"{src} → {dst}" for src, dst in sorted((pairs or {}).items())]
    return ", ".join(parts) or "-"


def limits(plan):
    return ", ".join(f"{k} {v}" for k, v in sorted((plan.get("limits") or {}).items()) if v) or "-"


def window(plan):
    w = plan.get("window") or {}
    if not (w.get("not_before") or w.get("not_after")):
        return "-"
    return f"{w.get('not_before') or '…'} – {w.get('not_after') or '…'}"


CreatePlan = common.modal_link(
    "create", _("Create Plan"), "horizon:project:vmove_plans:create", "plus", "vmove:plan:create"
)
EditPlan = common.modal_link(
    "edit", _("Edit Plan"), "horizon:project:vmove_plans:update", "pencil", "vmove:plan:update", common.ProjectTarget
)


class OrderPlanRun(run_tables.OrderRun):
    """Order a run (or a dry run) of the plan of this row; its page follows."""

    def plan_of(self, request, obj_id):
        return obj_id


class ValidatePlan(OrderPlanRun):
    name = "validate"
    dry_run = True
    action_type = "default"
    help_text = _("A dry run: vmove checks each item against the cloud as it is now and moves nothing.")
    policy_rules = common.rules("vmove:run:create")

    texts = (
        ngettext_lazy("Validate Plan", "Validate Plans"),
        ngettext_lazy("Validation ordered", "Validations ordered"),
    )


class RunPlan(OrderPlanRun):
    name = "run"
    help_text = _("vmove validates every item, then (after approval if the plan asks for it) moves them.")
    policy_rules = common.rules("vmove:run:create")

    texts = (ngettext_lazy("Run Plan", "Run Plans"), ngettext_lazy("Run ordered", "Runs ordered"))


class DeletePlan(common.ProjectTarget, common.ApiAction, tables.DeleteAction):
    policy_rules = common.rules("vmove:plan:delete")
    help_text = _("Its runs and moves stay readable.")

    texts = (ngettext_lazy("Delete Plan", "Delete Plans"), ngettext_lazy("Deleted Plan", "Deleted Plans"))

    def refusal(self, obj_id):
        return _("Unable to delete plan")


class PlansTable(common.ObjectsTable):
    name = tables.Column("name", verbose_name=_("Name"), link="horizon:project:vmove_plans:detail")
    approval = tables.Column("approval", verbose_name=_("Approval"))
    items = tables.Column("item_count", verbose_name=_("Items"))
    mapping = tables.Column(mapping, verbose_name=_("Mapping"), truncate=80)
    limits = tables.Column(limits, verbose_name=_("Limits"))
    window = tables.Column(window, verbose_name=_("Window"))
    updated = common.timesince_column("updated_at", _("Updated"))

    def get_object_display(self, plan):
        return plan["name"]

    class Meta:
        name = "plans"
        verbose_name = _("Migration Plans")
        table_actions = (CreatePlan, DeletePlan)
        row_actions = (ValidatePlan, RunPlan, EditPlan, DeletePlan)


class PlanItemsTable(common.ObjectsTable):
    resource = tables.Column(lambda i: i.get("resource_name") or i["resource_id"], verbose_name=_("Resource"))
    kind = tables.Column("resource_type", verbose_name=_("Kind"))
    type = common.move_type_column(_("Move type"))
    priority = tables.Column("priority", verbose_name=_("Priority"))
    status = tables.Column(
        "migration_status", verbose_name=_("Migration status"), status=True, status_choices=ITEM_STATUS_CHOICES
    )
    message = tables.Column(lambda i: i.get("migration_message") or "-", verbose_name=_("Last failure"))
    attempts = tables.Column(
        lambda i: ", ".join(f"#{a['attempt']} {a['status']}" for a in i.get("attempts") or []) or "-",
        verbose_name=_("Attempts"),
    )

    class Meta:
        name = "items"
        verbose_name = _("Items")


class PlanRunsTable(run_tables.RunsTable):
    class Meta(run_tables.RunsTable.Meta):
        name = "plan_runs"
        columns = ("run", "kind", "approval", "status", "progress", "counts", "message", "created")
        table_actions = ()
        row_actions = ()
        row_class = tables.Row
