"""Project > Moves: the list, one move's page, the move instance / move volume forms."""

from django.utils.translation import gettext_lazy as _

from vmove.dashboard import common, pages
from vmove.dashboard.moves import forms as move_forms
from vmove.dashboard.moves import tables as move_tables
from vmove.dashboard.moves import tabs as move_tabs


class IndexView(pages.PagedIndexView):
    table_class = move_tables.MovesTable
    page_title = _("Moves")
    list_error = _("Unable to list moves")

    def list_filters(self):
        return {move_tables.FILTERS.get(k, k): v for k, v in super().list_filters().items()}


class DetailView(pages.DetailView):
    kind = "move"
    tab_group_class = move_tabs.MoveTabs
    actions_table = move_tables.MovesTable

    def object_context(self, move):
        return {
            "page_title": _("Move of %s") % move_tables.resource(move),
            "summary_template": "vmove_dashboard/moves/_summary.html",
            "progress_bar": common.move_progress(move),
            **common.refresh_context(move["status"] in common.ACTIVE_MOVE_STATUSES),
        }


class MoveFormView(pages.ModalFormView):
    """A modal form asking for a move (of the instance or volume of the URL's ``instance_id`` or
    ``volume_id``, if given); success goes to the new move's page."""

    submit_label = _("Request Move")

    def get_initial(self):
        return {self.form_class.resource_type: self.request.GET.get(self.form_class.resource_type + "_id")}


class MoveInstanceView(MoveFormView):
    form_class = move_forms.MoveInstanceForm
    slug = "move_instance"
    modal_header = page_title = _("Move Instance")
    help_text = _(
        "vmove records the move and every state change of it. A live migration keeps the instance running; "
        "a cold migration stops it, moves it and confirms the resize itself; an evacuation rebuilds an "
        "instance of a failed host elsewhere."
    )


class MoveVolumeView(MoveFormView):
    form_class = move_forms.MoveVolumeForm
    slug = "move_volume"
    modal_header = page_title = _("Move Volume")
    help_text = _(
        "Cinder moves the volume: a migration to another pool keeps its type, a retype changes its type "
        "(and backend if needed), a swap retypes an attached volume while Nova swaps the attachment. "
        "vmove never deletes a source volume that has not been replaced."
    )
