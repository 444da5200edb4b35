"""Project > Migration Plans: the plans, a plan's page (items, runs, settings), create and edit."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions, workflows
from openstack_dashboard.api import cinder, nova

from vmove.dashboard import api, pages
from vmove.dashboard.plans import tables as plan_tables
from vmove.dashboard.plans import workflows as plan_workflows


class IndexView(pages.PagedIndexView):
    table_class = plan_tables.PlansTable
    page_title = _("Migration Plans")
    list_error = _("Unable to list migration plans")


class ItemsTab(pages.TableTab):
    name = _("Items")
    slug = "items"
    table_classes = (plan_tables.PlanItemsTable,)

    def get_items_data(self):
        """The plan's items, with the names Nova and Cinder know them by (the plan has ids only)."""
        items = self.tab_group.object.get("items") or []
        kinds = {item["resource_type"] for item in items}
        names = {}
        try:
            if "instance" in kinds:
                names.update({s.id: s.name for s in nova.server_list(self.request)[0]})
            if "volume" in kinds:
                names.update({v.id: v.name for v in cinder.volume_list(self.request)})
        except Exception:
            exceptions.handle(self.request, _("Unable to read the names of the plan's instances and volumes."))
        return [dict(item, resource_name=names.get(item["resource_id"])) for item in items]


RunsTab = pages.listing_tab(
    _("Runs"),
    "runs",
    plan_tables.PlanRunsTable,
    _("Unable to list the runs of plan %(name)s"),
    lambda vmove, plan: vmove.runs.list(plan_id=plan["uuid"], sort_dir="desc", limit=api.MAX_PAGE),
)


class SettingsTab(pages.ObjectTab):
    name = _("Settings")
    slug = "settings"
    template_name = "vmove_dashboard/plans/_settings.html"

    def get_context_data(self, request):
        plan = self.tab_group.object
        return {
            **super().get_context_data(request),
            "mapping": plan_tables.mapping(plan),
            "limits": plan_tables.limits(plan),
            "window": plan_tables.window(plan),
        }


class PlanTabs(pages.ObjectTabs):
    slug = "plan"
    tabs = (ItemsTab, RunsTab, SettingsTab)


class DetailView(pages.DetailView):
    kind = "plan"
    tab_group_class = PlanTabs
    actions_table = plan_tables.PlansTable

    def object_context(self, plan):
        return {"page_title": _("Plan %s") % plan["name"]}


class CreateView(workflows.WorkflowView):
    workflow_class = plan_workflows.CreatePlan

    def get_initial(self):
        return {"approval": "manual", "instance_type": "live_migration", "volume_type": "volume_migration"}


class UpdateView(pages.ObjectMixin, workflows.WorkflowView):
    workflow_class = plan_workflows.UpdatePlan
    kind = "plan"

    def get_initial(self):
        plan = self.get_object()
        items = plan.get("items") or []
        first = {
            kind: next((i["type"] for i in items if i["resource_type"] == kind), None)
            for kind in ("instance", "volume")
        }
        initial = {
            "name": plan["name"],
            "description": plan.get("description") or "",
            "approval": plan["approval"],
            "instances": [i["resource_id"] for i in items if i["resource_type"] == "instance"],
            "volumes": [i["resource_id"] for i in items if i["resource_type"] == "volume"],
            "instance_type": first["instance"] or "live_migration",
            "volume_type": first["volume"] or "volume_migration",
            **{k: (plan.get("mapping") or {}).get(k) or {} for k in plan_workflows.MAPPING_FIELDS},
            **{k: (plan.get("limits") or {}).get(k) for k in plan_workflows.LIMIT_FIELDS},
            **{k: (plan.get("window") or {}).get(k) or "" for k in ("not_before", "not_after")},
        }
        return initial

    def get_workflow(self):
        workflow = super().get_workflow()
        workflow.plan = self.get_object()
        return workflow
