"""``openstack vmove notification create|list|show|restore|retry`` and
``vmove notification vmove list|show`` (API microversion 1.3, host recovery).

A notification is Masakari's COMPUTE_HOST one: a host stopped (its
instances are evacuated) or started again (``restore`` moves them back).
Its vmoves are shown in Masakari's shape, like ``openstack notification
vmove list|show``.
"""

import datetime

from osc_lib import exceptions
from osc_lib.command import command

from vmove.cli import common, progress, runs
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


def render(restore):
    def text(n) -> tuple[int, str]:
        summary = n.get("vmoves_summary") or {}
        if restore:
            r = n.get("restore") or {}
            done = r.get("status") in client_notifications.RESTORE_TERMINAL_STATUSES
            pct = 100 if done else int(r.get("progress") or 0)
            return pct, f"restore {r.get('status') or '-'}: {runs.counts_text(summary.get('restore') or {})}"
        pct = 100 if n["status"] in client_notifications.TERMINAL_STATUSES else int(n.get("progress") or 0)
        return pct, f"notification {n['status']}: {runs.counts_text(summary.get('evacuation') or {})}"

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


def wait(client, n, parsed_args, stderr, restore=False):
    line = runs.StateProgress(stderr, render(restore))
    try:
        final = client.wait_for_notification(
            n, line, interval=parsed_args.poll_interval, timeout=parsed_args.wait_timeout, restore=restore
        )
    finally:
        line.close()
    return final, report(client, final, stderr, restore)


def show(n):
    return runs.showing(n, FIELDS, hidden=HIDDEN)


class CreateNotification(common.ExitStatus, command.ShowOne):
    _description = (
        "Report a host failure (or recovery), as Masakari's host monitor does (admin).\n\n"
        "STOPPED: the host is fenced and its instances evacuated; STARTED: the host is back. A notification for "
        "a host and event already being handled is answered with that one."
    )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("hostname", metavar="<hostname>", help="Compute host the notification is about")
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
        common.add_wait_options(parser, "the recovery has ended")
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        generated = parsed_args.generated_time or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        n = client.notifications.create(
            parsed_args.hostname,
            generated,
            parsed_args.event,
            host_status=parsed_args.host_status,
            cluster_status=parsed_args.cluster_status,
            notification_type=parsed_args.notification_type,
        )
        if parsed_args.wait:
            n, failed = wait(client, n, parsed_args, self.app.stderr)
            self.exit_status = 1 if failed else 0
        return show(n)


class ListNotification(command.Lister):
    _description = "List host notifications (admin).\n\nNewest first unless sorted otherwise."

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--status",
            metavar="<status>",
            action="append",
            help=f"Only in this status ({', '.join(client_notifications.STATUSES)}); repeat or comma-separate",
        )
        parser.add_argument("--event", metavar="<event>", action="append", help="Only of this event (STOPPED, STARTED)")
        parser.add_argument("--hostname", metavar="<hostname>", help="Only about this host")
        parser.add_argument("--generated-since", metavar="<time>", help="Only generated since this ISO 8601 time")
        runs.add_list_options(parser, "notification", client_notifications.SORT_KEYS)
        parser.add_argument("--long", action="store_true", help="List more fields")
        return parser

    def take_action(self, parsed_args):
        sort_key, sort_dir = parsed_args.sort or (None, None)
        found = self.app.client_manager.vmove.notifications.list(
            status=runs.split(parsed_args.status),
            event=runs.split(parsed_args.event),
            hostname=parsed_args.hostname,
            generated_since=parsed_args.generated_since,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        return runs.listing(found, LONG_FIELDS if parsed_args.long else LIST_FIELDS)


class ShowNotification(command.ShowOne):
    _description = "Show one host notification (admin), with how its evacuations and restores stand"

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("notification", metavar="<notification>", help="Notification (ID)")
        return parser

    def take_action(self, parsed_args):
        return show(self.app.client_manager.vmove.notifications.get(parsed_args.notification))


class _NotificationAction(common.ExitStatus, command.ShowOne):
    action = None
    restore = False

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("notification", metavar="<notification>", help="Notification (ID)")
        common.add_wait_options(parser, f"the {self.action} has ended")
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        n = getattr(client.notifications, self.action)(parsed_args.notification)
        if parsed_args.wait:
            n, failed = wait(client, n, parsed_args, self.app.stderr, restore=self.restore)
            self.exit_status = 1 if failed else 0
        return show(n)


class RestoreNotification(_NotificationAction):
    _description = (
        "Move the instances a host failure evacuated back to the recovered host (admin).\n\n"
        "The restore waits until the host is up and enabled again."
    )
    action = "restore"
    restore = True


class RetryNotification(_NotificationAction):
    _description = "Try the recovery of a failed host notification again (admin)"
    action = "retry"


def filters_option(value):
    key, sep, val = value.partition("=")
    if not sep or key not in VMOVE_FILTERS or not val:
        raise ValueError(value)
    return key, val


class ListNotificationVMove(command.Lister):
    _description = (
        "List the vmoves of a host notification (admin).\n\n"
        "Masakari's shape and options, as 'openstack notification vmove list'."
    )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("notification", metavar="<notification>", help="Notification (ID)")
        parser.add_argument(
            "--status",
            metavar="<status>",
            action="append",
            help=f"Only vmoves in this status ({', '.join(progress.STATUSES)}); repeat or comma-separate",
        )
        parser.add_argument(
            "--type",
            metavar="<type>",
            action="append",
            dest="vmove_type",
            help=f"Only vmoves of this type ({', '.join(client_notifications.VMOVE_TYPES)}); repeatable",
        )
        parser.add_argument(
            "--filters",
            metavar="<key=value>",
            type=filters_option,
            action="append",
            help="Filter as Masakari's client does: status=<status> or type=<type> (repeatable)",
        )
        runs.add_list_options(parser, "vmove", client_notifications.VMOVE_SORT_KEYS)
        parser.add_argument("--long", action="store_true", help="List more fields")
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        sort_key, sort_dir = a.sort or (None, None)
        statuses, types = runs.split(a.status), runs.split(a.vmove_type)
        for key, value in a.filters or []:
            (statuses if key == "status" else types).append(value)
        for s in statuses:
            if s not in progress.STATUSES:
                raise exceptions.CommandError(f"{s!r} is not a vmove status ({', '.join(progress.STATUSES)}).")
        found = self.app.client_manager.vmove.notifications.vmoves(
            a.notification,
            status=statuses,
            vmove_type=types,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=a.limit,
            marker=a.marker,
        )
        return runs.listing(found, VMOVE_LONG_FIELDS if a.long else VMOVE_LIST_FIELDS)


class ShowNotificationVMove(command.ShowOne):
    _description = "Show one vmove of a host notification (admin), as 'openstack notification vmove show'"

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("notification", metavar="<notification>", help="Notification (ID)")
        parser.add_argument("vmove", metavar="<vmove>", help="VMove (ID)")
        return parser

    def take_action(self, parsed_args):
        vmove = self.app.client_manager.vmove.notifications.get_vmove(parsed_args.notification, parsed_args.vmove)
        return runs.showing(vmove, VMOVE_FIELDS)
