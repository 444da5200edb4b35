"""``/v1/moves``: every move, and every state change of every move."""

import functools

import pecan
from pecan import rest

from vmove import exception, policy, vocabulary
from vmove.api.controllers import links
from vmove.api.controllers.v1 import common
from vmove.api.schemas import moves as schemas
from vmove.moves import queries, service

_FIELDS_1_0, _TIMES_1_0 = vocabulary.MOVE_FIELDS, vocabulary.MOVE_TIMES
_ALL_1_0 = _FIELDS_1_0 + _TIMES_1_0


def move_view(move, base: str | None = None) -> dict:
    """The move as the API shows it (``base``: the API's URL, :func:`links.base_url`, if the caller has it)."""
    return row_view(move.obj_values(_ALL_1_0), base)


def row_view(values, base: str | None = None) -> dict:
    """The move of ``values``, a mapping of its fields: an object's, or a row's (:func:`queries.as_mapping`)."""
    view = {name: values[name] for name in _FIELDS_1_0}
    for name in _TIMES_1_0:
        view[name] = common.isotime(values[name])
    view["links"] = [links.make("self", "v1", "moves", values["uuid"], base=base)]
    return view


def event_view(event) -> dict:
    return {
        "id": event.id,
        "at": common.isotime(event.at),
        "from_phase": event.from_phase,
        "to_phase": event.to_phase,
        "from_status": event.from_status,
        "status": event.status,
        "attempt": event.attempt,
        "message": event.message,
        "detail": event.detail,
    }


def get_move_or_404(ctx, uuid, rule):
    """The move, if the caller may see it; otherwise 404 (another project's moves are not even confirmed
    to exist)."""
    return common.get_or_404(ctx, "move", uuid, queries.get, rule, exception.MoveNotFound(move=uuid))


def list_moves(query, filters, *path):
    """A page of moves (``filters`` and the query's limit, marker and sort), with the next link; made of the rows
    straight."""
    base = links.base_url()
    fetch = functools.partial(queries.get_all, convert=queries.as_mapping)
    return common.list_page("moves", fetch, filters, query, lambda row: row_view(row, base), *path)


class MoveEventsController(rest.RestController):
    """``/v1/moves/{uuid}/events``."""

    @common.handler("1.0", schemas.EVENTS_RESPONSE_1_0, query=schemas.SHOW_QUERY_1_0)
    def get_all(self, move_uuid, *, query):
        ctx = common.context()
        found = common.get_or_404(
            ctx, "move", move_uuid, queries.history, "vmove:move:events", exception.MoveNotFound(move=move_uuid)
        )
        return {"move_uuid": move_uuid, "events": [event_view(e) for e in found.events]}


class MovesController(rest.RestController):
    """``/v1/moves``."""

    events = MoveEventsController()
    _custom_actions = {"action": ["POST"]}

    @common.handler("1.0", schemas.LIST_RESPONSE_1_0, query=schemas.LIST_QUERY_1_0)
    def get_all(self, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:move:get_all")
        filters = {
            k: query[k] for k in ("status", "type", "resource_type", "resource_id", "host", "origin") if k in query
        }
        filters["project_id"] = common.project_filter(ctx, query, "vmove:move:get_all:all_projects")
        if "changes-since" in query:
            filters["changes_since"] = common.parse_time(query["changes-since"], "query parameter 'changes-since'")
        return list_moves(query, filters, "moves")

    @common.handler("1.2", schemas.SHOW_RESPONSE_1_0, body=schemas.CREATE_BODY_1_2)
    def post(self, *, body):
        ctx = common.context()
        policy.authorize(ctx, "vmove:move:create")
        req = body["move"]
        move = service.request_move(
            ctx,
            resource_type=req["resource_type"],
            resource_id=req["resource_id"],
            move_type=req["type"],
            params=req.get("params"),
            priority=req.get("priority", 0),
        )
        common.engine_api().move_requested(ctx, move)
        pecan.response.status = 202
        return {"move": move_view(move)}

    @common.handler("1.2", schemas.SHOW_RESPONSE_1_0, body=schemas.ACTION_BODY_1_2)
    def action(self, move_uuid, *, body):
        ctx = common.context()
        move = get_move_or_404(ctx, move_uuid, "vmove:move:get")
        policy.authorize(ctx, "vmove:move:cancel", {"project_id": move.project_id})
        move = service.cancel_move(ctx, common.conf(), move)
        if move.phase == "aborting":
            common.engine_api().abort_move(ctx, move.uuid)
        pecan.response.status = 202
        return {"move": move_view(move)}

    @common.handler("1.0", schemas.SHOW_RESPONSE_1_0, query=schemas.SHOW_QUERY_1_0)
    def get_one(self, move_uuid, *, query):
        ctx = common.context()
        return {"move": move_view(get_move_or_404(ctx, move_uuid, "vmove:move:get"))}
