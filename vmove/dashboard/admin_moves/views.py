"""Admin > Moves: every project's moves (the project moves' views on another table)."""

from django.utils.translation import gettext_lazy as _
from horizon import tables

from vmove.dashboard import pages
from vmove.dashboard.moves import tables as move_tables
from vmove.dashboard.moves import views as move_views


class AdminMoveFilter(move_tables.MoveFilter):
    filter_choices = move_tables.MoveFilter.filter_choices + (("project_id", _("Project ID ="), True),)


class AdminMovesTable(move_tables.MovesTable):
    resource = tables.Column(move_tables.resource, verbose_name=_("Resource"), link="horizon:admin:vmove_moves:detail")
    project = tables.Column("project_id", verbose_name=_("Project"))

    class Meta(move_tables.MovesTable.Meta):
        name = "moves"
        columns = ("resource", "project", "resource_type", "type", "status", "phase", "progress", "source",
                   "destination", "attempt", "updated", "message")  # fmt: skip
        table_actions = (AdminMoveFilter, move_tables.CancelMove)


IndexView, DetailView = pages.admin_views(move_views, AdminMovesTable, _("All Moves"))
