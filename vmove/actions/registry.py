"""Loads the action classes registered under the ``vmove.actions`` entry points."""

import logging
import threading

import jsonschema
from stevedore import extension

from vmove import exception, jsonschemas
from vmove.moves import states

LOG = logging.getLogger(__name__)
NAMESPACE = "vmove.actions"

_lock = threading.Lock()
_classes: dict | None = None


def _on_load_failure(manager, entrypoint, exc):
    LOG.error("Could not load move action %s: %s", entrypoint, exc)


def action_classes() -> dict:
    """move type -> action class, for every installed action."""
    global _classes
    with _lock:
        if _classes is None:
            mgr = extension.ExtensionManager(NAMESPACE, invoke_on_load=False, on_load_failure_callback=_on_load_failure)
            _classes = {ext.name: ext.plugin for ext in mgr if _schema_ok(ext.name, ext.plugin)}
        return _classes


def _schema_ok(name: str, cls) -> bool:
    """An action's parameter schema is checked once, when it is loaded (not at every request: checking
    a schema against the meta-schema cost a fifth of a POST); a malformed one keeps the action out."""
    try:
        jsonschemas.check_schema(cls.schema)
    except (ValueError, jsonschema.SchemaError) as exc:
        LOG.error("Move action %s not loaded: its parameter schema is malformed: %s", name, exc)
        return False
    return True


def reset() -> None:
    """Forget the loaded actions (and stevedore's entry point cache): the next
    lookup sees newly installed packages."""
    global _classes
    with _lock:
        _classes = None
        extension.ExtensionManager.ENTRY_POINT_CACHE.pop(NAMESPACE, None)


def action_class(move_type: str):
    try:
        return action_classes()[move_type]
    except KeyError:
        known = ", ".join(sorted(action_classes()))
        raise exception.Invalid(f"Unknown move type {move_type!r}; installed types: {known}.") from None


def fsm(move_type: str) -> states.FSM:
    """The state machine of ``move_type``: a built-in one, or the one its (third-party) action declares."""
    found = states.MACHINES.get(move_type)
    if found is None:
        found = getattr(action_class(move_type), "fsm", None) or states.generic(move_type)
    return found


class Actions:
    """Action instances of one engine, sharing its clients, its reader of a move's history and of Placement."""

    def __init__(self, conf, clients, history=None, placement=None):
        self.conf = conf
        self.clients = clients
        self.history = history
        self.placement = placement
        self._instances: dict = {}

    def get(self, move_type: str):
        if move_type not in self._instances:
            action = action_class(move_type)(self.conf, self.clients)
            action.use_history(self.history)
            if self.placement is not None and hasattr(action, "use_placement"):  # a plugin may not subclass Action
                action.use_placement(self.placement)
            self._instances[move_type] = action
        return self._instances[move_type]
