"""A move's detail page: its timeline (every state change) and its details."""

from django.utils.translation import gettext_lazy as _
from horizon import tabs

from vmove.dashboard import api
from vmove.dashboard.moves import tables


class TimelineTab(tabs.TableTab):
    name = _("Timeline")
    slug = "timeline"
    table_classes = (tables.EventsTable,)
    template_name = "horizon/common/_detail_table.html"

    def get_events_data(self):
        move = self.tab_group.kwargs["move"]
        try:
            return api.client(self.request).moves.events(move["uuid"])
        except Exception:
            api.fail(self.request, _("Unable to read the timeline of move %s") % move["uuid"])
            return []


class DetailsTab(tabs.Tab):
    name = _("Details")
    slug = "details"
    template_name = "vmove_dashboard/moves/_details.html"

    def get_context_data(self, request):
        return {"move": self.tab_group.kwargs["move"]}


class MoveTabs(tabs.DetailTabsGroup):
    slug = "move"
    tabs = (TimelineTab, DetailsTab)
