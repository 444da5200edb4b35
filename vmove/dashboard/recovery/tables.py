"""Host failure notifications and the VM moves each made (Masakari's vmoves columns)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from vmove.dashboard import api, common

STATUSES = common.status_table(
    new=(None, _("New")),
    running=(None, _("Running")),
    finished=(True, _("Finished")),
    failed=(False, _("Failed")),
    ignored=(True, _("Ignored")),
)
#: a restore in progress keeps the row refreshing; "none" is a notification never restored
RESTORE_CHOICES = (("none", True), ("requested", None), ("waiting", None), ("running", None), ("finished", True),
                   ("failed", False))  # fmt: skip
ACTIVE = ("new", "running")
RESTORE_ACTIVE = ("requested", "waiting", "running")


def restore_status(n):
    return (n.get("restore") or {}).get("status") or "none"


def is_active(n) -> bool:
    return n["status"] in ACTIVE or restore_status(n) in RESTORE_ACTIVE


def progress(n):
    restore = n.get("restore") or {}
    if restore_status(n) in RESTORE_ACTIVE:
        return common.progress_bar(restore.get("progress"), True, label=_("restore %s%%") % restore.get("progress", 0))
    return common.progress_bar(n["progress"], n["status"] in ACTIVE, n["status"] == "failed")


class NotificationFilter(tables.FilterAction):
    filter_type = "server"
    filter_choices = (("hostname", _("Host ="), True), ("status", _("Status ="), True))


ReportFailure = common.modal_link(
    "report", _("Report Host Failure"), "horizon:admin:vmove_recovery:report", "bolt", "vmove:notification:create"
)


class Restore(common.ApiAction, tables.BatchAction):
    name = "restore"
    help_text = _("Moves the instances this recovery evacuated back to their host (once it is up again).")
    policy_rules = common.rules("vmove:notification:restore")

    texts = (ngettext_lazy("Restore Host", "Restore Hosts"), ngettext_lazy("Restore requested", "Restores requested"))

    def allowed(self, request, n=None):
        if n is None:
            return True
        return (
            (n["payload"] or {}).get("event") == "STOPPED"
            and n["status"] in ("finished", "failed")
            and (restore_status(n) in ("none", "failed"))
        )


class Retry(common.ApiAction, tables.BatchAction):
    name = "retry"
    help_text = _("Runs the recovery again for the instances not evacuated yet.")
    action_type = "danger"
    policy_rules = common.rules("vmove:notification:retry")

    texts = (ngettext_lazy("Retry Recovery", "Retry Recoveries"), ngettext_lazy("Retry requested", "Retries requested"))

    def allowed(self, request, n=None):
        return n is None or (n["status"] == "failed" and restore_status(n) not in RESTORE_ACTIVE)


class NotificationsTable(common.ObjectsTable):
    hostname = tables.Column("hostname", verbose_name=_("Host"), link="horizon:admin:vmove_recovery:detail")
    event = tables.Column(lambda n: (n["payload"] or {}).get("event"), verbose_name=_("Event"))
    status = common.status_column("status", STATUSES)
    restore = tables.Column(restore_status, verbose_name=_("Restore"), status=True, status_choices=RESTORE_CHOICES)
    progress = tables.Column(progress, verbose_name=_("Progress"))
    generated = tables.Column("generated_time", verbose_name=_("Generated"), filters=common.TIME)
    attempt = tables.Column("attempt", verbose_name=_("Attempt"))
    message = tables.Column("message", verbose_name=_("Message"), truncate=100)

    def get_object_display(self, n):
        return n["hostname"]

    class Meta:
        name = "notifications"
        verbose_name = _("Host failures")
        status_columns = ("status", "restore")
        row_class = common.ApiRow
        table_actions = (NotificationFilter, ReportFailure)
        row_actions = (Restore, Retry)


class VMoveRow(tables.Row):
    ajax = True

    def get_data(self, request, vmove_id):
        notification_id = request.resolver_match.kwargs["notification_id"]
        return api.client(request).notifications.get_vmove(notification_id, vmove_id)


class VMovesTable(common.ObjectsTable):
    """Masakari's vmove columns (uuid, instance, hosts, times, type, status, message) and vmove's progress."""

    uuid = tables.Column("uuid", verbose_name=_("UUID"), link="horizon:admin:vmove_moves:detail")
    instance_uuid = tables.Column("instance_uuid", verbose_name=_("Instance UUID"))
    instance_name = tables.Column("instance_name", verbose_name=_("Instance Name"))
    source_host = tables.Column("source_host", verbose_name=_("Source Host"))
    dest_host = tables.Column("dest_host", verbose_name=_("Destination Host"))
    start_time = tables.Column("start_time", verbose_name=_("Start Time"), filters=common.TIME)
    end_time = tables.Column("end_time", verbose_name=_("End Time"), filters=common.TIME)
    type = common.move_type_column()
    status = common.move_status_column()
    progress = tables.Column(common.move_progress, verbose_name=_("Progress"))
    message = tables.Column("message", verbose_name=_("Message"), truncate=100)

    def get_object_display(self, vmove):
        return vmove.get("instance_name") or vmove["instance_uuid"]

    class Meta:
        name = "vmoves"
        verbose_name = _("VM Moves")
        status_columns = ("status",)
        row_class = VMoveRow
