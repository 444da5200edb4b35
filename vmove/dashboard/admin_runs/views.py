"""Admin > Plan Runs: every project's runs, where an admin approves or denies them."""

from django.utils.translation import gettext_lazy as _
from horizon import tables

from vmove.dashboard import pages
from vmove.dashboard.runs import tables as run_tables
from vmove.dashboard.runs import views as run_views


class AdminRunsTable(run_tables.RunsTable):
    run = tables.Column(lambda r: r["uuid"][:8], verbose_name=_("Run"), link="horizon:admin:vmove_runs:detail")
    project = tables.Column("project_id", verbose_name=_("Project"))

    class Meta(run_tables.RunsTable.Meta):
        name = "runs"
        columns = ("run", "plan", "project", "kind", "approval", "status", "progress", "counts", "message", "created")


IndexView, DetailView = pages.admin_views(run_views, AdminRunsTable, _("All Plan Runs"))
