# vmove dashboard: vmove's policy rules for Horizon's policy checks.
# Copy into openstack_dashboard/local/local_settings.d/ (exec'd by Horizon's
# settings.py, where POLICY_FILES and DEFAULT_POLICY_FILES are defined).
# VMOVE_POLICY_FILE may name the policy.yaml the vmove API runs with (e.g.
# /etc/vmove/policy.yaml) so that Horizon hides what vmove refuses; the
# default is the sample shipped with the plugin (vmove's defaults).
import os as _os

import vmove.dashboard as _vmove_dashboard

_VMOVE_CONF = _os.path.join(_os.path.dirname(_vmove_dashboard.__file__), "conf")
# absolute paths: os.path.join(POLICY_FILES_PATH, <absolute path>) is the absolute path
POLICY_FILES["vmove"] = globals().get("VMOVE_POLICY_FILE") or _os.path.join(_VMOVE_CONF, "vmove_policy.yaml")  # noqa: F821
DEFAULT_POLICY_FILES["vmove"] = _os.path.join(_VMOVE_CONF, "default_policies", "vmove.yaml")  # noqa: F821
