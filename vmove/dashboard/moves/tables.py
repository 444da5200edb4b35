"""The moves table (Project > Moves, Admin > Moves) and a move's timeline."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from vmove.dashboard import common

#: filter field -> keyword of ``client.moves.list``
FILTERS = {"status": "status", "type": "move_type", "resource_id": "resource_id", "host": "host"}


def resource(move):
    return move.get("resource_name") or move["resource_id"]


def source(move):
    if move["resource_type"] == "volume":
        return move.get("source_backend") or move.get("source_type") or "-"
    return move.get("source_host") or "-"


def destination(move):
    if move["resource_type"] == "volume":
        return move.get("dest_backend") or move.get("dest_type") or "-"
    return move.get("dest_host") or "-"


class MoveFilter(tables.FilterAction):
    filter_type = "server"
    filter_choices = (
        ("status", _("Status ="), True),
        ("type", _("Type ="), True),
        ("resource_id", _("Resource ID ="), True),
        ("host", _("Host ="), True),
    )


MoveInstance = common.modal_link(
    "move_instance", _("Move Instance"), "horizon:project:vmove_moves:move_instance", "arrows", "vmove:move:create"
)
MoveVolume = common.modal_link(
    "move_volume", _("Move Volume"), "horizon:project:vmove_moves:move_volume", "database", "vmove:move:create"
)


class CancelMove(common.ProjectTarget, common.ApiAction, tables.BatchAction):
    name = "cancel"
    help_text = _(
        "A pending move is cancelled at once; a running live migration is aborted through Nova. "
        "A move that cannot be aborted stays as it is, and vmove says why."
    )
    action_type = "danger"
    policy_rules = common.rules("vmove:move:cancel")

    texts = (ngettext_lazy("Cancel Move", "Cancel Moves"), ngettext_lazy("Cancelled Move", "Cancelled Moves"))
    statuses = common.ACTIVE_MOVE_STATUSES

    def refusal(self, obj_id):
        # followed by vmove's reason ("... cannot be aborted: Nova has no abort for an evacuation.")
        return _("Unable to cancel move %s") % obj_id


class MovesTable(common.ObjectsTable):
    resource = tables.Column(resource, verbose_name=_("Resource"), link="horizon:project:vmove_moves:detail")
    resource_type = tables.Column("resource_type", verbose_name=_("Kind"))
    type = common.move_type_column()
    status = common.move_status_column()
    phase = tables.Column("phase", verbose_name=_("Phase"))
    progress = tables.Column(common.move_progress, verbose_name=_("Progress"), classes=("vmove-progress-cell",))
    source = tables.Column(source, verbose_name=_("From"))
    destination = tables.Column(destination, verbose_name=_("To"))
    attempt = tables.Column("attempt", verbose_name=_("Attempt"))
    updated = common.timesince_column("updated_at", _("Updated"))
    message = tables.Column("message", verbose_name=_("Message"), truncate=80)

    def get_object_display(self, move):
        return resource(move)

    class Meta:
        name = "moves"
        verbose_name = _("Moves")
        status_columns = ("status",)
        row_class = common.ApiRow
        table_actions = (MoveFilter, MoveInstance, MoveVolume, CancelMove)
        row_actions = (CancelMove,)


class EventsTable(common.ObjectsTable):
    """A move's timeline: every state change, oldest first."""

    id_field = "id"

    at = tables.Column("at", verbose_name=_("Time"), filters=common.TIME)
    phase = tables.Column(lambda e: f"{e.get('from_phase') or '-'} → {e['to_phase']}", verbose_name=_("Phase"))
    status = tables.Column("status", verbose_name=_("Status"), display_choices=common.MOVE_STATUS_DISPLAY)
    attempt = tables.Column("attempt", verbose_name=_("Attempt"))
    message = tables.Column("message", verbose_name=_("Message"))
    detail = tables.Column(
        lambda e: ", ".join(f"{k}={v}" for k, v in sorted((e.get("detail") or {}).items())) or "-",
        verbose_name=_("Detail"),
        truncate=120,
    )

    class Meta:
        name = "events"
        verbose_name = _("Timeline")
