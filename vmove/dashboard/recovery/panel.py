from django.utils.translation import gettext_lazy as _
import horizon

from vmove.dashboard import common


class HostRecovery(horizon.Panel):
    name = _("Host Recovery")
    slug = "vmove_recovery"
    permissions = ("openstack.services.vmove",)
    policy_rules = common.rules("vmove:notification:get_all")
