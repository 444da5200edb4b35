"""What the recovery unit tests share: a notification's moves, driven to an end as the engine would."""

from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.moves.transitions import transition
from vmove.recovery import queries as recovery_queries

NO_VALID_HOST = "Nova migration 7 ended error: conductor_rebuild_server failed: No valid host was found. "


def moves(ctx, n):
    return move_queries.of_origins(ctx, [n.evacuation_origin])


def finish(ctx, move, status=states.SUCCEEDED, message=None, dest="host1"):
    """Drive a pending evacuation to an end as the engine's move loop would."""
    move = transition(ctx, move, states.STARTING, values={"source_host": move.source_host})
    values = {"dest_host": dest} if status == states.SUCCEEDED else {}
    return transition(ctx, move, status, message=message, values=values)


def reload(ctx, n):
    return recovery_queries.get(ctx, n.uuid)


def finish_from_starting(ctx, m, status=states.SUCCEEDED, message=None):
    values = {"dest_host": "host1"} if status == states.SUCCEEDED else {}
    return transition(ctx, m, status, message=message, values=values)
