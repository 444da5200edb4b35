"""Admin > Host Recovery: host failures, one recovery's page with its VM moves, the report form."""

from django.utils.translation import gettext_lazy as _

from vmove.dashboard import api, common, pages
from vmove.dashboard.recovery import forms as recovery_forms
from vmove.dashboard.recovery import tables as recovery_tables


class IndexView(pages.PagedIndexView):
    table_class = recovery_tables.NotificationsTable
    page_title = _("Host Recovery")
    list_error = _("Unable to list host failures")
    project_scoped = False


VMovesTab = pages.listing_tab(
    _("VM Moves"),
    "vmoves",
    recovery_tables.VMovesTable,
    _("Unable to list the VM moves of %(hostname)s"),
    lambda vmove, n: vmove.notifications.vmoves(n["uuid"], page_size=api.MAX_PAGE),
    preload=True,
)
OverviewTab = pages.object_tab(_("Overview"), "overview", "vmove_dashboard/recovery/_overview.html")


class NotificationTabs(pages.ObjectTabs):
    slug = "notification"
    tabs = (VMovesTab, OverviewTab)


class DetailView(pages.DetailView):
    kind = "notification"
    tab_group_class = NotificationTabs
    actions_table = recovery_tables.NotificationsTable

    def object_context(self, n):
        event = (n["payload"] or {}).get("event")
        return {
            "page_title": _("Host %(host)s: %(event)s") % {"host": n["hostname"], "event": event},
            "summary_template": "vmove_dashboard/recovery/_summary.html",
            "progress_bar": recovery_tables.progress(n),
            "restore": n.get("restore") or {},
            "summary": n.get("vmoves_summary") or {},
            **common.refresh_context(recovery_tables.is_active(n)),
        }


class ReportView(pages.ModalFormView):
    form_class = recovery_forms.ReportForm
    slug = "report_host_failure"
    modal_header = page_title = _("Report Host Failure")
    submit_label = _("Report")
    help_text = _(
        "vmove evacuates the failed host's instances, most important first, and records a move per "
        "instance; what the cloud cannot take is marked ignored with the reason. The host must be "
        "down for Nova (fenced): vmove forces it down before evacuating."
    )
