"""Admin > Host Recovery: host failures, one recovery's page with its VM moves, the report form."""

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import forms, tabs

from vmove.dashboard import api, common
from vmove.dashboard.recovery import forms as recovery_forms
from vmove.dashboard.recovery import tables as recovery_tables

INDEX = "horizon:admin:vmove_recovery:index"


class IndexView(common.PagedIndexView):
    table_class = recovery_tables.NotificationsTable
    page_title = _("Host Recovery")
    list_error = _("Unable to list host failures")

    def list_call(self):
        return api.client(self.request).notifications.list

    def list_filters(self):
        filters = self.get_filters()
        if "status" in filters:
            filters["status"] = filters["status"].lower()
        return filters


class VMovesTab(tabs.TableTab):
    name = _("VM Moves")
    slug = "vmoves"
    table_classes = (recovery_tables.VMovesTable,)
    template_name = "horizon/common/_detail_table.html"
    preload = True

    def get_vmoves_data(self):
        n = self.tab_group.kwargs["notification"]
        try:
            return api.client(self.request).notifications.vmoves(n["uuid"], page_size=api.MAX_PAGE)
        except Exception:
            api.fail(self.request, _("Unable to list the VM moves of %s") % n["hostname"])
            return []


class OverviewTab(tabs.Tab):
    name = _("Overview")
    slug = "overview"
    template_name = "vmove_dashboard/recovery/_overview.html"

    def get_context_data(self, request):
        return {"notification": self.tab_group.kwargs["notification"]}


class NotificationTabs(tabs.DetailTabsGroup):
    slug = "notification"
    tabs = (VMovesTab, OverviewTab)


class DetailView(common.DetailActionsMixin, tabs.TabbedTableView):
    tab_group_class = NotificationTabs
    template_name = "vmove_dashboard/detail.html"
    actions_table = recovery_tables.NotificationsTable

    manager = "notifications"
    object_kwarg = "notification_id"
    index_url = INDEX

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        n = self.get_object()
        context["notification"] = n
        event = (n["payload"] or {}).get("event")
        context["page_title"] = _("Host %(host)s: %(event)s") % {"host": n["hostname"], "event": event}
        context["summary_template"] = "vmove_dashboard/recovery/_summary.html"
        context["progress_bar"] = recovery_tables.progress(n)
        context["restore"] = n.get("restore") or {}
        context["summary"] = n.get("vmoves_summary") or {}
        context.update(common.refresh_context(recovery_tables.is_active(n)))
        return self.header_actions(context, n)

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, notification=self.get_object(), **kwargs)


class ReportView(forms.ModalFormView):
    form_class = recovery_forms.ReportForm
    template_name = "vmove_dashboard/form.html"
    form_id = "report_host_failure_form"
    modal_id = "report_host_failure_modal"
    modal_header = page_title = _("Report Host Failure")
    submit_label = _("Report")
    submit_url = reverse_lazy("horizon:admin:vmove_recovery:report")
    success_url = reverse_lazy(INDEX)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["help_text"] = _(
            "vmove evacuates the failed host's instances, most important first, and records a move per "
            "instance; what the cloud cannot take is marked ignored with the reason. The host must be "
            "down for Nova (fenced): vmove forces it down before evacuating."
        )
        return context

    def get_success_url_from_handled(self, notification):
        return reverse("horizon:admin:vmove_recovery:detail", args=(notification["uuid"],))
