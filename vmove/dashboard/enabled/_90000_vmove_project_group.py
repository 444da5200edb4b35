# The "Workload Moves" group of the Project dashboard; installs the plugin's app.
from django.utils.translation import gettext_lazy as _

from vmove.client import exceptions as _vmove_exc

PANEL_GROUP = "vmove"
PANEL_GROUP_NAME = _("Workload Moves")
PANEL_GROUP_DASHBOARD = "project"

ADD_INSTALLED_APPS = ["vmove.dashboard"]
# vmove.client's errors, for horizon.exceptions.handle
ADD_EXCEPTIONS = {
    "recoverable": (_vmove_exc.ClientError,),
    "not_found": (_vmove_exc.NotFound,),
    "unauthorized": (_vmove_exc.Unauthorized,),
}
