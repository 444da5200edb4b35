"""Project > Plan Runs: the runs, a run's page (progress, counts, each item with its move and the decision on it,
the run's history), deny a run or one of its items."""

from django.utils.translation import gettext_lazy as _
from horizon.utils import functions as hutils

from vmove.dashboard import api, common, pages
from vmove.dashboard.runs import forms as run_forms
from vmove.dashboard.runs import tables as run_tables


class IndexView(pages.PagedIndexView):
    table_class = run_tables.RunsTable
    page_title = _("Plan Runs")
    list_error = _("Unable to list runs")


def page_of(request, items, table_class, key):
    """One page of ``items`` (already read) by marker: (items, has_prev, has_more)."""
    meta = table_class._meta
    size = hutils.get_page_size(request)
    ids = [item[key] for item in items]
    marker, prev = request.GET.get(meta.pagination_param), request.GET.get(meta.prev_pagination_param)
    if prev in ids:
        end = ids.index(prev)
        start = max(0, end - size)
        return items[start:end], start > 0, True
    start = ids.index(marker) + 1 if marker in ids else 0
    return items[start : start + size], start > 0, start + size < len(items)


class ItemsTab(pages.TableTab):
    name = _("Items")
    slug = "items"
    table_classes = (run_tables.ItemsTable,)
    preload = True

    def get_items_data(self):
        run = self.tab_group.object
        every = run.get("items") or []
        items, self._prev, self._more = page_of(self.request, every, run_tables.ItemsTable, "item_uuid")
        if not any(item.get("move_uuid") for item in items):
            return items
        made = sum(1 for item in every if item.get("move_uuid"))  # one move per item the run moves
        try:
            # ONE call for the moves of the whole run (up to 1000): asking for exactly as many as there are
            # spares the empty last page a full page would ask for
            client = api.client(self.request)
            if made <= api.MAX_PAGE:
                moves = client.runs.moves(run["uuid"], limit=made)
            else:
                moves = client.runs.moves(run["uuid"], page_size=api.MAX_PAGE)
        except Exception:
            api.fail(self.request, _("Unable to read the moves of run %s") % run["uuid"])
            moves = []
        by_uuid = {move["uuid"]: move for move in moves}
        return [dict(item, move=by_uuid.get(item.get("move_uuid"))) for item in items]

    def has_prev_data(self, table):
        return self._prev

    def has_more_data(self, table):
        return self._more


def history(vmove, run):
    """The run's events (ONE call), oldest first, numbered, each with its item's resource (the run names them)."""
    names = {i["item_uuid"]: i.get("resource_name") or i["resource_id"] for i in run.get("items") or []}
    return [
        dict(event, number=n, item=names.get(event.get("item_uuid"), event.get("item_uuid")))
        for n, event in enumerate(vmove.runs.events(run["uuid"]), 1)
    ]


HistoryTab = pages.listing_tab(
    _("History"), "history", run_tables.HistoryTable, _("Unable to read the history of run %(uuid)s"), history
)


class RunTabs(pages.ObjectTabs):
    slug = "run"
    tabs = (ItemsTab, HistoryTab)


class DetailView(pages.DetailView):
    kind = "run"
    tab_group_class = RunTabs
    actions_table = run_tables.RunsTable

    def object_context(self, run):
        kind = _("Validation") if run["dry_run"] else _("Run")
        return {
            "page_title": _("%(kind)s of plan %(plan)s") % {"kind": kind, "plan": run["plan_name"]},
            "summary_template": "vmove_dashboard/runs/_summary.html",
            "progress_bar": run_tables.progress(run),
            "counts": run_tables.counts(run),
            "plan_url": common.detail_url("plans", run["plan_uuid"]),
            **common.refresh_context(run_tables.is_active(run)),
        }


class DenyView(pages.ModalFormView):
    form_class = run_forms.DenyForm
    slug = "deny_run"
    modal_header = page_title = _("Deny Run")
    submit_label = _("Deny Run")
    help_text = _("A denied run moves nothing. The plan can be ordered again.")

    def get_form_kwargs(self):
        return dict(super().get_form_kwargs(), run_id=self.kwargs["run_id"])


class DenyItemView(DenyView):
    form_class = run_forms.DenyItemForm
    slug = "deny_item"
    modal_header = page_title = _("Deny Item")
    submit_label = _("Deny Item")
    help_text = _("A denied item is not moved; the run starts once every item found ok is approved or denied.")

    def get_form_kwargs(self):
        return dict(super().get_form_kwargs(), item_id=self.kwargs["item_id"])
