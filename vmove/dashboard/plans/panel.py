from django.utils.translation import gettext_lazy as _
import horizon

from vmove.dashboard import common


class Plans(horizon.Panel):
    name = _("Migration Plans")
    slug = "vmove_plans"
    permissions = ("openstack.services.vmove",)
    policy_rules = common.rules("vmove:plan:get_all")
