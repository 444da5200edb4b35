"""Policies of /v1/notifications and their vmoves.

Host recovery acts on a whole compute host and on every project's instances
on it, so everything here is for administrators, as in Masakari
(``rule:admin_api``), with one exception: a notification may also be sent
by a user with the ``service`` role, the role OpenStack gives to
service-to-service users, so that a host monitor (masakari-monitors, a
Pacemaker hook) needs no full admin account to report a failure. Such a
user cannot read notifications or move instances back.
"""

from oslo_policy import policy

from vmove.policies import base

ADMIN_OR_SERVICE = f"({base.ADMIN}) or role:service"

rules = [
    policy.DocumentedRuleDefault(
        name="vmove:notification:create",
        check_str=ADMIN_OR_SERVICE,
        description="Report a host failure (or a host recovered): POST a Masakari-style COMPUTE_HOST notification.",
        operations=[{"path": "/v1/notifications", "method": "POST"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:notification:get_all",
        check_str=base.ADMIN,
        description="List notifications.",
        operations=[{"path": "/v1/notifications", "method": "GET"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:notification:get",
        check_str=base.ADMIN,
        description="Show a notification with its status and progress.",
        operations=[{"path": "/v1/notifications/{notification_id}", "method": "GET"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:notification:restore",
        check_str=base.ADMIN,
        description="Move the instances a notification evacuated back to their host.",
        operations=[{"path": "/v1/notifications/{notification_id}/action (restore)", "method": "POST"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:notification:retry",
        check_str=base.ADMIN,
        description="Run a failed notification's recovery again, for the instances not evacuated yet.",
        operations=[{"path": "/v1/notifications/{notification_id}/action (retry)", "method": "POST"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:notification:vmoves:index",
        check_str=base.ADMIN,
        description="List the VM moves of a notification (Masakari's os_masakari_api:vmoves:index).",
        operations=[{"path": "/v1/notifications/{notification_id}/vmoves", "method": "GET"}],
        scope_types=["project"],
    ),
    policy.DocumentedRuleDefault(
        name="vmove:notification:vmoves:detail",
        check_str=base.ADMIN,
        description="Show a VM move of a notification (Masakari's os_masakari_api:vmoves:detail).",
        operations=[{"path": "/v1/notifications/{notification_id}/vmoves/{vmove_id}", "method": "GET"}],
        scope_types=["project"],
    ),
]


def list_rules():
    return rules
