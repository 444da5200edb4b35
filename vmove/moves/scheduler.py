"""Which pending moves start now: every limit at once, no slot left idle.

A move's limits come from its origin: a plan run's limits (max in flight
overall, per source host, per destination host, per storage backend, a time
window, a recurring window), a host recovery's limits, and for every move the engines' global
``[engine] max_in_flight``. :func:`choose` is a pure function over the pending
and in-flight moves so that its two promises can be tested directly:

- it never starts a move that would take any count above its limit;
- it never leaves a slot idle while an eligible move waits: it goes through
  every pending move (most important first) and starts each one that fits,
  not only the head of the queue.

Origins register a provider of their limits with :func:`register`; e.g. the
plans code registers ``"run"`` and the recovery code ``"notification"``.
"""

import collections
from collections.abc import Callable
import dataclasses
import datetime
import logging

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Limits:
    """Limits shared by the moves of one origin (None = no limit)."""

    total: int | None = None
    per_source_host: int | None = None
    per_dest_host: int | None = None
    per_backend: int | None = None
    not_before: datetime.datetime | None = None
    not_after: datetime.datetime | None = None
    #: a recurring window: ``is_open(now)`` says whether a move may start at ``now`` (None: always)
    is_open: Callable | None = None


NO_LIMITS = Limits()
HOLD = Limits(total=0)

_PROVIDERS: dict[str, Callable] = {}


def register(origin_kind: str, provider: Callable) -> None:
    """``provider(ctx, origin_id) -> Limits`` for the moves of ``<origin_kind>:<id>``."""
    _PROVIDERS[origin_kind] = provider


def limits_for(ctx, origin: str) -> Limits:
    kind, _, ident = (origin or "").partition(":")
    provider = _PROVIDERS.get(kind)
    if provider is None:
        return NO_LIMITS
    try:
        return provider(ctx, ident) or NO_LIMITS
    except Exception:
        # unknown limits: hold these moves (never run them unlimited); others go on
        LOG.exception("Limits of %s could not be read; holding its moves until they can", origin)
        return HOLD


def dest_of(move) -> str | None:
    return move.dest_host or (move.params or {}).get("host")


def backend_key(name: str | None) -> str | None:
    """``host@backend`` of a Cinder host or pool name (``host@backend#pool``)."""
    return name.split("#", 1)[0] if name else None


def backends_of(move) -> set:
    params = move.params or {}
    found = {move.source_backend, move.dest_backend, params.get("destination_node")}
    return {backend_key(b) for b in found if b}


def _keys(move):
    """Every counter a move takes a slot of."""
    keys = [("all",), ("origin", move.origin)]
    if move.source_host:
        keys.append(("src", move.origin, move.source_host))
    dest = dest_of(move)
    if dest:
        keys.append(("dst", move.origin, dest))
    for backend in backends_of(move):
        keys.append(("backend", move.origin, backend))
    return keys


def _limit(key, limits: Limits, global_limit: int):
    kind = key[0]
    return {
        "all": global_limit,
        "origin": limits.total,
        "src": limits.per_source_host,
        "dst": limits.per_dest_host,
        "backend": limits.per_backend,
    }[kind]


def _aware(ts):
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=datetime.UTC)


def choose(pending, in_flight, global_limit: int, now, limits_of):
    """Choose what starts now.

    ``pending`` must be ordered most important first. Returns
    ``(to_start, to_expire)``: the moves to start, and ``(move, reason)``
    for moves whose window has closed.
    """
    now = _aware(now)
    counts = collections.Counter()
    for m in in_flight:
        for key in _keys(m):
            counts[key] += 1
    to_start, to_expire = [], []
    cache: dict = {}
    for m in pending:
        if m.origin not in cache:
            cache[m.origin] = limits_of(m.origin)
        limits = cache[m.origin]
        if limits.not_after is not None and now > _aware(limits.not_after):
            to_expire.append((m, f"outside window: not started before {_aware(limits.not_after).isoformat()}"))
            continue
        if limits.not_before is not None and now < _aware(limits.not_before):
            continue
        if limits.is_open is not None and not limits.is_open(now):
            continue
        keys = _keys(m)
        if all((lim := _limit(k, limits, global_limit)) is None or counts[k] + 1 <= lim for k in keys):
            to_start.append(m)
            for k in keys:
                counts[k] += 1
        if counts[("all",)] >= global_limit:
            break
    return to_start, to_expire
