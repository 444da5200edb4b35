"""Policies of /v1/notifications and their vmoves.

Host recovery acts on a whole compute host and on every project's instances
on it, so everything here is for administrators, as in Masakari
(``rule:admin_api``), with one exception: a notification may also be sent
by a user with the ``service`` role, the role OpenStack gives to
service-to-service users, so that a host monitor (masakari-monitors, a
Pacemaker hook) needs no full admin account to report a failure. Such a
user cannot read notifications or move instances back.
"""

from vmove.policies import base

ADMIN_OR_SERVICE = f"({base.ADMIN}) or role:service"

rules = [
    base.rule(
        "vmove:notification:create",
        ADMIN_OR_SERVICE,
        "Report a host failure (or a host recovered): POST a Masakari-style COMPUTE_HOST notification.",
        "/v1/notifications",
        "POST",
    ),
    base.rule("vmove:notification:get_all", base.ADMIN, "List notifications.", "/v1/notifications", "GET"),
    base.rule(
        "vmove:notification:get",
        base.ADMIN,
        "Show a notification with its status and progress.",
        "/v1/notifications/{notification_id}",
        "GET",
    ),
    base.rule(
        "vmove:notification:restore",
        base.ADMIN,
        "Move the instances a notification evacuated back to their host.",
        "/v1/notifications/{notification_id}/action (restore)",
        "POST",
    ),
    base.rule(
        "vmove:notification:retry",
        base.ADMIN,
        "Run a failed notification's recovery again, for the instances not evacuated yet.",
        "/v1/notifications/{notification_id}/action (retry)",
        "POST",
    ),
    base.rule(
        "vmove:notification:vmoves:index",
        base.ADMIN,
        "List the VM moves of a notification (Masakari's os_masakari_api:vmoves:index).",
        "/v1/notifications/{notification_id}/vmoves",
        "GET",
    ),
    base.rule(
        "vmove:notification:vmoves:detail",
        base.ADMIN,
        "Show a VM move of a notification (Masakari's os_masakari_api:vmoves:detail).",
        "/v1/notifications/{notification_id}/vmoves/{vmove_id}",
        "GET",
    ),
]


def list_rules():
    return rules
