# The "Workload Moves" group of the Admin dashboard.
from django.utils.translation import gettext_lazy as _

PANEL_GROUP = "vmove_admin"
PANEL_GROUP_NAME = _("Workload Moves")
PANEL_GROUP_DASHBOARD = "admin"
