"""A move's detail page: its timeline (every state change) and its details."""

from django.utils.translation import gettext_lazy as _

from vmove.dashboard import pages
from vmove.dashboard.moves import tables


class TimelineTab(pages.TableTab):
    name = _("Timeline")
    slug = "timeline"
    table_classes = (tables.EventsTable,)

    def get_events_data(self):
        failure = _("Unable to read the timeline of move %(uuid)s")
        return self.listing(failure, lambda vmove, move: vmove.moves.events(move["uuid"]))


class DetailsTab(pages.ObjectTab):
    name = _("Details")
    slug = "details"
    template_name = "vmove_dashboard/moves/_details.html"


class MoveTabs(pages.ObjectTabs):
    slug = "move"
    tabs = (TimelineTab, DetailsTab)
