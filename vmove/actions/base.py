"""The action contract: what the engine asks of every move type.

An action is a stateless plugin; everything it needs to know about a move is
on the move (``move.params``, hosts, the events' details) so that any engine
can resume any move. Each action class declares:

- ``resource_type`` and ``schema``: the JSON schema of the move's ``params``
  (checked by the API before anything is written; keywords are checked too).
- ``pre_condition(move)``: may raise :class:`ActionSkipped` (the move becomes
  ``ignored`` with the reason) or :class:`ActionFailed`; may return values to
  record on the move (e.g. the source host).
- ``execute(move)``: starts the move on the backend and returns at once with
  a detail dict for the event (e.g. the Nova request id).
- ``observe(moves)``: ONE batched read of the backend for all the given moves
  in flight; returns an :class:`Observation` per move uuid.
- ``abort(move)``: asks the backend to stop; raises :class:`NotAbortable`
  with the reason when it cannot.
- ``post_condition(move)``: checks the result once the backend says done.

Third parties add move types by registering a class under ``vmove.actions``.
"""

import abc
import dataclasses

from vmove import exception


class ActionSkipped(exception.VmoveException):
    """The move is not needed or not possible: it ends ``ignored`` with the reason."""

    msg_fmt = "%(reason)s"


class ActionFailed(exception.VmoveException):
    """The move cannot be done: it ends ``failed`` with the reason."""

    msg_fmt = "%(reason)s"


class NotAbortable(exception.VmoveException):
    msg_fmt = "%(reason)s"
    code = 409


class InvalidParams(exception.Invalid):
    """Bad input found by an action's own checks (400 at the API)."""

    msg_fmt = "%(reason)s"


@dataclasses.dataclass
class Observation:
    """What the backend says of one move."""

    phase: str
    progress: int | None = None
    message: str | None = None
    detail: dict | None = None
    #: values to record on the move (dest_host, dest_backend ...)
    values: dict = dataclasses.field(default_factory=dict)
    #: the backend has no trace of the move having started (used on takeover)
    not_started: bool = False


class Action(abc.ABC):
    resource_type: str = ""
    #: JSON schema of ``params``
    schema: dict = {"type": "object", "additionalProperties": False}

    def __init__(self, conf, clients):
        self.conf = conf
        self.clients = clients

    @classmethod
    def validate_params(cls, move_type: str, params: dict) -> dict:
        """Checks beyond the schema that need no backend; returns normalized params."""
        return params

    @staticmethod
    def check_owner(move, owner_project: str | None, what: str) -> None:
        """Refuse a resource outside the move's project when the move says so.

        The message does not tell whether the resource exists elsewhere.
        """
        if getattr(move, "enforce_project", False) and owner_project != move.project_id:
            raise ActionFailed(reason=f"{what} {move.resource_id} was not found in project {move.project_id}.")

    def prefetch(self, moves) -> None:
        """Read the backend once for all ``moves`` about to start (optional).

        Lets ``pre_condition`` use one batched listing instead of one call per
        move; it must still work (one call) for a move that was not prefetched.
        """
        return None

    def pre_condition(self, move) -> dict:
        """Raise ActionSkipped/ActionFailed, or return values to record on the move."""
        return {}

    @abc.abstractmethod
    def execute(self, move) -> dict: ...

    @abc.abstractmethod
    def observe(self, moves) -> dict[str, Observation]: ...

    def abort(self, move) -> dict:
        raise NotAbortable(reason=f"A {move.type} cannot be aborted once it has started.")

    def can_abort(self, move) -> bool:
        return False

    def post_condition(self, move) -> None:
        return None

    def step(self, move) -> Observation | None:
        """A forward step the engine takes itself (confirm a resize, send an abort).

        Called for every move in flight after its observation was recorded;
        must be idempotent (the engine may die between the step and its record).
        """
        return None

    def timeout(self, move) -> float:
        per_type = getattr(self.conf.engine, f"{move.type}_timeout", None)
        if per_type is None and move.type.startswith("volume_"):
            per_type = self.conf.engine.volume_migration_timeout
        return per_type or self.conf.engine.move_timeout
