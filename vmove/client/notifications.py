"""``/v1/notifications`` (microversion 1.3): host failures, their recovery, restore and retry.

The bodies and the ``vmoves`` answers are Masakari's (a COMPUTE_HOST
notification; ``vmoves``/``vmove`` with ``instance_uuid``...), plus vmove's
own fields.
"""

from vmove import vocabulary
from vmove.client import base

TYPES = ("COMPUTE_HOST",)
EVENTS = ("STOPPED", "STARTED")
HOST_STATUSES = ("NORMAL", "UNKNOWN")
CLUSTER_STATUSES = ("ONLINE", "OFFLINE")
STATUSES = ("new", "running", "finished", "failed", "ignored")
TERMINAL_STATUSES = ("finished", "failed", "ignored")
RESTORE_STATUSES = ("requested", "waiting", "running", "finished", "failed")
RESTORE_TERMINAL_STATUSES = ("finished", "failed")
SORT_KEYS = ("created_at", "updated_at", "generated_time", "status", "type", "hostname")
VMOVE_TYPES, VMOVE_SORT_KEYS = vocabulary.VMOVE_TYPES, vocabulary.VMOVE_SORT_KEYS
MIN_VERSION = "1.3"


def _id(notification) -> str:
    if isinstance(notification, dict):
        return notification.get("notification_uuid") or notification["uuid"]
    return str(notification)


class NotificationManager(base.Manager):
    def create(self, hostname, generated_time, event="STOPPED", *, host_status=None, cluster_status=None,
               notification_type="COMPUTE_HOST"):  # fmt: skip
        """Report a host failure (STOPPED) or recovery (STARTED).

        A notification for a host and event already being handled is
        answered with that one, and starts nothing.
        """
        payload = {"event": event}
        if host_status:
            payload["host_status"] = host_status
        if cluster_status:
            payload["cluster_status"] = cluster_status
        body = {
            "notification": {
                "type": notification_type,
                "hostname": hostname,
                "generated_time": generated_time,
                "payload": payload,
            }
        }
        return self._post("/v1/notifications", "notification", body, min_version=MIN_VERSION)

    def list(self, *, status=None, notification_type=None, event=None, hostname=None, generated_since=None,
             sort_key=None, sort_dir=None, limit=None, marker=None):  # fmt: skip
        """Notifications, newest first unless sorted otherwise; every page unless ``limit`` caps how many."""
        params = base.query(
            status=status, type=notification_type, event=event, hostname=hostname, sort_key=sort_key, sort_dir=sort_dir
        )
        if generated_since:
            params["generated-since"] = generated_since
        return self._list("/v1/notifications", "notifications", params=params, limit=limit, marker=marker,
                          min_version=MIN_VERSION)  # fmt: skip

    def get(self, notification):
        """One notification, with ``vmoves_summary`` (counts per status of its evacuations and restores)."""
        return self._get(f"/v1/notifications/{_id(notification)}", "notification", min_version=MIN_VERSION)

    def restore(self, notification):
        """Ask for the instances a host failure evacuated to be moved back to the recovered host."""
        return self._action(f"/v1/notifications/{_id(notification)}", "restore", key="notification",
                            min_version=MIN_VERSION)  # fmt: skip

    def retry(self, notification):
        """Ask for the recovery of a failed notification to be tried again."""
        return self._action(f"/v1/notifications/{_id(notification)}", "retry", key="notification",
                            min_version=MIN_VERSION)  # fmt: skip

    def vmoves(self, notification, *, status=None, vmove_type=None, sort_key=None, sort_dir=None, limit=None,
               marker=None, page_size=None):  # fmt: skip
        """The moves a notification made, Masakari-shaped; every page unless ``limit`` caps how many
        (``page_size`` per request when reading them all)."""
        params = base.query(status=status, type=vmove_type, sort_key=sort_key, sort_dir=sort_dir)
        return self._list(f"/v1/notifications/{_id(notification)}/vmoves", "vmoves", params=params, limit=limit,
                          marker=marker, page_size=page_size, min_version=MIN_VERSION)  # fmt: skip

    def get_vmove(self, notification, vmove):
        vmove_id = vmove["uuid"] if isinstance(vmove, dict) else str(vmove)
        return self._get(f"/v1/notifications/{_id(notification)}/vmoves/{vmove_id}", "vmove",
                         min_version=MIN_VERSION)  # fmt: skip
