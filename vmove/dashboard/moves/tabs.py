"""A move's detail page: its timeline (every state change) and its details."""

from django.utils.translation import gettext_lazy as _

from vmove.dashboard import pages
from vmove.dashboard.moves import tables

TimelineTab = pages.listing_tab(
    _("Timeline"),
    "timeline",
    tables.EventsTable,
    _("Unable to read the timeline of move %(uuid)s"),
    lambda vmove, move: vmove.moves.events(move["uuid"]),
)
DetailsTab = pages.object_tab(_("Details"), "details", "vmove_dashboard/moves/_details.html")


class MoveTabs(pages.ObjectTabs):
    slug = "move"
    tabs = (TimelineTab, DetailsTab)
