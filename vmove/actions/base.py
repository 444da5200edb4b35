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

An action never opens the database: the engine's runner hands it what it
needs, the admin ``clients`` (Nova, Cinder, Placement over one keystoneauth
session), ``history(move)``, the event details this attempt of the move
has recorded (the request ids its ``execute`` returned, say), and the
Placement reader (``self.placement``, :mod:`vmove.placement`: rooms of hosts,
needs of a flavor), which sits above the actions.

Third parties add move types by registering a class under ``vmove.actions``
(and may declare their own state machine as the class attribute ``fsm``, a
:class:`vmove.moves.states.FSM`).
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

    #: the Placement reader (:mod:`vmove.placement`) the engine hands the actions (None: no capacity check)
    placement = None

    def __init__(self, conf, clients):
        self.conf = conf
        self.clients = clients
        self._history = None

    def use_history(self, history) -> None:
        """The engine's runner gives its reader of a move's events: ``history(move) -> [detail, ...]``."""
        self._history = history

    def use_placement(self, reader) -> None:
        """The engine's runner gives its Placement reader (the module :mod:`vmove.placement`)."""
        self.placement = reader

    def history(self, move) -> list[dict]:
        """The details of the events this attempt of ``move`` recorded, oldest first."""
        reader = getattr(self, "_history", None)  # a plugin may not call Action.__init__
        return reader(move) if reader is not None else []

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

    def busy(self, move) -> bool:
        """Whether the backend is already at work on the move's resource (optional).

        Asked before a move an engine took over from a dead one is started again because the
        backend shows no trace of it: the dead engine may have been killed after the backend took
        the request and before it recorded so, while the backend has not written its own record yet.
        True makes the engine wait for that record instead of asking a second time.
        """
        return False

    def abort(self, move) -> dict:
        raise NotAbortable(reason=f"A {move.type} cannot be aborted once it has started.")

    def can_abort(self, move) -> bool:
        return False

    def why_not_abortable(self, move) -> str:
        """Why ``move`` cannot be aborted now (said to the user who asked)."""
        return "its action has no abort."

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


def request_id(result) -> str | None:
    """The backend's request id of a novaclient or cinderclient call (put on the object it returns)."""
    ids = getattr(result, "request_ids", None) or []
    if ids:
        return ids[0]
    if isinstance(result, tuple) and result:  # (response, body) of some novaclient calls
        headers = getattr(result[0], "headers", None) or {}
        return headers.get("x-openstack-request-id") or headers.get("X-Openstack-Request-Id")
    return None


def reason(exc: Exception) -> str:
    """The human message of a backend or action error, recorded on the move."""
    if isinstance(exc, exception.VmoveException):
        return exc.message
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "code", None) or getattr(exc, "http_status", None)
    name = type(exc).__name__
    return f"{name} (HTTP {code}): {message}" if code else f"{name}: {message}"
