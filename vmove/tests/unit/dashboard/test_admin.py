"""Admin > Host Recovery (notifications, their vmoves, restore, retry, the report form) and Admin > Engines."""

from unittest import mock

from django.urls import reverse
from django.utils.html import escape

from vmove.client import exceptions as vmove_exc
from vmove.tests.unit.dashboard import base

INDEX = reverse("horizon:admin:vmove_recovery:index")
REPORT = reverse("horizon:admin:vmove_recovery:report")
ENGINES = reverse("horizon:admin:vmove_engines:index")
detail = base.detail_url("recovery", "admin")


class HostRecoveryTests(base.AdminTestCase):
    def test_index(self):
        running = base.notification()
        done = base.notification(status="finished", progress=100, hostname="host3")
        res = self.get_listing(INDEX, "notifications", [running, done])
        self.assertContains(res, "Report Host Failure")
        self.assertContains(res, f"notifications__restore__{done['uuid']}")  # ended: may be restored
        self.assertNotContains(res, f"notifications__restore__{running['uuid']}")

    def test_detail_has_masakaris_vmove_columns_in_one_call(self):
        n = base.notification(vmoves_summary={"evacuation": {"ongoing": 1, "succeeded": 1}, "restore": {}})
        vmoves = [base.vmove_of(n), base.vmove_of(n, status="succeeded", progress=100)]
        self.vmove.notifications.get.return_value = n
        self.vmove.notifications.vmoves.return_value = vmoves
        res = self.client.get(detail(n))
        self.vmove.notifications.vmoves.assert_called_once_with(n["uuid"], page_size=1000)
        self.vmove.notifications.get_vmove.assert_not_called()
        for column in ("UUID", "Instance UUID", "Instance Name", "Source Host", "Destination Host", "Start Time",
                       "End Time", "Type", "Status", "Message"):  # fmt: skip
            self.assertContains(res, f"{column}\n")
        self.assertContains(res, vmoves[0]["instance_name"])
        self.assertContains(res, "ongoing: 1, succeeded: 1")
        self.assertContains(res, "window.location.reload")

    def test_vmove_row_update_is_one_get(self):
        n = base.notification()
        vmove = base.vmove_of(n, status="succeeded")
        self.vmove.notifications.get.return_value = n
        self.vmove.notifications.get_vmove.return_value = vmove
        res = self.client.get(
            detail(n) + f"?action=row_update&table=vmoves&obj_id={vmove['uuid']}",
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )
        self.assertEqual(res.status_code, 200)
        self.vmove.notifications.get_vmove.assert_called_once_with(n["uuid"], vmove["uuid"])

    def test_restore_refused_shows_vmoves_reason(self):
        n = base.notification(status="finished", progress=100)
        self.vmove.notifications.list.return_value = [n]
        why = f"Nothing to move back: no evacuation of notification {n['uuid']} succeeded."
        self.assert_refusal_shown(INDEX, "notifications", "restore", n, self.vmove.notifications.restore, why)
        self.vmove.notifications.restore.assert_called_once_with(n["uuid"])

    def test_retry(self):
        self.assert_table_action(INDEX, "notifications", "retry", base.notification(status="failed", progress=100))


class ReportFormTests(base.AdminTestCase):
    def setUp(self):
        super().setUp()
        services = [mock.Mock(host=h, state="up", status="enabled") for h in ("host1", "host2")]
        patcher = mock.patch("openstack_dashboard.api.nova.service_list", return_value=services)
        self.service_list = patcher.start()
        self.addCleanup(patcher.stop)

    def test_report_opens_the_notification(self):
        created = base.notification(status="new", progress=0)
        self.vmove.notifications.create.return_value = created
        res = self.client.post(REPORT, {"hostname": "host1", "event": "STOPPED", "generated_time": base.TIME})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, detail(created))
        self.vmove.notifications.create.assert_called_once_with(
            "host1", base.TIME, "STOPPED", host_status=None, cluster_status=None
        )
        self.service_list.assert_called_with(mock.ANY, binary="nova-compute")

    def test_the_form_says_what_vmove_does_and_opens_without_nova(self):
        self.service_list.side_effect = Exception("Nova is down")
        res = self.client.get(REPORT)
        self.assertContains(res, 'id="report_host_failure_form"')
        self.assertContains(res, "vmove evacuates the failed host")
        self.assertTrue(any("Unable to list the compute hosts." in str(m) for m in res.context["messages"]))

    def test_bad_time_beside_the_field(self):
        why = "Invalid request body field 'notification.generated_time': 'yesterday' is not an ISO 8601 time."
        self.vmove.notifications.create.side_effect = vmove_exc.BadRequest(why, code=400)
        res = self.client.post(REPORT, {"hostname": "host1", "event": "STOPPED", "generated_time": "yesterday"})
        self.assertEqual(res.context["form"].errors, {"generated_time": [why]})
        self.assertContains(res, escape(why))


class EnginesTests(base.AdminTestCase):
    def test_engines(self):
        self.vmove.engines.list.return_value = [base.engine(), base.engine(host="node-2", state="down")]
        res = self.client.get(ENGINES)
        self.vmove.engines.list.assert_called_once_with()
        self.assertContains(res, "node-2")
        self.assertContains(res, "status_down")
