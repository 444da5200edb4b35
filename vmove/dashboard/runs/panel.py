from django.utils.translation import gettext_lazy as _
import horizon

from vmove.dashboard import common


class Runs(horizon.Panel):
    name = _("Plan Runs")
    slug = "vmove_runs"
    permissions = ("openstack.services.vmove",)
    policy_rules = common.rules("vmove:run:get_all")
