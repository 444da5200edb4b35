"""One state machine per move type, in one place.

A move has a ``status`` shared by every type (pending, ongoing and the four
terminal statuses) and a ``phase`` that is the type's own state.  Each FSM
below lists, for every phase, the status it implies and the phases it may go
to; :func:`check` refuses anything else, so an illegal transition cannot be
written.  There is no manual wait state: a cold migration's resize, and a
resize to another flavor, are confirmed by the engine itself (``resized`` ->
``confirming``).

Terminal phases are named like their status (``succeeded``, ``failed``,
``cancelled``, ``ignored``) and are the same for every type.

This module is the bottom of the move feature: it imports nothing of vmove
but its exceptions and the statuses' names (:mod:`vmove.vocabulary`, which
the client shares), so that the actions (which name the phases) and the
versioned objects (which name the statuses) may read it.
"""

import dataclasses

from vmove import exception, vocabulary

SUCCEEDED, FAILED, CANCELLED, IGNORED = TERMINAL = vocabulary.MOVE_TERMINAL
#: a move that holds its resource: a second move of it is refused meanwhile
PENDING, ONGOING = ACTIVE = vocabulary.MOVE_ACTIVE
STATUSES = vocabulary.MOVE_STATUSES

QUEUED = "queued"  # first phase of every type: waiting for a slot
STARTING = "starting"  # committed before the backend is asked; the backend may not know yet


@dataclasses.dataclass(frozen=True)
class FSM:
    move_type: str
    # phase -> phases it may go to (terminal phases go nowhere)
    edges: dict
    # phase -> progress shown when no finer figure is known
    progress: dict
    # phases from which the move can be aborted (besides queued)
    abortable: tuple = ()

    def status_of(self, phase: str) -> str:
        if phase in TERMINAL:
            return phase
        return PENDING if phase == QUEUED else ONGOING

    @property
    def phases(self) -> tuple:
        return tuple(self.edges) + TERMINAL

    def allowed(self, source: str, target: str) -> bool:
        return target in self.edges.get(source, ())


def _fsm(move_type, chain, extra=None, abortable=(), progress=None):
    """A linear chain of phases, each also allowed to fail, plus ``extra`` edges."""
    edges = {}
    for i, phase in enumerate(chain):
        nxt = set(chain[i + 1 :]) | {FAILED}
        if phase == QUEUED:
            nxt = {STARTING, CANCELLED, IGNORED, FAILED}
        if i == len(chain) - 1:
            nxt |= {SUCCEEDED}
        edges[phase] = nxt
    # a running move may learn at once that the backend already finished
    for phase in chain[1:]:
        edges[phase] |= {SUCCEEDED}
    for src, targets in (extra or {}).items():
        edges.setdefault(src, set()).update(targets)
    edges = {k: frozenset(v) for k, v in edges.items()}
    prog = {p: int(100 * i / len(chain)) for i, p in enumerate(chain)}
    prog.update(progress or {})
    prog.update({SUCCEEDED: 100})
    return FSM(move_type, edges, prog, tuple(abortable))


LIVE = _fsm(
    "live_migration",
    [QUEUED, STARTING, "preparing", "running", "post_migrating"],
    extra={
        STARTING: {"aborting", IGNORED},
        "preparing": {"aborting"},
        "running": {"aborting"},
        "aborting": {CANCELLED, SUCCEEDED, FAILED, "post_migrating"},
    },
    abortable=(STARTING, "preparing", "running"),
    progress={"running": 30, "post_migrating": 95, "aborting": 0},
)

COLD = _fsm(
    "cold_migration",
    [QUEUED, STARTING, "migrating", "resized", "confirming"],
    extra={STARTING: {IGNORED}},
    progress={"migrating": 30, "resized": 80, "confirming": 90},
)

# A resize (a cold migration that changes the flavor): the engine confirms it once Nova says it is
# resized; an abort asked while it runs waits until Nova can revert it (VERIFY_RESIZE), then reverts:
# the instance goes back to its host and flavor, and the move ends cancelled.
RESIZE = _fsm(
    "resize",
    [QUEUED, STARTING, "resizing", "resized", "confirming"],
    extra={
        STARTING: {IGNORED, "aborting"},
        "resizing": {"aborting"},
        "resized": {"aborting"},
        "aborting": {"reverting", CANCELLED, SUCCEEDED, FAILED},
        "reverting": {CANCELLED, FAILED},
    },
    abortable=(STARTING, "resizing", "resized"),
    progress={"resizing": 30, "resized": 80, "confirming": 90, "aborting": 0, "reverting": 0},
)

EVACUATION = _fsm(
    "evacuation",
    [QUEUED, STARTING, "rebuilding"],
    extra={STARTING: {IGNORED}},
    progress={"rebuilding": 50},
)

VOLUME = {
    t: _fsm(
        t,
        [QUEUED, STARTING, "migrating", "completing"],
        extra={STARTING: {IGNORED}},
        progress={"migrating": 30, "completing": 90},
    )
    for t in ("volume_migration", "volume_retype", "volume_swap")
}

MACHINES = {f.move_type: f for f in (LIVE, COLD, RESIZE, EVACUATION, *VOLUME.values())}


def generic(move_type: str) -> FSM:
    """The FSM of a move type added by a third-party action."""
    return _fsm(move_type, [QUEUED, STARTING, "running"], extra={STARTING: {IGNORED}}, progress={"running": 50})


def check(fsm: FSM | str, move_uuid: str, source: str, target: str) -> str:
    """The status of ``target`` if ``source`` -> ``target`` is an edge of ``fsm``, else InvalidTransition.

    ``fsm``: an FSM, or the name of a built-in move type. The FSM of any move type, third-party ones
    included, is found by :func:`vmove.actions.registry.fsm`.
    """
    if isinstance(fsm, str):
        fsm = MACHINES[fsm]
    if source == target:
        return fsm.status_of(target)
    if not fsm.allowed(source, target):
        raise exception.InvalidTransition(move=move_uuid, source=source, target=target)
    return fsm.status_of(target)
