"""Project > Moves and Admin > Moves: list, pages, filters, detail, cancel, the two forms."""

from django.urls import reverse

from vmove.client import exceptions as vmove_exc
from vmove.tests.unit.dashboard import base

INDEX = reverse("horizon:project:vmove_moves:index")
ADMIN_INDEX = reverse("horizon:admin:vmove_moves:index")
INSTANCE_FORM = reverse("horizon:project:vmove_moves:move_instance")
VOLUME_FORM = reverse("horizon:project:vmove_moves:move_volume")
detail = base.detail_url("moves")


class ProjectMovesTests(base.TestCase):
    def test_index_is_one_list_call_for_the_project(self):
        moves = [base.move(), base.move(status="succeeded", progress=100, phase="succeeded")]
        res = self.get_listing(INDEX, "moves", moves, project_id=self.tenant.id)
        self.assertTemplateUsed(res, "vmove_dashboard/table.html")
        self.assertEqual(list(res.context["table"].data), moves)
        content = res.content.decode()
        self.assertIn(moves[0]["resource_name"], content)
        self.assertIn('aria-valuenow="40"', content)  # progress bar
        self.assertIn("progress-bar-striped", content)  # the ongoing one is animated
        self.assertIn("ajax-update", content)
        # the token and the catalog's endpoint: keystoneauth session of the user's token, fixed microversion
        session = self.client_class.call_args.args[0]
        self.assertEqual(session.auth.get_token(session), self.token.id)
        self.assertEqual(session.get_endpoint(), base.VMOVE_URL)
        self.assertEqual(self.client_class.call_args.kwargs["api_version"], "1.5")

    def test_pages_with_markers(self):
        moves = [base.move() for _ in range(21)]
        self.vmove.moves.list.return_value = moves
        res = self.client.get(INDEX)
        self.assertEqual(len(res.context["table"].data), 20)
        self.assertContains(res, f"marker={moves[19]['uuid']}")

        self.vmove.moves.list.reset_mock()
        self.vmove.moves.list.return_value = moves[20:]
        res = self.client.get(INDEX + f"?marker={moves[19]['uuid']}")
        self.vmove.moves.list.assert_called_once_with(
            limit=21, marker=moves[19]["uuid"], sort_dir="desc", project_id=self.tenant.id
        )
        self.assertContains(res, f"prev_marker={moves[20]['uuid']}")
        self.assertNotContains(res, 'href="?marker=')  # no next page

    def test_prev_page_asks_backwards(self):
        moves = [base.move() for _ in range(3)]
        self.vmove.moves.list.return_value = list(reversed(moves))
        res = self.client.get(INDEX + "?prev_marker=abc")
        self.vmove.moves.list.assert_called_once_with(limit=21, marker="abc", sort_dir="asc", project_id=self.tenant.id)
        self.assertEqual(list(res.context["table"].data), moves)

    def test_server_filter(self):
        self.vmove.moves.list.return_value = []
        res = self.client.post(INDEX, {"moves__filter__q_field": "status", "moves__filter__q": "Ongoing"})
        self.assertRedirectsNoFollow(res, INDEX)
        self.client.get(INDEX)
        self.vmove.moves.list.assert_called_with(
            limit=21, marker=None, sort_dir="desc", project_id=self.tenant.id, status="ongoing"
        )
        self.client.post(INDEX, {"moves__filter__q_field": "type", "moves__filter__q": "evacuation"})
        self.client.get(INDEX)
        self.vmove.moves.list.assert_called_with(
            limit=21, marker=None, sort_dir="desc", project_id=self.tenant.id, move_type="evacuation"
        )

    def test_list_error_shows_vmoves_message(self):
        self.vmove.moves.list.side_effect = vmove_exc.BadRequest("Invalid query parameter 'status'.", code=400)
        res = self.client.get(INDEX)
        self.assertEqual(res.context["table"].data, [])
        self.assertMessageCount(res, error=1)

    def test_ajax_row_update_is_one_get(self):
        move = base.move(status="succeeded", progress=100)
        self.vmove.moves.get.return_value = move
        res = self.client.get(
            INDEX + f"?action=row_update&table=moves&obj_id={move['uuid']}", HTTP_X_REQUESTED_WITH="XMLHttpRequest"
        )
        self.assertEqual(res.status_code, 200)
        self.vmove.moves.get.assert_called_once_with(move["uuid"])
        self.vmove.moves.list.assert_not_called()
        self.assertContains(res, "status_up")

    def test_detail_shows_timeline_and_refreshes_while_active(self):
        move = base.move()
        self.vmove.moves.get.return_value = move
        self.vmove.moves.events.return_value = [
            base.event(1, "queued", "pending", "Move requested."),
            base.event(2, "migrating", "ongoing", "Nova is migrating the instance.", from_phase="queued"),
        ]
        res = self.client.get(detail(move))
        self.assertTemplateUsed(res, "vmove_dashboard/detail.html")
        self.assertContains(res, "Move requested.")
        self.assertContains(res, "queued → migrating")
        self.assertContains(res, "window.location.reload")
        self.assertContains(res, "Cancel Move")
        self.vmove.moves.get.assert_called_once_with(move["uuid"])

    def test_a_timeline_vmove_cannot_read_is_said_with_the_moves_id(self):
        move = base.move()
        self.vmove.moves.get.return_value = move
        self.vmove.moves.events.side_effect = vmove_exc.ApiError("no events")
        res = self.client.get(detail(move))
        messages = [str(m) for m in res.context["messages"]]
        self.assertIn(f"Unable to read the timeline of move {move['uuid']}: no events", messages)

    def test_detail_of_an_ended_move_neither_refreshes_nor_offers_cancel(self):
        move = base.move(status="succeeded", phase="succeeded", progress=100)
        self.vmove.moves.get.return_value = move
        self.vmove.moves.events.return_value = []
        res = self.client.get(detail(move))
        self.assertNotContains(res, "window.location.reload")
        self.assertNotContains(res, "Cancel Move")

    def test_cancel_from_the_table(self):
        self.assert_table_action(INDEX, "moves", "cancel", base.move())

    def test_cancel_refused_shows_vmoves_reason(self):
        move = base.move(type="evacuation")
        self.vmove.moves.get.return_value = move
        why = (
            f"Move {move['uuid']} (evacuation) is rebuilding and cannot be aborted: "
            "Nova has no abort for an evacuation."
        )
        self.assert_refusal_shown(detail(move), "moves", "cancel", move, self.vmove.moves.cancel, why)


class MoveFormTests(base.TestCase):
    def setUp(self):
        super().setUp()
        self.mock_servers = self.patch_nova_servers()

    def patch_nova_servers(self):
        from unittest import mock

        patcher = mock.patch("openstack_dashboard.api.nova.server_list", return_value=(self.servers.list(), False))
        self.addCleanup(patcher.stop)
        return patcher.start()

    def test_move_instance(self):
        server = self.servers.first()
        created = base.move(resource_id=server.id)
        self.vmove.moves.create.return_value = created
        res = self.client.post(INSTANCE_FORM, {"instance": server.id, "move_type": "live_migration", "host": "host2"})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, detail(created))
        self.vmove.moves.create.assert_called_once_with(
            "instance", server.id, "live_migration", params={"host": "host2"}, priority=None
        )

    def test_the_form_lists_the_instances_and_opens_without_nova(self):
        res = self.client.get(INSTANCE_FORM)
        self.assertContains(res, 'id="move_instance_form"')
        self.assertContains(res, "A live migration keeps the instance running")
        self.assertContains(res, self.servers.first().name)
        self.mock_servers.side_effect = Exception("Nova is down")
        res = self.client.get(INSTANCE_FORM)
        self.assertTrue(any("Unable to list your instances." in str(m) for m in res.context["messages"]))

    def test_move_instance_conflict_beside_the_instance(self):
        server = self.servers.first()
        why = f"Instance {server.id} already has move 123 (live_migration, ongoing)."
        self.vmove.moves.create.side_effect = vmove_exc.Conflict(why, code=409)
        res = self.client.post(INSTANCE_FORM, {"instance": server.id, "move_type": "cold_migration"})
        self.assertEqual(res.context["form"].errors, {"instance": [why]})

    def test_bad_host_message_beside_the_host(self):
        server = self.servers.first()
        why = "Invalid live_migration parameter 'host': 'a b' does not match '^\\S+$'."
        self.vmove.moves.create.side_effect = vmove_exc.BadRequest(why, code=400)
        res = self.client.post(INSTANCE_FORM, {"instance": server.id, "move_type": "live_migration", "host": "a b"})
        self.assertEqual(res.context["form"].errors, {"host": [why]})


class MoveVolumeFormTests(base.TestCase):
    def setUp(self):
        super().setUp()
        from unittest import mock

        for name, value in (
            ("volume_list", self.cinder_volumes.list()),
            ("volume_type_list", self.cinder_volume_types.list()),
        ):
            patcher = mock.patch(f"openstack_dashboard.api.cinder.{name}", return_value=value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_swap_without_destination_type_shows_vmoves_message_beside_the_field(self):
        volume = self.cinder_volumes.first()
        why = "destination type is required when migration type is swap"
        self.vmove.moves.create.side_effect = vmove_exc.BadRequest(why, code=400)
        res = self.client.post(VOLUME_FORM, {"volume": volume.id, "move_type": "volume_swap"})
        self.assertEqual(res.context["form"].errors, {"destination_type": [why]})
        self.vmove.moves.create.assert_called_once_with("volume", volume.id, "volume_swap", params=None, priority=None)
        self.assertContains(res, why)

    def test_migrate_to_a_pool(self):
        volume = self.cinder_volumes.first()
        created = base.move(resource_type="volume", resource_id=volume.id, type="volume_migration")
        self.vmove.moves.create.return_value = created
        res = self.client.post(
            VOLUME_FORM,
            {"volume": volume.id, "move_type": "volume_migration", "migration_type": "migrate",
             "destination_node": "dev@a2#a2", "priority": "5"},
        )  # fmt: skip
        self.assertRedirectsNoFollow(res, detail(created))
        self.vmove.moves.create.assert_called_once_with(
            "volume", volume.id, "volume_migration",
            params={"migration_type": "migrate", "destination_node": "dev@a2#a2"}, priority=5,
        )  # fmt: skip


class AdminMovesTests(base.AdminTestCase):
    def test_every_project_with_its_column(self):
        moves = [base.move(project_id="other-project")]
        res = self.get_listing(ADMIN_INDEX, "moves", moves)
        self.assertContains(res, "other-project")
        self.assertContains(res, base.detail_url("moves", "admin")(moves[0]))
