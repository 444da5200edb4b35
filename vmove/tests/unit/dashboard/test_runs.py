"""Project > Plan Runs and Admin > Plan Runs: the list, a run's page, approve, deny, cancel, run again; a run's
items approved or denied one by one, its history."""

from django.test.utils import override_settings
from django.urls import reverse
from openstack_auth import policy

from vmove.tests.unit.dashboard import base

INDEX = reverse("horizon:project:vmove_runs:index")
ADMIN_INDEX = reverse("horizon:admin:vmove_runs:index")
page = base.detail_url("runs")


class RunsTests(base.TestCase):
    def test_index_is_one_list_call(self):
        runs = [base.run(), base.run(status="awaiting_approval", progress=0)]
        res = self.get_listing(INDEX, "runs", runs, project_id=self.tenant.id)
        self.assertContains(res, "3 items, 3 approved, 0 refused; ongoing 1, succeeded 2")
        self.assertContains(res, "Approve Run")
        self.assertContains(res, 'aria-valuenow="70"')

    def test_run_page_joins_items_with_the_runs_moves_in_one_call(self):
        moves = [base.move(status="succeeded", progress=100), base.move(status="ongoing", progress=30)]
        run = base.run(items=[base.verdict(moves[0]), base.verdict(moves[1]), base.verdict()])
        self.vmove.runs.get.return_value = run
        self.vmove.runs.moves.return_value = moves

        res = self.client.get(page(run))

        self.vmove.runs.get.assert_called_once_with(run["uuid"])
        self.vmove.runs.moves.assert_called_once_with(run["uuid"], limit=2)
        self.vmove.moves.get.assert_not_called()
        items = res.context["items_table"].data
        self.assertEqual([i.get("move") for i in items], [moves[0], moves[1], None])
        self.assertContains(res, "no_capacity: host2 has 512 MB of RAM left")
        self.assertContains(res, 'aria-valuenow="30"')
        self.assertContains(res, "window.location.reload")  # running: the page follows it
        self.assertContains(res, "Cancel Run")

    def test_run_page_pages_its_items(self):
        verdicts = [base.verdict() for _ in range(25)]
        run = base.run(status="validated", dry_run=True, items=verdicts)
        self.vmove.runs.get.return_value = run
        res = self.client.get(page(run))
        self.assertEqual(len(res.context["items_table"].data), 20)
        self.vmove.runs.moves.assert_not_called()  # a validation has no moves
        self.assertContains(res, f"items_marker={verdicts[19]['item_uuid']}")
        self.assertNotContains(res, "window.location.reload")
        res = self.client.get(page(run) + f"?items_marker={verdicts[19]['item_uuid']}")
        self.assertEqual(len(res.context["items_table"].data), 5)

    def test_approve(self):
        self.assert_table_action(INDEX, "runs", "approve", base.run(status="awaiting_approval"))

    def test_approve_refused_shows_vmoves_reason(self):
        run = base.run(status="awaiting_approval")
        self.vmove.runs.get.return_value = run
        self.vmove.runs.moves.return_value = []
        why = f"Run {run['uuid']} is running; only a run awaiting approval can be approved."
        self.assert_refusal_shown(page(run), "runs", "approve", run, self.vmove.runs.approve, why)

    def test_the_deny_form_posts_to_its_run(self):
        run = base.run(status="awaiting_approval")
        url = reverse("horizon:project:vmove_runs:deny", args=(run["uuid"],))
        res = self.client.get(url)
        self.assertContains(res, 'id="deny_run_form"')
        self.assertContains(res, f'action="{url}"')
        self.assertContains(res, "A denied run moves nothing.")

    def test_deny_with_a_reason(self):
        run = base.run(status="awaiting_approval")
        self.vmove.runs.deny.return_value = base.run(uuid=run["uuid"], status="denied")
        url = reverse("horizon:project:vmove_runs:deny", args=(run["uuid"],))
        res = self.client.post(url, {"reason": "not this week"})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, page(run))
        self.vmove.runs.deny.assert_called_once_with(run["uuid"], reason="not this week")

    def test_run_failures_again_opens_the_new_run(self):
        run = base.run(status="failed", progress=100)
        new = base.run(status="validating", plan_uuid=run["plan_uuid"])
        self.vmove.runs.list.return_value = [run]
        self.vmove.plans.run.return_value = new
        res = self.post_action(INDEX, "runs", "run_again", run)
        self.vmove.plans.run.assert_called_once_with(run["plan_uuid"], dry_run=False)
        self.assertRedirectsNoFollow(res, page(new))


def awaiting(*decisions):
    """A run awaiting approval, one item found ok per decision (None: undecided), and one refused item."""
    items = [base.verdict(base.move(), move_uuid=None, attempt=None, decision=d, decided_by=d and "alice",
                          decided_at=d and base.TIME) for d in decisions]  # fmt: skip
    return base.run(status="awaiting_approval", progress=0, items=[*items, base.verdict()])


def deny_item_url(run, item):
    return reverse("horizon:project:vmove_runs:deny_item", args=(run["uuid"], item["item_uuid"]))


def item_action(run, action, item):
    return {"action": f"items__{action}__{item['item_uuid']}"}


class ItemDecisionTests(base.TestCase):
    def show(self, run, events=()):
        self.vmove.runs.get.return_value = run
        self.vmove.runs.events.return_value = list(events)
        return self.client.get(page(run))

    def test_decision_column(self):
        run = awaiting("approved", "denied", None)
        res = self.show(run)
        self.assertContains(res, "Decision")
        self.assertContains(res, "Approved by alice at 2026-11-24 10:00:00")
        self.assertContains(res, "Denied by alice at 2026-11-24 10:00:00")
        rows = {i["item_uuid"]: i for i in res.context["items_table"].data}
        self.assertEqual(len(rows), 4)

    def test_item_actions_only_on_undecided_ok_items_of_a_run_awaiting_approval(self):
        run = awaiting("approved", None)
        decided, open_, refused = run["items"]
        res = self.show(run)
        self.assertContains(res, f"items__approve_item__{open_['item_uuid']}")
        self.assertContains(res, deny_item_url(run, open_))
        for item in (decided, refused):
            self.assertNotContains(res, f"items__approve_item__{item['item_uuid']}")
            self.assertNotContains(res, deny_item_url(run, item))
        self.assertContains(res, 'id="items__action_approve_item"')  # the table's action, for several
        self.assertContains(res, f'value="{open_["item_uuid"]}" class="table-row-multi-select"')
        self.assertContains(res, 'class="table-row-multi-select"', count=1)  # the one item it is offered on

    def test_no_item_action_once_the_run_is_decided(self):
        run = awaiting(None)
        run["status"] = "running"
        res = self.show(run)
        self.assertNotContains(res, "approve_item")
        self.assertNotContains(res, "Deny Item")

    def test_approve_an_item(self):
        run = awaiting(None, None)
        item = run["items"][0]
        self.vmove.runs.get.return_value = run
        res = self.client.post(page(run), item_action(run, "approve_item", item))
        self.assertRedirectsNoFollow(res, page(run))
        self.vmove.runs.approve.assert_called_once_with(run["uuid"], items=[item["item_uuid"]])

    def test_approve_several_items_in_one_call(self):
        run = awaiting(None, "denied", None)
        first, decided, last, refused = run["items"]
        self.vmove.runs.get.return_value = run
        ids = [first["item_uuid"], last["item_uuid"], decided["item_uuid"], refused["item_uuid"]]
        res = self.client.post(page(run), {"action": "items__approve_item", "object_ids": ids})
        self.assertRedirectsNoFollow(res, page(run))
        # the decided and the refused items are not offered: left out
        self.vmove.runs.approve.assert_called_once_with(run["uuid"], items=[first["item_uuid"], last["item_uuid"]])

    def test_approve_an_item_refused_shows_vmoves_reason(self):
        run = awaiting(None)
        item = run["items"][0]
        self.vmove.runs.get.return_value = run
        self.vmove.runs.events.return_value = []
        why = f"Run {run['uuid']} is running: only a run awaiting approval can be approved."
        self.vmove.runs.approve.side_effect = base.vmove_exc.Conflict(why, code=409)
        res = self.client.post(page(run), item_action(run, "approve_item", item), follow=True)
        messages = [str(m) for m in res.context["messages"]]
        self.assertIn(f"Approve Item: {why}", messages)

    def test_the_deny_item_form(self):
        run = awaiting(None)
        url = deny_item_url(run, run["items"][0])
        res = self.client.get(url)
        self.assertContains(res, 'id="deny_item_form"')
        self.assertContains(res, f'action="{url}"')
        self.assertContains(res, "A denied item is not moved")

    def test_deny_an_item_with_a_reason(self):
        run = awaiting(None, None)
        item = run["items"][0]
        self.vmove.runs.deny.return_value = run
        res = self.client.post(deny_item_url(run, item), {"reason": "not this one"})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, page(run))
        self.vmove.runs.deny.assert_called_once_with(run["uuid"], reason="not this one", items=[item["item_uuid"]])

    def test_deny_an_item_without_a_reason(self):
        run = awaiting(None)
        item = run["items"][0]
        self.vmove.runs.deny.return_value = run
        res = self.client.post(deny_item_url(run, item), {"reason": ""})
        self.assertNoFormErrors(res)
        self.vmove.runs.deny.assert_called_once_with(run["uuid"], reason=None, items=[item["item_uuid"]])

    def test_deny_an_item_refused_shows_vmoves_reason(self):
        run = awaiting(None)
        item = run["items"][0]
        why = f"Item {item['item_uuid']} of run {run['uuid']} was already approved by bob at 2026-11-24T10:00:00."
        self.vmove.runs.deny.side_effect = base.vmove_exc.Conflict(why, code=409)
        res = self.client.post(deny_item_url(run, item), {"reason": "no"})
        self.assertEqual(res.status_code, 200)
        self.assertContains(res, why)

    def test_history_tab_lists_the_runs_events_in_one_call(self):
        run = awaiting("approved", "denied")
        approved, denied, _refused = run["items"]
        events = [
            base.resource(at=base.TIME, event="validated", item_uuid=None, user_id=None, message="2 ok, 1 refused.",
                          detail=None),
            base.resource(at=base.TIME, event="approved", item_uuid=approved["item_uuid"], user_id="alice",
                          message="Approved by alice.", detail=None),
            base.resource(at=base.TIME, event="denied", item_uuid=denied["item_uuid"], user_id="alice",
                          message="Denied by alice: not this one", detail={"reason": "not this one"}),
        ]  # fmt: skip
        res = self.show(run, events)
        self.vmove.runs.events.assert_called_once_with(run["uuid"])
        rows = res.context["history_table"].data
        self.assertEqual([r["event"] for r in rows], ["validated", "approved", "denied"])
        self.assertEqual([r["item"] for r in rows], [None, approved["resource_name"], denied["resource_name"]])
        self.assertContains(res, "Denied by alice: not this one")
        self.assertContains(res, 'data-target="#run__history"')
        self.assertContains(res, "2026-11-24 10:00:00")

    def test_history_unreadable_leaves_the_page(self):
        run = awaiting(None)
        self.vmove.runs.get.return_value = run
        self.vmove.runs.events.side_effect = base.vmove_exc.Conflict("no history", code=409)
        res = self.client.get(page(run))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.context["history_table"].data, [])


MEMBER = [{"id": "2", "name": "member"}, {"id": "3", "name": "reader"}]
READER = [{"id": "3", "name": "reader"}]


@override_settings(POLICY_CHECK_FUNCTION="openstack_auth.policy.check")
class MemberItemPolicyTests(base.TestCase):
    """vmove's own rules (vmove:run:approve, vmove:run:deny) decide whether the item actions are offered."""

    user_roles = MEMBER

    def setUp(self):
        policy.reset()
        self.addCleanup(policy.reset)
        super().setUp()

    def _setup_user(self, **kwargs):
        super()._setup_user(roles=self.user_roles, **kwargs)

    def show(self):
        run = awaiting(None)
        run["project_id"] = self.tenant.id
        self.vmove.runs.get.return_value = run
        self.vmove.runs.events.return_value = []
        return self.client.get(page(run))

    def test_item_actions(self):
        res = self.show()
        self.assertContains(res, "Approve Item")
        self.assertContains(res, "Deny Item")


class ReaderItemPolicyTests(MemberItemPolicyTests):
    user_roles = READER

    def test_item_actions(self):
        res = self.show()
        self.assertNotContains(res, "approve_item")
        self.assertNotContains(res, "Deny Item")
        self.assertContains(res, '<th  class="multi_select_column hidden">')  # Horizon hides the boxes


class AdminRunsTests(base.AdminTestCase):
    def test_every_project(self):
        res = self.get_listing(ADMIN_INDEX, "runs", [base.run(project_id="demo-project", status="awaiting_approval")])
        self.assertContains(res, "demo-project")
        self.assertContains(res, "Approve Run")


def test_every_status_of_a_run_has_a_label():
    from vmove import vocabulary
    from vmove.dashboard.runs import tables

    assert [status for status, _final, _shown in tables.STATUSES] == list(vocabulary.RUN_STATUSES)


def test_cancel_is_offered_on_every_run_the_api_cancels():
    """A paused run (its window closed) can be cancelled too, as the lifecycle allows."""
    from vmove.dashboard.runs import tables
    from vmove.plans import lifecycle

    cancellable = {source for (source, event) in lifecycle.RUN.edges if event in ("cancel", "cancel_moves")}
    assert set(tables.CancelRun.statuses) == cancellable
    assert "paused" in tables.CancelRun.statuses
