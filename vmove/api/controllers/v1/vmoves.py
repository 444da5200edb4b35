"""``/v1/notifications/{uuid}/vmoves`` (microversion 1.3): a notification's moves in Masakari's vmove shape.

Existing Masakari clients (openstacksdk ``instance_ha``, ``openstack
notification vmove list/show``, the dashboard's VMoves panel) read these
unchanged: the ``vmoves``/``vmove`` keys and Masakari's field names
(``instance_uuid``, ``instance_name``, a cold migration's type is
``migration``), with vmove's own fields added (phase, priority, attempt,
progress, origin, a link to the move). Unlike Masakari, a vmove is only
found under the notification that made it.
"""

import functools

from oslo_utils import uuidutils
from pecan import rest

from vmove import exception, policy
from vmove.api import microversion, validation
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.schemas import notifications as schemas
from vmove.moves import queries as move_queries
from vmove.recovery import queries

#: vmove's move type -> Masakari's vmove type
TYPE_NAMES = {"cold_migration": "migration"}
#: Masakari's vmove type (or ours) -> vmove's move types
TYPE_FILTER = {"migration": ["cold_migration"], "cold_migration": ["cold_migration"]}
SORT_COLUMNS = {"instance_uuid": "resource_id"}
#: the schemas of 1.3 up to the version before MASAKARI_COMPAT, the Masakari-shaped ones from it
MASAKARI = validation.Change(first="1.3", since=microversion.MASAKARI_COMPAT)


def vmove_view(move, notification_uuid) -> dict:
    view = {
        "id": move.id,
        "uuid": move.uuid,
        "notification_uuid": notification_uuid,
        "instance_uuid": move.resource_id,
        "instance_name": move.resource_name,
        "source_host": move.source_host,
        "dest_host": move.dest_host,
        "start_time": common.isotime(move.start_time),
        "end_time": common.isotime(move.end_time),
        "type": TYPE_NAMES.get(move.type, move.type),
        "status": move.status,
        "message": move.message,
        "created_at": common.isotime(move.created_at),
        "updated_at": common.isotime(move.updated_at),
        "phase": move.phase,
        "priority": move.priority,
        "attempt": move.attempt,
        "progress": move.progress,
        "origin": move.origin,
        "links": [links.make("move", "v1", "moves", move.uuid)],
    }
    # vmove never deletes a move: Masakari's soft-delete fields say so
    view.update(microversion.fields_since(microversion.MASAKARI_COMPAT, deleted=False, deleted_at=None))
    return view


def one_sort(query: dict, default_dir: str) -> dict:
    """``query`` with one ``sort_key`` and ``sort_dir``: the first of those Masakari's clients repeat (1.6)."""

    def first(value, default):
        if isinstance(value, list):
            return value[0] if value else default
        return default if value is None else value

    return dict(
        query, sort_key=first(query.get("sort_key"), "created_at"), sort_dir=first(query.get("sort_dir"), default_dir)
    )


def get_notification_or_404(ctx, uuid):
    if not uuidutils.is_uuid_like(uuid):
        raise exception.NotificationNotFound(notification=uuid)
    return queries.get(ctx, uuid)


class VMovesController(rest.RestController):
    """``/v1/notifications/{notification_uuid}/vmoves``."""

    @common.handler(
        MASAKARI,
        (schemas.VMOVES_RESPONSE_1_3, schemas.VMOVES_RESPONSE_1_6),
        query=(schemas.VMOVES_QUERY_1_3, schemas.VMOVES_QUERY_1_6),
    )
    def get_all(self, notification_uuid, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:vmoves:index")
        n = get_notification_or_404(ctx, notification_uuid)
        filters = {"origins": n.vmove_origins()}
        if "status" in query:
            filters["status"] = query["status"]
        if "type" in query:
            filters["type"] = sorted({t for name in query["type"] for t in TYPE_FILTER.get(name, [name])})
        # Masakari lists newest first; vmove's own namespace oldest first, as it always did
        query = one_sort(query, "desc" if microversion.masakari_requested() else "asc")
        query["sort_key"] = SORT_COLUMNS.get(query["sort_key"], query["sort_key"])
        view = functools.partial(vmove_view, notification_uuid=n.uuid)
        return common.list_page("vmoves", move_queries.get_all, filters, query, view, "notifications", n.uuid, "vmoves")

    @common.handler(MASAKARI, (schemas.VMOVE_RESPONSE_1_3, schemas.VMOVE_RESPONSE_1_6), query=schemas.SHOW_QUERY_1_3)
    def get_one(self, notification_uuid, vmove_uuid, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:notification:vmoves:detail")
        n = get_notification_or_404(ctx, notification_uuid)
        # openstacksdk's get_vmove(<VMove>) asks by Masakari's integer id (1.6): found like a uuid
        by_id = vmove_uuid.isdigit() and microversion.matches(min_version=microversion.MASAKARI_COMPAT)
        try:
            move = move_queries.get(ctx, int(vmove_uuid) if by_id else vmove_uuid, origins=n.vmove_origins())
        except exception.MoveNotFound:
            raise exception.VMoveNotFound(vmove=vmove_uuid, notification=n.uuid) from None
        return {"vmove": vmove_view(move, n.uuid)}
