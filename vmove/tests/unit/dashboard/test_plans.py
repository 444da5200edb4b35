"""Project > Migration Plans: list, page, create and edit (vmove's messages beside the fields), validate, run."""

from unittest import mock

from django.urls import reverse
from django.utils.html import escape

from vmove.client import exceptions as vmove_exc
from vmove.dashboard.plans import workflows
from vmove.tests.unit.dashboard import base

INDEX = reverse("horizon:project:vmove_plans:index")
CREATE = reverse("horizon:project:vmove_plans:create")
detail = base.detail_url("plans")
run_page = base.detail_url("runs")


def form(**overrides):
    data = {
        "name": "drain host1",
        "description": "",
        "approval": "manual",
        "instance_type": "live_migration",
        "volume_type": "volume_migration",
        "hosts": "host1 = host2",
        "volume_types": "",
        "backends": "",
        "max_in_flight": "1",
    }
    data.update(overrides)
    return data


class PlanWorkflowTests(base.TestCase):
    def setUp(self):
        super().setUp()
        for target, value in (
            ("openstack_dashboard.api.nova.server_list", (self.servers.list(), False)),
            ("openstack_dashboard.api.cinder.volume_list", self.cinder_volumes.list()),
        ):
            patcher = mock.patch(target, return_value=value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_the_pickers_are_tables_of_the_projects_instances_and_volumes(self):
        res = self.client.get(CREATE)
        self.assertTemplateUsed(res, "vmove_dashboard/plans/_pick_step.html")
        for server in self.servers.list():
            self.assertContains(res, f'name="instances" value="{server.id}"')
        self.assertContains(res, f'name="volumes" value="{self.cinder_volumes.first().id}"')

    def test_create_with_three_instances_limit_one_manual(self):
        servers = self.servers.list()[:3]
        created = base.plan()
        self.vmove.plans.create.return_value = created
        res = self.client.post(CREATE, form(instances=[s.id for s in servers]))
        self.assertNoWorkflowErrors(res)
        self.assertRedirectsNoFollow(res, detail(created))
        self.vmove.plans.create.assert_called_once_with(
            "drain host1",
            description=None,
            approval="manual",
            items=[
                {"resource_type": "instance", "resource_id": s.id, "type": "live_migration", "priority": 0}
                for s in servers
            ],
            mapping={"hosts": {"host1": "host2"}, "volume_types": {}, "backends": {}},
            limits={"max_in_flight": 1, "per_source_host": None, "per_dest_host": None, "per_backend": None},
            window=None,
        )

    def test_vmoves_message_goes_beside_the_field_it_names(self):
        why = "Invalid request body field 'plan.limits.max_in_flight': 0 is less than the minimum of 1."
        self.vmove.plans.create.side_effect = vmove_exc.BadRequest(why, code=400)
        res = self.client.post(CREATE, form(max_in_flight="0"))
        steps = {step.slug: step for step in res.context["workflow"].steps}
        self.assertEqual(steps["limitsaction"].action.errors, {"max_in_flight": [why]})
        self.assertContains(res, escape(why))

    def test_an_items_message_goes_beside_its_picker(self):
        volume = self.cinder_volumes.first()
        why = "Invalid request body field 'plan.items.1.type': move type volume_retype moves a volume, not an instance."
        self.vmove.plans.create.side_effect = vmove_exc.BadRequest(why, code=400)
        res = self.client.post(CREATE, form(instances=[self.servers.first().id], volumes=[volume.id]))
        steps = {step.slug: step for step in res.context["workflow"].steps}
        self.assertEqual(steps["volumesaction"].action.errors, {"volumes": [why]})

    def test_a_mapping_line_without_equals_is_refused_by_the_form(self):
        res = self.client.post(CREATE, form(hosts="host1 host2"))
        self.vmove.plans.create.assert_not_called()
        self.assertContains(res, "Line 1: write &#x27;source = destination&#x27;.")

    def test_edit_keeps_the_items_priorities(self):
        server = self.servers.first()
        plan = base.plan(items=[base.plan_item(server.id, priority=7)], item_count=1)
        self.vmove.plans.get.return_value = plan
        self.vmove.plans.update.return_value = plan
        url = reverse("horizon:project:vmove_plans:update", args=(plan["uuid"],))
        res = self.client.get(url)
        self.assertContains(res, f'value="{server.id}" id="id_instances_0" checked')
        self.assertContains(res, "host1 = host2")
        res = self.client.post(url, form(name=plan["name"], instances=[server.id], instance_type="cold_migration"))
        self.assertRedirectsNoFollow(res, detail(plan))
        kwargs = self.vmove.plans.update.call_args.kwargs
        self.assertEqual(
            kwargs["items"],
            [{"resource_type": "instance", "resource_id": server.id, "type": "cold_migration", "priority": 7}],
        )

    def assertNoWorkflowErrors(self, res):
        if res.status_code == 200 and "workflow" in res.context:
            errors = {step.slug: step.action.errors for step in res.context["workflow"].steps if step.action.errors}
            self.assertEqual(errors, {})


class PlanTableTests(base.TestCase):
    def test_index(self):
        res = self.get_listing(INDEX, "plans", [base.plan(item_count=3)], project_id=self.tenant.id)
        self.assertContains(res, "host1 → host2")
        self.assertContains(res, "max_in_flight 1")
        for label in ("Validate Plan", "Run Plan", "Edit Plan", "Create Plan"):
            self.assertContains(res, label)

    def test_validate_opens_the_dry_run(self):
        plan = base.plan()
        run = base.run(dry_run=True, status="validating", plan_uuid=plan["uuid"])
        self.vmove.plans.list.return_value = [plan]
        self.vmove.plans.run.return_value = run
        res = self.post_action(INDEX, "plans", "validate", plan)
        self.vmove.plans.run.assert_called_once_with(plan["uuid"], dry_run=True)
        self.assertRedirectsNoFollow(res, run_page(run))

    def test_each_request_opens_its_own_run(self):
        # Horizon makes the actions once per table class: nothing of one request may stay on them
        plan = base.plan()
        self.vmove.plans.list.return_value = [plan]
        for _ in range(2):
            run = base.run(status="validating", plan_uuid=plan["uuid"])
            self.vmove.plans.run.return_value = run
            res = self.post_action(INDEX, "plans", "run", plan)
            self.assertRedirectsNoFollow(res, run_page(run))

    def test_run_refused_shows_vmoves_reason(self):
        plan = base.plan()
        self.vmove.plans.list.return_value = [plan]
        why = f"Plan {plan['uuid']} has no items: there is nothing to run."
        self.assert_refusal_shown(INDEX, "plans", "run", plan, self.vmove.plans.run, why)

    def test_detail_tabs(self):
        server = self.servers.first()
        plan = base.plan(items=[base.plan_item(server.id, migration_status="failed", migration_message="no room")])
        self.vmove.plans.get.return_value = plan
        self.vmove.runs.list.return_value = [base.run(plan_uuid=plan["uuid"], status="failed")]
        with mock.patch("openstack_dashboard.api.nova.server_list", return_value=([server], False)):
            res = self.client.get(detail(plan))
        self.assertContains(res, server.name)
        self.assertContains(res, "no room")
        self.assertContains(res, "Run Plan")
        self.vmove.runs.list.assert_called_once_with(plan_id=plan["uuid"], sort_dir="desc", limit=1000)


def test_error_field():
    items = [{"resource_type": "instance"}, {"resource_type": "volume"}]
    assert workflows.error_field("Invalid request body field 'plan.window.not_after': x", items) == "not_after"
    assert workflows.error_field("Invalid request body field 'plan.items.1.resource_id': x", items) == "volumes"
    assert workflows.error_field("Invalid request body field 'plan.mapping.hosts.host1': x", items) == "hosts"
    assert workflows.error_field("Invalid request body field 'plan.name': x", items) == "name"
    assert workflows.error_field("Plan x has a run in progress", items) is None
