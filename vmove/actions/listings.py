"""What the backends' listings said, shared so that one listing serves many moves.

- :class:`MigrationsSnapshot`: ONE ``GET /os-migrations?changes-since=...`` per poll, read by the three
  instance actions for every instance move in flight (the migration record, not the server, is the
  truth: the host changes before the record says ``completed``).
- :class:`ServerListings` (:data:`LISTINGS`): servers and compute services listed by the pre-checks, the
  look-ahead and the recovery set-up, so that a move whose slot frees up starts without a call of its own.
- :class:`VolumeListing`: ONE Cinder volume listing per poll for the three volume move types.
"""

import datetime
import logging
import threading
import time
import weakref

from cinderclient import exceptions as cinder_exc
from oslo_utils import timeutils

from vmove import utils

LOG = logging.getLogger(__name__)

LISTING_VERSION = "2.80"
#: seconds Nova's or Cinder's clock may be ahead of vmove's (a record may predate the move's start)
CLOCK_SKEW = 5.0
#: how long a listed server is used for a move's pre-check; older listings are read again
PREFETCH_TTL = 30.0


class MigrationsSnapshot:
    """One ``os-migrations`` listing per poll, shared by every instance action."""

    def __init__(self):
        self._lock = threading.Lock()
        self._at = 0.0
        self._since = None
        self._records: list = []

    def records(self, clients, since, max_age: float):
        with self._lock:
            fresh = time.monotonic() - self._at < max_age
            if fresh and self._since is not None and self._since <= since:
                return self._records
            nova = clients.nova(LISTING_VERSION)
            records = nova.migrations.list(changes_since=since.isoformat(), limit=1000)
            self._records = [r.to_dict() for r in records]
            self._since = since
            self._at = time.monotonic()
            return self._records


def snapshot_for(clients) -> MigrationsSnapshot:
    """The migrations listing of the instance actions of one engine (one Clients object)."""
    return _shared(clients, MigrationsSnapshot)


class ServerListings:
    """What Nova's server (and compute service) listings said, shared by everything in the process.

    The instance actions of every engine loop in the process pre-check their moves from here, and the
    recovery set-up puts here the failed host's servers it has just listed and the compute service it has
    just fenced: the first evacuations then start without a listing of their own.

    ``entries``: server id -> (server or None when a listing missed it, when listed, source host);
    ``services``: host -> (its nova-compute services, when read). Times are ``time.monotonic()``.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.refresh_lock = threading.Lock()
        self.entries: dict = {}
        self.services: dict = {}

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.services.clear()

    def remember(self, servers, host=None, wanted=None, ttl=None) -> None:
        """Record ``servers`` as listed now (of ``host`` when the listing was of one host).

        ``wanted`` (id -> source host): the servers the listing was made for; those it did not return are
        recorded as missing. Entries older than ``ttl`` are dropped: no pre-check would use them.
        """
        now = time.monotonic()
        ttl = PREFETCH_TTL if ttl is None else ttl
        wanted = wanted or {}
        with self.lock:
            self.entries = {k: v for k, v in self.entries.items() if now - v[1] < ttl}
            for server in servers:
                self.entries[server.id] = (server, now, wanted.get(server.id, host))
            listed = {s.id for s in servers}
            for sid, source in wanted.items():
                if sid not in listed:
                    self.entries[sid] = (None, now, source)

    def remember_services(self, host, services) -> None:
        with self.lock:
            self.services[host] = (list(services), time.monotonic())


#: the process's listings (one Nova per process: its [nova] and [service_auth] options)
LISTINGS = ServerListings()


class VolumeListing:
    """One Cinder volume listing per poll, shared by the three volume move types.

    The engine observes each move type apart; the listing remembers the start
    of every move it was asked about in the last polls so that its first call
    of a poll already covers the other types' moves.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._at = 0.0
        self._fetched_at = None  # vmove's UTC clock, taken before the request
        self._since = None
        self._volumes: dict = {}
        self._wanted: dict = {}  # move uuid -> (start, monotonic time last asked)
        self.use_filter = True

    def volumes(self, clients, moves, max_age: float, keep: float) -> tuple[dict, datetime.datetime]:
        """id -> volume dict (admin view) of every volume updated since the oldest move started.

        Returns the listing and vmove's clock just before it was requested. A listing younger than
        ``max_age`` is reused even if a move changed after it (its request just went out): that
        move waits for the next poll's listing rather than costing a listing of its own.
        """
        now = time.monotonic()
        with self._lock:
            for m in moves:
                self._wanted[m.uuid] = (utils.naive_utc(m.start_time or m.updated_at), now)
            self._wanted = {u: w for u, w in self._wanted.items() if now - w[1] <= keep}
            since = min(w[0] for w in self._wanted.values()) - datetime.timedelta(seconds=CLOCK_SKEW)
            if now - self._at < max_age and self._since is not None and self._since <= since:
                return self._volumes, self._fetched_at
            fetched_at = timeutils.utcnow()
            self._volumes = {v["id"]: v for v in self._list(clients, since)}
            self._since, self._at, self._fetched_at = since, time.monotonic(), fetched_at
            return self._volumes, fetched_at

    def _list(self, clients, since) -> list[dict]:
        cinder = clients.cinder()
        opts = {"all_tenants": 1}
        if self.use_filter:
            try:
                filtered = dict(opts, updated_at="gte:" + since.strftime("%Y-%m-%dT%H:%M:%S"))
                return [v._info for v in cinder.volumes.list(detailed=True, search_opts=filtered)]
            except cinder_exc.BadRequest as e:
                LOG.warning("Cinder refuses the updated_at filter (%s): listing every volume from now on", e)
                self.use_filter = False
        return [v._info for v in cinder.volumes.list(detailed=True, search_opts=opts)]


def listing_for(clients) -> VolumeListing:
    """The volume listing of the volume actions of one engine (one Clients object)."""
    return _shared(clients, VolumeListing)


_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def _shared(clients, kind):
    """The ``kind`` listing of ``clients`` (made on first use, forgotten with the clients)."""
    with _SHARED_LOCK:
        per_clients = _SHARED.setdefault(clients, {})
        if kind not in per_clients:
            per_clients[kind] = kind()
        return per_clients[kind]
