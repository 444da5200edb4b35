"""Django settings of the dashboard's unit tests: Horizon's test settings plus vmove's panels.

Horizon's test settings write a secret key store into the temporary
directory at import and compress into /tmp/ (reference notes, pitfall 6):
both go to a directory of our own, removed at exit.
"""

import atexit
import shutil
import tempfile

_TMP = tempfile.mkdtemp(prefix="vmove-dashboard-tests-")
atexit.register(shutil.rmtree, _TMP, True)
_saved_tempdir, tempfile.tempdir = tempfile.tempdir, _TMP
try:
    from openstack_dashboard.test.settings import *  # noqa: F403
finally:
    tempfile.tempdir = _saved_tempdir

from openstack_dashboard import enabled as _od_enabled  # noqa: E402
from openstack_dashboard.utils import settings as _settings_utils  # noqa: E402

from vmove.dashboard import enabled as _vmove_enabled  # noqa: E402

COMPRESS_ROOT = _TMP

# Horizon's test settings applied openstack_dashboard's enabled files already:
# undo what that added, then apply them again together with vmove's.
for _app in HORIZON_CONFIG.pop("plugins", []):  # noqa: F405
    INSTALLED_APPS.remove(_app)  # noqa: F405
for _key in ("dashboards", "js_files", "js_spec_files", "scss_files", "angular_modules", "xstatic_modules"):
    HORIZON_CONFIG.pop(_key, None)  # noqa: F405
_settings_utils.update_dashboards([_od_enabled, _vmove_enabled], HORIZON_CONFIG, INSTALLED_APPS)  # noqa: F405

# vmove's policy files, as the plugin's local_settings.d snippet sets them (policy checks are
# off in Horizon's tests unless a test turns POLICY_CHECK_FUNCTION on)
exec(open(_vmove_enabled.__file__.replace("enabled/__init__.py", "local_settings.d/_90_vmove.py")).read())
