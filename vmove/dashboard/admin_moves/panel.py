from django.utils.translation import gettext_lazy as _
import horizon

from vmove.dashboard import common


class AdminMoves(horizon.Panel):
    name = _("Moves")
    slug = "vmove_moves"
    permissions = ("openstack.services.vmove",)
    policy_rules = common.rules("vmove:move:get_all:all_projects")
