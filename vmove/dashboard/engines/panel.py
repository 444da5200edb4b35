from django.utils.translation import gettext_lazy as _
import horizon

from vmove.dashboard import common


class Engines(horizon.Panel):
    name = _("Engines")
    slug = "vmove_engines"
    permissions = ("openstack.services.vmove",)
    policy_rules = common.rules("vmove:engine:get_all")
