"""Admin > Engines: every vmove engine, its heartbeat, up or down."""

from django.utils.translation import gettext_lazy as _
from horizon import tables
from horizon.utils import filters as hfilters

from vmove.dashboard import api, common

STATES = common.status_table(up=(True, _("Up")), down=(False, _("Down")), stopped=(True, _("Stopped")))
TIMESINCE = (hfilters.parse_isotime, hfilters.timesince_or_never)


class EnginesTable(common.ObjectsTable):
    id_field = "id"
    host = tables.Column("host", verbose_name=_("Host"))
    topic = tables.Column("topic", verbose_name=_("Topic"))
    pid = tables.Column("pid", verbose_name=_("PID"))
    version = tables.Column("version", verbose_name=_("Version"))
    state = common.status_column("state", STATES, verbose_name=_("State"))
    heartbeat = tables.Column("last_heartbeat", verbose_name=_("Last heartbeat"), filters=common.TIME)
    started = tables.Column("started_at", verbose_name=_("Started"), filters=TIMESINCE)
    stopped = tables.Column("stopped_at", verbose_name=_("Stopped"), filters=TIMESINCE)

    class Meta:
        name = "engines"
        verbose_name = _("Engines")
        status_columns = ("state",)


class IndexView(tables.DataTableView):
    table_class = EnginesTable
    template_name = "vmove_dashboard/table.html"
    page_title = _("vmove Engines")

    def get_data(self):
        return api.listing(self.request, _("Unable to list engines"), lambda vmove: vmove.engines.list())
