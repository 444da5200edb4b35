"""Runs of migration plans: the runs table with its decisions, a run's items with their moves and the
decision on each (approve or deny them one by one), and the run's history."""

from django import shortcuts
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import messages, tables

from vmove import vocabulary
from vmove.client import exceptions as vmove_exc
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
#: the decision on an item (approval per item, API 1.5)
DECISIONS = (("approved", _("Approved")), ("denied", _("Denied")))
#: the kinds of a run's events (its history)
EVENTS = (
    ("drain", _("Drain resolved")),
    ("validated", _("Validated")),
    ("estimated", _("Estimated")),
    ("approved", _("Approved")),
    ("denied", _("Denied")),
    ("host_disabled", _("Host disabled")),
    ("host_not_disabled", _("Host not disabled")),
    ("paused", _("Paused")),
    ("resumed", _("Resumed")),
)


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


def awaits_approval(run) -> bool:
    return run is not None and run["status"] == "awaiting_approval"


def undecided(item) -> bool:
    """An item found ok at validation that nobody approved or denied yet."""
    return item.get("verdict") == "ok" and not item.get("decision")


def decision(item) -> str:
    """``Approved by <user> at 2026-11-24 10:00:00``; "-" when none."""
    if not item.get("decision"):
        return "-"
    return _("%(decision)s by %(who)s at %(when)s") % {
        "decision": dict(DECISIONS).get(item["decision"], item["decision"]),
        "who": item.get("decided_by") or "-",
        "when": common.api_time(item.get("decided_at")),
    }


class ItemDecision(common.ProjectTarget):
    """An action deciding items of the table's run: offered on an undecided item while the run awaits
    approval (as a table action: while it does); vmove's policy checks it against the run's project."""

    def allowed(self, request, item=None):
        return awaits_approval(self.table.run) and (item is None or undecided(item))

    def get_policy_target(self, request, datum=None):
        return super().get_policy_target(request, self.table.run)


class ApproveItems(ItemDecision, common.ApiAction, tables.BatchAction):
    """Approve the items chosen, in ONE call (vmove decides them together: the run is approved once
    none is left undecided)."""

    name = "approve_item"
    help_text = _("The run starts once every item found ok is approved or denied.")
    policy_rules = common.rules("vmove:run:approve")

    texts = (ngettext_lazy("Approve Item", "Approve Items"), ngettext_lazy("Approved Item", "Approved Items"))

    def handle(self, table, request, obj_ids):
        chosen = [table.get_object_by_id(obj_id) for obj_id in obj_ids]
        chosen = [item for item in chosen if item is not None and table._filter_action(self, request, item)]
        if chosen:
            try:
                api.client(request).runs.approve(table.run["uuid"], items=[i["item_uuid"] for i in chosen])
            except vmove_exc.ApiError as e:
                messages.error(request, f"{self.refusal(None)}: {e.message}")
            else:
                shown = ", ".join(table.get_object_display(i) for i in chosen)
                messages.success(request, f"{self.action_past(len(chosen))}: {shown}")
        return shortcuts.redirect(self.get_success_url(request))


class DenyItem(ItemDecision, tables.LinkAction):
    name = "deny_item"
    verbose_name = _("Deny Item")
    url = "horizon:project:vmove_runs:deny_item"
    classes = ("ajax-modal", "btn-danger")
    policy_rules = common.rules("vmove:run:deny")

    def get_link_url(self, item=None):
        return reverse(self.url, args=(self.table.run["uuid"], item["item_uuid"]))


class ItemRow(tables.Row):
    """An item's row: chosen (its box) for the table's action only where the action is offered."""

    def can_be_selected(self, item):
        return awaits_approval(self.table.run) and undecided(item)


class ItemsTable(common.ObjectsTable):
    """The verdict on each item of a run, the decision on it, and how its move stands now. The run's page
    gives the run to its tabs' tables (``run``): its items are decided while it awaits approval."""

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
    decision = tables.Column(decision, verbose_name=_("Decision"))

    @property
    def run(self):
        return self.kwargs.get("run")

    def get_object_display(self, item):
        return item.get("resource_name") or item["resource_id"]

    class Meta:
        name = "items"
        verbose_name = _("Items")
        status_columns = ("move_status",)
        pagination_param = "items_marker"
        prev_pagination_param = "items_prev_marker"
        row_class = ItemRow
        table_actions = (ApproveItems,)
        row_actions = (ApproveItems, DenyItem)


class HistoryTable(common.ObjectsTable):
    """A run's events, oldest first: validated, decisions on its items, paused, resumed... who, when."""

    id_field = "number"

    at = tables.Column("at", verbose_name=_("When"), filters=common.TIME)
    event = tables.Column("event", verbose_name=_("Event"), display_choices=EVENTS)
    item = tables.Column(lambda e: e.get("item") or "-", verbose_name=_("Item"))
    who = tables.Column(lambda e: e.get("user_id") or "-", verbose_name=_("By"))
    message = tables.Column(lambda e: e.get("message") or "-", verbose_name=_("Message"))

    class Meta:
        name = "history"
        verbose_name = _("History")
