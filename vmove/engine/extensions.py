"""Engine extensions: features that hook into the engine without editing it.

An extension is a module registered under the ``vmove.engine.extensions``
entry point group with a ``register(registry)`` function. It may add:

- ``registry.handler(kind, fn)``: ``fn(ctx, conf, ident)`` runs in the
  engine when the API casts ``process(kind, ident)`` (e.g. a new host-failure
  notification, a plan run to validate);
- ``registry.tick(fn)``: ``fn(ctx, conf, engine_id)`` runs at every poll of
  the move loop (e.g. roll up a run's progress, restore a recovered host);
- scheduler limits of its moves' origin via :func:`vmove.moves.scheduler.register`.

Handlers and ticks must be idempotent and keep their state in the database:
any engine may run them, and an engine may die in the middle.
"""

import logging
import threading

from stevedore import extension

LOG = logging.getLogger(__name__)
NAMESPACE = "vmove.engine.extensions"


class Registry:
    def __init__(self):
        self.handlers: dict = {}
        self.ticks: list = []

    def handler(self, kind: str, fn) -> None:
        self.handlers[kind] = fn

    def tick(self, fn) -> None:
        self.ticks.append(fn)


_lock = threading.Lock()
_registry: Registry | None = None


def registry() -> Registry:
    global _registry
    with _lock:
        if _registry is None:
            reg = Registry()
            mgr = extension.ExtensionManager(
                NAMESPACE,
                invoke_on_load=False,
                on_load_failure_callback=lambda m, ep, exc: LOG.error("Engine extension %s failed: %s", ep, exc),
            )
            for ext in mgr:
                ext.plugin.register(reg)
            _registry = reg
        return _registry


def handle(ctx, conf, kind: str, ident: str) -> None:
    fn = registry().handlers.get(kind)
    if fn is None:
        LOG.warning("No engine extension handles %r (%s)", kind, ident)
        return
    fn(ctx, conf, ident)


def run_ticks(ctx, conf, engine_id: str) -> None:
    for fn in registry().ticks:
        try:
            fn(ctx, conf, engine_id)
        except Exception:
            LOG.exception("Engine extension tick %s failed", getattr(fn, "__qualname__", fn))
