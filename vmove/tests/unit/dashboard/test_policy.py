"""vmove's own policy rules decide which buttons Horizon shows; the plugin's policy files are current."""

import pathlib
import subprocess
import sys

from django.test.utils import override_settings
from django.urls import reverse
from openstack_auth import policy

from vmove.tests.unit.dashboard import base

ROOT = pathlib.Path(__file__).resolve().parents[4]
CONF = ROOT / "vmove" / "dashboard" / "conf"
MEMBER = [{"id": "2", "name": "member"}, {"id": "3", "name": "reader"}]
READER = [{"id": "3", "name": "reader"}]
BUTTONS = {
    "horizon:project:vmove_moves:index": ("Move Instance", "Move Volume", "Cancel Move"),
    "horizon:project:vmove_plans:index": ("Create Plan", "Validate Plan", "Run Plan", "Edit Plan", "Delete Plan"),
    "horizon:project:vmove_runs:index": ("Approve Run", "Deny Run", "Cancel Run"),
}


@override_settings(POLICY_CHECK_FUNCTION="openstack_auth.policy.check")
class PolicyTests(base.TestCase):
    user_roles = MEMBER

    def setUp(self):
        policy.reset()
        self.addCleanup(policy.reset)
        super().setUp()
        self.vmove.moves.list.return_value = [base.move(project_id=self.tenant.id)]
        self.vmove.plans.list.return_value = [base.plan(project_id=self.tenant.id)]
        self.vmove.runs.list.return_value = [base.run(project_id=self.tenant.id, status="awaiting_approval")]

    def _setup_user(self, **kwargs):
        super()._setup_user(roles=self.user_roles, **kwargs)

    def test_a_member_has_every_button_of_the_project_panels(self):
        for url, labels in BUTTONS.items():
            res = self.client.get(reverse(url))
            for label in labels:
                self.assertContains(res, label, msg_prefix=url)

    def test_no_admin_panel_for_a_member(self):
        res = self.client.get(reverse("horizon:project:vmove_moves:index"))
        for panel in ("vmove_recovery", "vmove_engines"):
            self.assertNotContains(res, f"/admin/{panel}/")


class ReaderPolicyTests(PolicyTests):
    user_roles = READER

    def test_a_reader_sees_the_pages_without_a_button(self):
        for url, labels in BUTTONS.items():
            res = self.client.get(reverse(url))
            self.assertEqual(res.status_code, 200)
            for label in labels:
                self.assertNotContains(res, label, msg_prefix=url)
        self.assertContains(res, "plan-x")  # the rows are there

    test_a_member_has_every_button_of_the_project_panels = None


@override_settings(POLICY_CHECK_FUNCTION="openstack_auth.policy.check")
class AdminPolicyTests(base.AdminTestCase):
    def setUp(self):
        policy.reset()
        self.addCleanup(policy.reset)
        super().setUp()

    def test_admin_panels(self):
        self.vmove.notifications.list.return_value = [base.notification(status="finished")]
        res = self.client.get(reverse("horizon:admin:vmove_recovery:index"))
        for label in ("Report Host Failure", "Restore Host"):
            self.assertContains(res, label)
        for panel in ("vmove_moves", "vmove_runs", "vmove_recovery", "vmove_engines"):
            self.assertContains(res, f"/admin/{panel}/")


def _generated(command, tmp_path):
    out = tmp_path / "out.yaml"
    subprocess.run([*command, str(out)], check=True, cwd=ROOT, capture_output=True)
    return out.read_text()


def test_the_plugins_policy_file_is_vmoves(tmp_path):
    bin_dir = pathlib.Path(sys.executable).parent
    fresh = _generated(
        [str(bin_dir / "oslopolicy-sample-generator"), "--config-file", "etc/vmove/vmove-policy-generator.conf",
         "--output-file"],
        tmp_path,
    )  # fmt: skip
    assert fresh == (CONF / "vmove_policy.yaml").read_text(), "vmove/dashboard/conf is stale: run tools/gen-samples"


def test_the_plugins_default_policies_are_vmoves(tmp_path):
    script = (
        "import sys\nfrom openstack_dashboard.management.commands.dump_default_policies import Command\n"
        "Command().handle(namespace='vmove', output_file=sys.argv[1])"
    )
    fresh = _generated([sys.executable, "-c", script], tmp_path)
    expected = (CONF / "default_policies" / "vmove.yaml").read_text()
    assert fresh == expected, "vmove/dashboard/conf is stale: run tools/gen-samples"
