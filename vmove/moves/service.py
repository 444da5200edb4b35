"""Asking for moves and cancelling them: used by the API, host recovery and plan runs.

These functions validate, write (the move and its first event in one
transaction) and emit the notification; they never call Nova or Cinder, and
they leave waking the engines to the caller (an RPC cast, or nothing: the
engines poll).
"""

import logging

from oslo_utils import timeutils, uuidutils

from vmove import exception, jsonschemas, policy
from vmove.actions import registry
from vmove.moves import notify, queries, states
from vmove.moves.transitions import transition

LOG = logging.getLogger(__name__)


def check_request(move_type: str, resource_type: str, params: dict) -> dict:
    """Validate a move request without touching the backend; returns normalized params."""
    cls = registry.action_class(move_type)
    if cls.resource_type != resource_type:
        raise exception.Invalid(
            f"Move type {move_type} moves {_article(cls.resource_type)}, not {_article(resource_type)}."
        )
    jsonschemas.validate(params, cls.schema, f"{move_type} parameter")  # checked when loaded
    return cls.validate_params(move_type, params)


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def request_move(
    ctx, *, resource_type, resource_id, move_type, params=None, priority=0, origin=None, project_id=None, values=None
):
    """Write a pending move (and its first event); returns the Move object.

    Refuses (409, :class:`~vmove.exception.ResourceBusy`) a second move of a resource that has one
    pending or ongoing: the database's unique ``moves.active_key`` refuses it, concurrent requests included.
    """
    params = check_request(move_type, resource_type, dict(params or {}))
    # no look before the insert: the unique key answers a busy resource (naming its move), and a look
    # first cost every request a transaction of its own
    now = timeutils.utcnow()
    row = {
        "uuid": uuidutils.generate_uuid(),
        "resource_type": resource_type,
        "resource_id": resource_id,
        "type": move_type,
        "status": states.PENDING,
        "phase": states.QUEUED,
        "params": params,
        "priority": priority or 0,
        "attempt": 1,
        "progress": 0,
        "project_id": project_id or ctx.project_id,
        "user_id": ctx.user_id,
        "origin": origin or f"request:{ctx.request_id}",
        # the engine acts later (at a poll): it sends this id to Nova and Cinder then
        "global_request_id": ctx.global_id,
        # the engine acts as an admin: a non-admin may only move its own project's resources
        "enforce_project": not policy.authorize(ctx, "context_is_admin", do_raise=False),
        "created_at": now,
        "updated_at": now,
    }
    row.update(values or {})
    move = queries.create(ctx, row, event={"message": "Move requested.", "detail": {"params": params}})
    notify.move_changed(ctx, move)
    return move


def request_or_skip(ctx, skip, *, owner, lease, step, **request):
    """Request a move; with ``skip = (reason, message)``, record at once why it is not made.

    Host recovery and its restore write one move per instance, the ones they leave alone included,
    so that every instance's fate can be read back. A skipped move is written claimed by ``owner``
    for ``lease`` (a timedelta) so that no engine starts it before it is marked ignored.
    Returns the Move; raises Conflict when the resource has another move in progress.
    """
    if skip is not None:
        values = dict(request.pop("values", None) or {}, engine_id=owner, lease_until=timeutils.utcnow() + lease)
        request["values"] = values
    move = request_move(ctx, **request)
    if skip is None:
        return move
    reason, message = skip
    return transition(ctx, move, states.IGNORED, message=message, detail={"step": step, "reason": reason})


def cancel_move(ctx, conf, move):
    """Cancel ``move``: a pending one at once, an abortable one through the engine.

    Returns the updated Move; raises Conflict (409) with the reason when it
    cannot be cancelled.
    """
    for _ in range(3):
        if move.status in states.TERMINAL:
            raise exception.Conflict(reason=f"Move {move.uuid} has already ended ({move.status}).")
        if move.status == states.PENDING:
            try:
                return transition(ctx, move, states.CANCELLED, message="Cancelled on request before it started.")
            except exception.Conflict:
                move = queries.get(ctx, move.uuid)  # an engine started it meanwhile
                continue
        if move.phase == "aborting":
            return move
        action = registry.action_class(move.type)(conf, None)
        if not action.can_abort(move):
            raise exception.Conflict(
                reason=f"Move {move.uuid} ({move.type}) is {move.phase} and cannot be aborted: "
                + action.why_not_abortable(move)
            )
        try:
            return transition(ctx, move, "aborting", message="Abort requested.", detail={"step": "cancel"})
        except exception.Conflict:
            move = queries.get(ctx, move.uuid)
    raise exception.Conflict(reason=f"Move {move.uuid} keeps changing; try again.")
