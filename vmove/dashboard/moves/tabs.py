"""A move's detail page: its timeline (every state change) and its details."""

from django.utils.translation import gettext_lazy as _
from horizon import tabs

from vmove.dashboard import api, pages
from vmove.dashboard.moves import tables


class TimelineTab(pages.TableTab):
    name = _("Timeline")
    slug = "timeline"
    table_classes = (tables.EventsTable,)

    def get_events_data(self):
        move = self.tab_group.kwargs["move"]
        failure = _("Unable to read the timeline of move %s") % move["uuid"]
        return api.listing(self.request, failure, lambda vmove: vmove.moves.events(move["uuid"]))


class DetailsTab(tabs.Tab):
    name = _("Details")
    slug = "details"
    template_name = "vmove_dashboard/moves/_details.html"

    def get_context_data(self, request):
        return {"move": self.tab_group.kwargs["move"]}


class MoveTabs(tabs.DetailTabsGroup):
    slug = "move"
    tabs = (TimelineTab, DetailsTab)
