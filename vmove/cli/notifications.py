"""``openstack vmove notification create|list|show|restore|retry`` and
``vmove notification vmove list|show`` (API microversion 1.3, host recovery).

A notification is Masakari's COMPUTE_HOST one: a host stopped (its
instances are evacuated) or started again (``restore`` moves them back).
Its vmoves are shown in Masakari's shape, like ``openstack notification
vmove list|show``.
"""

import datetime
import functools

from osc_lib import exceptions

from vmove.cli import base, common, progress
from vmove.client import notifications as client_notifications

FIELDS = (
    "notification_uuid",
    "type",
    "hostname",
    "generated_time",
    "payload",
    "status",
    "progress",
    "attempt",
    "message",
    "related_notification_uuid",
    "restore",
    "vmoves_summary",
    "created_at",
    "updated_at",
    "finished_at",
)
HIDDEN = ("links", "uuid", "id")
LIST_FIELDS = ("notification_uuid", "type", "hostname", "generated_time", "status", "progress", "payload")
LONG_FIELDS = (
    "notification_uuid",
    "type",
    "hostname",
    "generated_time",
    "status",
    "progress",
    "attempt",
    "payload",
    "restore",
    "related_notification_uuid",
    "created_at",
    "finished_at",
    "message",
)
# Masakari's columns of 'openstack notification vmove list', then vmove's
VMOVE_LIST_FIELDS = ("uuid", "notification_uuid", "instance_uuid", "instance_name", "source_host", "dest_host",
                     "start_time", "end_time", "type", "status")  # fmt: skip
VMOVE_LONG_FIELDS = (*VMOVE_LIST_FIELDS, "phase", "progress", "priority", "attempt", "message")
VMOVE_FIELDS = ("id", "uuid", "notification_uuid", "instance_uuid", "instance_name", "source_host", "dest_host",
                "start_time", "end_time", "type", "status", "message", "phase", "progress", "priority", "attempt",
                "origin", "created_at", "updated_at")  # fmt: skip
#: --filters keys of 'notification vmove list' (Masakari's)
VMOVE_FILTERS = ("status", "type")
NOTIFICATION = (("notification", "Notification (ID)"),)


def render(restore):
    def text(n) -> tuple[int, str]:
        summary = n.get("vmoves_summary") or {}
        if restore:
            r = n.get("restore") or {}
            done = r.get("status") in client_notifications.RESTORE_TERMINAL_STATUSES
            pct = 100 if done else int(r.get("progress") or 0)
            return pct, f"restore {r.get('status') or '-'}: {progress.counts_text(summary.get('restore') or {})}"
        pct = 100 if n["status"] in client_notifications.TERMINAL_STATUSES else int(n.get("progress") or 0)
        return pct, f"notification {n['status']}: {progress.counts_text(summary.get('evacuation') or {})}"

    return text


def report(client, n, stream, restore) -> int:
    """Write what did not go as asked (failed vmoves, the notification's message); how many."""
    if restore:
        r = n.get("restore") or {}
        status, message, good = r.get("status"), r.get("message"), ("finished",)
    else:
        status, message, good = n["status"], n.get("message"), ("finished",)
    if status in good:
        return 0
    try:
        failed = client.notifications.vmoves(n, status=["failed"])
    except Exception:  # noqa: BLE001 - the report is best effort, the status below says it all
        failed = []
    for v in failed:
        stream.write(
            f"VMove {v['uuid']} ({v['type']} of instance {v['instance_uuid']}) failed: "
            f"{v.get('message') or 'no message'}\n"
        )
    what = "Restore of notification" if restore else "Notification"
    stream.write(f"{what} {n['notification_uuid']} {status}: {message or 'no message'}\n")
    return len(failed) + 1


class NotificationShow(base.Show):
    """:class:`~vmove.cli.base.Show` of a notification: --wait shows the progress of its recovery (or with
    ``restore``, of its restore), then what did not go as asked."""

    fields = FIELDS
    hidden = HIDDEN
    restore = False

    def wait(self, client, n, parsed_args):
        wait_for = functools.partial(client.wait_for_notification, restore=self.restore)
        final = progress.follow(wait_for, n, parsed_args, progress.Progress(self.app.stderr, render(self.restore)))
        return final, report(client, final, self.app.stderr, self.restore)


class CreateNotification(NotificationShow):
    _description = (
        "Report a host failure (or recovery), as Masakari's host monitor does (admin).\n\n"
        "STOPPED: the host is fenced and its instances evacuated; STARTED: the host is back. A notification for "
        "a host and event already being handled is answered with that one."
    )
    arguments = (("hostname", "Compute host the notification is about"),)
    waits_for = "the recovery has ended"

    def add_options(self, parser):
        parser.add_argument(
            "--event",
            choices=client_notifications.EVENTS,
            default="STOPPED",
            help="STOPPED (default): the host failed; STARTED: it is back",
        )
        parser.add_argument(
            "--generated-time",
            metavar="<time>",
            help="When the failure was seen (ISO 8601; default: now, UTC)",
        )
        parser.add_argument("--host-status", choices=client_notifications.HOST_STATUSES, help="Payload's host_status")
        parser.add_argument(
            "--cluster-status", choices=client_notifications.CLUSTER_STATUSES, help="Payload's cluster_status"
        )
        parser.add_argument(
            "--type",
            dest="notification_type",
            choices=client_notifications.TYPES,
            default="COMPUTE_HOST",
            help="Notification type (default: COMPUTE_HOST, the only one)",
        )

    def fetch(self, client, parsed_args):
        generated = parsed_args.generated_time or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return client.notifications.create(
            parsed_args.hostname,
            generated,
            parsed_args.event,
            host_status=parsed_args.host_status,
            cluster_status=parsed_args.cluster_status,
            notification_type=parsed_args.notification_type,
        )


class ListNotification(base.List):
    _description = "List host notifications (admin).\n\nNewest first unless sorted otherwise."
    rows = base.Rows("notification", client_notifications.SORT_KEYS, LIST_FIELDS, LONG_FIELDS)
    call = "notifications.list"

    def add_filters(self, parser):
        common.add_status_option(parser, "Only", client_notifications.STATUSES)
        parser.add_argument(
            "--event", metavar="<event>", action=common.CommaList, help="Only of this event (STOPPED, STARTED)"
        )
        parser.add_argument("--hostname", metavar="<hostname>", help="Only about this host")
        parser.add_argument("--generated-since", metavar="<time>", help="Only generated since this ISO 8601 time")


class ShowNotification(NotificationShow):
    _description = "Show one host notification (admin), with how its evacuations and restores stand"
    arguments = NOTIFICATION
    call = "notifications.get"


class RestoreNotification(NotificationShow):
    _description = (
        "Move the instances a host failure evacuated back to the recovered host (admin).\n\n"
        "The restore waits until the host is up and enabled again."
    )
    arguments = NOTIFICATION
    call = "notifications.restore"
    waits_for = "the restore has ended"
    restore = True


class RetryNotification(NotificationShow):
    _description = "Try the recovery of a failed host notification again (admin)"
    arguments = NOTIFICATION
    call = "notifications.retry"
    waits_for = "the retry has ended"


def filters_option(value):
    key, sep, val = value.partition("=")
    if not sep or key not in VMOVE_FILTERS or not val:
        raise ValueError(value)
    return key, val


class ListNotificationVMove(base.List):
    _description = (
        "List the vmoves of a host notification (admin).\n\n"
        "Masakari's shape and options, as 'openstack notification vmove list'."
    )
    arguments = NOTIFICATION
    rows = base.Rows("vmove", client_notifications.VMOVE_SORT_KEYS, VMOVE_LIST_FIELDS, VMOVE_LONG_FIELDS)
    call = "notifications.vmoves"

    def add_filters(self, parser):
        common.add_status_option(parser, "Only vmoves", progress.STATUSES)
        common.add_type_option(parser, "vmove", client_notifications.VMOVE_TYPES, "repeatable")
        parser.add_argument(
            "--filters",
            metavar="<key=value>",
            type=filters_option,
            action="append",
            help="Filter as Masakari's client does: status=<status> or type=<type> (repeatable)",
        )

    def fetch(self, client, parsed_args, **page):
        statuses, types = list(parsed_args.status), list(parsed_args.vmove_type)
        for key, value in parsed_args.filters or []:
            (statuses if key == "status" else types).append(value)
        for s in statuses:
            if s not in progress.STATUSES:
                raise exceptions.CommandError(f"{s!r} is not a vmove status ({', '.join(progress.STATUSES)}).")
        return self.called(client, parsed_args, status=statuses, vmove_type=types, **page)


class ShowNotificationVMove(base.Show):
    _description = "Show one vmove of a host notification (admin), as 'openstack notification vmove show'"
    arguments = (*NOTIFICATION, ("vmove", "VMove (ID)"))
    call = "notifications.get_vmove"
    fields = VMOVE_FIELDS
