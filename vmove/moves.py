"""Asking for moves and cancelling them: shared by the API, recovery and plans.

These functions validate, write (the move and its first event in one
transaction) and tell the engines; they never call Nova or Cinder.
"""

import logging

from oslo_utils import timeutils, uuidutils

from vmove import exception, policy
from vmove.actions import base as action_base
from vmove.actions import registry
from vmove.api import validation
from vmove.db import api as db_api
from vmove.engine import notify, states
from vmove.engine.transitions import transition
from vmove.objects import move as move_obj

LOG = logging.getLogger(__name__)

INSTANCE_TYPES = ("live_migration", "cold_migration", "evacuation")


def check_request(move_type: str, resource_type: str, params: dict) -> dict:
    """Validate a move request without touching the backend; returns normalized params."""
    cls = registry.action_class(move_type)
    if cls.resource_type != resource_type:
        raise exception.Invalid(
            f"Move type {move_type} moves {_article(cls.resource_type)}, not {_article(resource_type)}."
        )
    validation.validate(params, validation.check_schema(cls.schema), f"{move_type} parameter")
    return cls.validate_params(move_type, params)


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def request_move(
    ctx, *, resource_type, resource_id, move_type, params=None, priority=0, origin=None, project_id=None, values=None
):
    """Write a pending move (and its first event); returns the Move object.

    Refuses (409) a second move of a resource that has one pending or ongoing.
    """
    params = check_request(move_type, resource_type, dict(params or {}))
    busy = db_api.move_get_all(ctx, {"resource_id": resource_id, "status": ["pending", "ongoing"]}, limit=1)
    if busy:
        raise exception.Conflict(
            reason=f"{resource_type.capitalize()} {resource_id} already has move {busy[0].uuid} "
            f"({busy[0].type}, {busy[0].status})."
        )
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
        # the engine acts as an admin: a non-admin may only move its own project's resources
        "enforce_project": not policy.authorize(ctx, "context_is_admin", do_raise=False),
        "created_at": now,
        "updated_at": now,
    }
    row.update(values or {})
    created = db_api.move_create(ctx, row, event={"message": "Move requested.", "detail": {"params": params}})
    move = move_obj.Move._from_db_object(ctx, move_obj.Move(), created)
    notify.move_changed(ctx, move)
    return move


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
                move = move_obj.Move.get_by_uuid(ctx, move.uuid)  # an engine started it meanwhile
                continue
        if move.phase == "aborting":
            return move
        action = registry.action_class(move.type)(conf, None)
        if not action.can_abort(move):
            raise exception.Conflict(
                reason=f"Move {move.uuid} ({move.type}) is {move.phase} and cannot be aborted: "
                + _why_not_abortable(move)
            )
        try:
            return transition(ctx, move, "aborting", message="Abort requested.", detail={"step": "cancel"})
        except exception.Conflict:
            move = move_obj.Move.get_by_uuid(ctx, move.uuid)
    raise exception.Conflict(reason=f"Move {move.uuid} keeps changing; try again.")


def _why_not_abortable(move) -> str:
    if move.type == "live_migration":
        return "Nova can abort a live migration only while it is preparing or running."
    if move.type == "cold_migration":
        return "Nova has no abort for a cold migration once it has started."
    if move.type == "evacuation":
        return "Nova has no abort for an evacuation."
    if move.type.startswith("volume_"):
        return "Cinder has no abort for a volume migration once it has started."
    return "its action has no abort."


__all__ = ["request_move", "cancel_move", "check_request", "action_base"]
