"""Runs of migration plans: the runs table with its decisions, and a run's items with their moves."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from vmove import vocabulary
from vmove.dashboard import api, common

STATUSES = common.status_table(
    validating=(None, _("Validating")),
    awaiting_approval=(None, _("Awaiting approval")),
    approved=(None, _("Approved")),
    running=(None, _("Running")),
    paused=(None, _("Paused")),
    cancelling=(None, _("Cancelling")),
    validated=(True, _("Validated")),
    denied=(True, _("Denied")),
    succeeded=(True, _("Succeeded")),
    failed=(False, _("Failed")),
    cancelled=(True, _("Cancelled")),
)
COUNT_KEYS = ("items", "approved", "refused")


def is_active(run) -> bool:
    return run["status"] not in vocabulary.RUN_FINISHED


def counts(run) -> str:
    """``3 items, 3 approved, 0 refused; succeeded 2, ongoing 1``."""
    found = dict(run.get("counts") or {})
    head = ", ".join(f"{found.pop(k)} {k}" for k in COUNT_KEYS if k in found)
    tail = ", ".join(f"{k} {v}" for k, v in sorted(found.items()) if v)
    return "; ".join(part for part in (head, tail) if part) or "-"


def progress(run):
    return common.progress_bar(run.get("progress"), is_active(run), run["status"] == "failed")


class RunFilter(tables.FilterAction):
    filter_type = "server"
    filter_choices = (("status", _("Status ="), True), ("plan_id", _("Plan ID ="), True))


class RunAction(common.ProjectTarget, common.ApiAction, tables.BatchAction):
    """A confirmed action on a run, which vmove's policy checks against the run's project."""


class Approve(RunAction):
    name = "approve"
    help_text = _("The run's moves start at once, under the plan's limits and window.")
    policy_rules = common.rules("vmove:run:approve")

    texts = (ngettext_lazy("Approve Run", "Approve Runs"), ngettext_lazy("Approved Run", "Approved Runs"))
    statuses = ("awaiting_approval",)


class Deny(common.ProjectTarget, tables.LinkAction):
    name = "deny"
    verbose_name = _("Deny Run")
    url = "horizon:project:vmove_runs:deny"
    classes = ("ajax-modal", "btn-danger")
    policy_rules = common.rules("vmove:run:deny")

    def allowed(self, request, run=None):
        return run is not None and run["status"] == "awaiting_approval"


class CancelRun(RunAction):
    name = "cancel"
    help_text = _("No more moves start; the moves under way are aborted where Nova or Cinder can abort them.")
    action_type = "danger"
    policy_rules = common.rules("vmove:run:cancel")

    texts = (ngettext_lazy("Cancel Run", "Cancel Runs"), ngettext_lazy("Cancelled Run", "Cancelled Runs"))
    #: every run not over, but one already cancelling (a paused run too: its window closed)
    statuses = tuple(status for status in vocabulary.RUN_ACTIVE if status != "cancelling")


class OrderRun(RunAction):
    """Order a run of a plan, then show it (one row: its run page).

    Horizon makes a table's actions once per table class: what one request
    ordered is kept on the request, never on the action.
    """

    help_text = _("vmove validates every item again and moves only what is not completed yet.")
    dry_run = False

    def plan_of(self, request, obj_id):
        return self.table.get_object_by_id(obj_id)["plan_uuid"]

    def call(self, request, obj_id):
        ordered = api.client(request).plans.run(self.plan_of(request, obj_id), dry_run=self.dry_run)
        request.vmove_ordered_runs = getattr(request, "vmove_ordered_runs", []) + [ordered]

    def get_success_url(self, request=None):
        ordered = getattr(request, "vmove_ordered_runs", [])
        if len(ordered) == 1:
            return common.detail_url("runs", ordered[0]["uuid"])
        return super().get_success_url(request)


class RunAgain(OrderRun):
    name = "run_again"
    policy_rules = common.rules("vmove:run:create")

    texts = (
        ngettext_lazy("Run Failures Again", "Run Failures Again"),
        ngettext_lazy("Ordered a new run", "Ordered new runs"),
    )

    def allowed(self, request, run=None):
        return run is None or (not run["dry_run"] and run["status"] in ("failed", "cancelled", "denied"))


class RunsTable(common.ObjectsTable):
    run = tables.Column(lambda r: r["uuid"][:8], verbose_name=_("Run"), link="horizon:project:vmove_runs:detail")
    plan = tables.Column(
        "plan_name",
        verbose_name=_("Plan"),
        link=lambda r: common.detail_url("plans", r["plan_uuid"]),
    )
    kind = tables.Column(lambda r: _("Validation") if r["dry_run"] else _("Run"), verbose_name=_("Kind"))
    approval = tables.Column("approval", verbose_name=_("Approval"))
    status = common.status_column("status", STATUSES)
    progress = tables.Column(progress, verbose_name=_("Progress"))
    counts = tables.Column(counts, verbose_name=_("Counts"))
    message = tables.Column("message", verbose_name=_("Message"), truncate=100)
    created = common.timesince_column("created_at", _("Ordered"))

    def get_object_display(self, run):
        return f"{run['plan_name']} ({run['uuid'][:8]})"

    class Meta:
        name = "runs"
        verbose_name = _("Plan Runs")
        status_columns = ("status",)
        row_class = common.ApiRow
        table_actions = (RunFilter, CancelRun)
        row_actions = (Approve, Deny, CancelRun, RunAgain)


def item_move(item, field, default=None):
    return (item.get("move") or {}).get(field, default)


class ItemsTable(common.ObjectsTable):
    """The verdict on each item of a run, and how its move stands now."""

    id_field = "item_uuid"

    resource = tables.Column(lambda i: i.get("resource_name") or i["resource_id"], verbose_name=_("Resource"))
    kind = tables.Column("resource_type", verbose_name=_("Kind"))
    type = common.move_type_column()
    priority = tables.Column("priority", verbose_name=_("Priority"))
    verdict = tables.Column("verdict", verbose_name=_("Verdict"))
    reason = tables.Column(
        lambda i: f"{i['code']}: {i['reason']}" if i.get("code") else (i.get("reason") or "-"),
        verbose_name=_("Reason"),
    )
    source = tables.Column(lambda i: i.get("source") or "-", verbose_name=_("From"))
    dest = tables.Column(lambda i: i.get("dest") or item_move(i, "dest_host") or "-", verbose_name=_("To"))
    move_status = common.move_status_column(
        lambda i: item_move(i, "status", "-"),
        verbose_name=_("Move"),
        status_choices=common.MOVE_STATUS_CHOICES + (("-", True),),
        link=lambda i: common.detail_url("moves", i["move_uuid"]) if i.get("move_uuid") else None,
    )
    progress = tables.Column(
        lambda i: common.move_progress(i["move"]) if i.get("move") else "-", verbose_name=_("Progress")
    )
    attempt = tables.Column(lambda i: i.get("attempt") or "-", verbose_name=_("Attempt"))

    class Meta:
        name = "items"
        verbose_name = _("Items")
        status_columns = ("move_status",)
        pagination_param = "items_marker"
        prev_pagination_param = "items_prev_marker"
