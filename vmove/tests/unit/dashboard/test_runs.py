"""Project > Plan Runs and Admin > Plan Runs: the list, a run's page, approve, deny, cancel, run again."""

from django.urls import reverse

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
