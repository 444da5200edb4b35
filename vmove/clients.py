"""One keystoneauth1 session for vmove's service user; Nova and Cinder clients on it.

The session counts the requests it sends per service, so the engine can
report (and the benchmarks check) how many backend calls each move costs,
and exports them as metrics. It sends the global request id of the thread's
current context (:func:`vmove.context.acting_for`) as ``X-OpenStack-Request-ID``,
and notes the request id each backend answers with (:func:`recording`).
"""

import collections
import contextlib
import threading
import time

from cinderclient import client as cinder_client
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from vmove import context as vmove_context
from vmove import metrics, utils

_RECORDING = threading.local()


@contextlib.contextmanager
def recording():
    """The request ids the backends answered this thread's calls with inside the block (a list, filled as
    the calls return; an enclosing ``recording`` block gets them too)."""
    ids: list[str] = []
    outer = getattr(_RECORDING, "ids", None)
    _RECORDING.ids = ids
    try:
        yield ids
    finally:
        _RECORDING.ids = outer
        if outer is not None:
            outer.extend(ids)


def with_ids(detail, ids):
    """An event's ``detail`` with the request ids the backends answered the calls that led to it with."""
    return dict(detail or {}, backend_request_ids=list(ids)) if ids else detail


def _note(request_id) -> None:
    ids = getattr(_RECORDING, "ids", None)
    if ids is not None and request_id and request_id not in ids:
        ids.append(request_id)


class CountingSession(ks_session.Session):
    """A keystoneauth1 Session that counts requests per service type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._counts_lock = threading.Lock()
        self.counts: collections.Counter = collections.Counter()
        self.requests: collections.Counter = collections.Counter()

    def request(self, url, method, *args, **kwargs):
        filt = kwargs.get("endpoint_filter") or {}
        service = filt.get("service_type") or kwargs.get("service_type") or "other"
        if kwargs.get("authenticated", True) is False:  # keystone's token requests
            return super().request(url, method, *args, **kwargs)
        path = _shape(url)
        with self._counts_lock:
            self.counts[service] += 1
            self.requests[f"{service} {method.upper()} {path}"] += 1
        if kwargs.get("global_request_id") is None:
            kwargs["global_request_id"] = vmove_context.current_global_id()
        began, code = time.monotonic(), "error"
        try:
            response = super().request(url, method, *args, **kwargs)
            code = str(response.status_code)
            _note(response.headers.get("x-openstack-request-id") or response.headers.get("x-compute-request-id"))
            return response
        except ks_exc.HttpError as e:
            code = str(e.http_status)
            _note(e.request_id)
            raise
        finally:
            metrics.BACKEND_CALLS.labels(service, method.upper(), path, code).inc()
            metrics.BACKEND_CALL_DURATION.labels(service).observe(time.monotonic() - began)

    def snapshot(self) -> dict:
        with self._counts_lock:
            return dict(self.counts)

    def by_request(self) -> dict:
        """``{"compute GET /servers/{id}": count}``: what the calls were (benchmarks, debugging)."""
        with self._counts_lock:
            return dict(self.requests)


_shape = utils.path_shape


class Clients:
    """Nova and Cinder clients for the engine's actions (made on first use)."""

    def __init__(self, conf, session=None):
        self.conf = conf
        self._session = session
        self._lock = threading.Lock()
        self._nova: dict[str, object] = {}
        self._cinder = None

    @property
    def session(self) -> CountingSession:
        with self._lock:
            if self._session is None:
                auth = ks_loading.load_auth_from_conf_options(self.conf, "service_auth")
                plain = ks_loading.load_session_from_conf_options(self.conf, "service_auth", auth=auth)
                self._session = CountingSession(auth=auth, verify=plain.verify, cert=plain.cert, timeout=plain.timeout)
            return self._session

    def nova(self, version: str | None = None):
        """python-novaclient at ``version`` (default: [nova] api_version)."""
        version = version or self.conf.nova.api_version
        with self._lock:
            client = self._nova.get(version)
        if client is None:
            c = self.conf.nova
            client = nova_client.Client(
                version,
                session=self.session,
                region_name=c.region_name,
                endpoint_type=c.interface,
                endpoint_override=c.endpoint_override,
            )
            with self._lock:
                self._nova[version] = client
        return client

    def cinder(self):
        if self._cinder is None:
            c = self.conf.cinder
            self._cinder = cinder_client.Client(
                c.api_version,
                session=self.session,
                region_name=c.region_name,
                endpoint_type=c.interface + "URL" if c.interface else None,
                endpoint_override=c.endpoint_override,
            )
        return self._cinder

    def calls(self) -> dict:
        return self.session.snapshot() if self._session is not None else {}

    def calls_by_request(self) -> dict:
        return self.session.by_request() if self._session is not None else {}


_SHARED: dict = {}
_SHARED_LOCK = threading.Lock()


def for_conf(conf) -> Clients:
    """The Clients of this process for ``conf``: the features' work (recovery set-up, plan validation) shares
    one session, whose calls are counted together. Made on first use."""
    with _SHARED_LOCK:
        found = _SHARED.get(id(conf))
        if found is None:
            found = _SHARED[id(conf)] = Clients(conf)
        return found


def use(conf, clients) -> None:
    """Make ``clients`` the Clients of ``conf`` (tests and benchmarks plug a fake or a counting cloud in)."""
    with _SHARED_LOCK:
        _SHARED[id(conf)] = clients
