"""The API's microversions: the one list of versions, the gate decorator, and Masakari's namespace.

``OpenStack-API-Version: vmove 1.N`` is parsed once per request by
microversion_parse's middleware (:func:`middleware`, set up in
:mod:`vmove.api.app`); handlers read the result with :func:`requested` and
are gated with :func:`min_version` / :func:`max_version` instead of if-chains.

Two namespaces (``specs/masakari-compatibility.rst``): on the Masakari-shaped
routes (:data:`MASAKARI_ROUTES`), a request that names no ``vmove`` version
is Masakari's: ``OpenStack-API-Version: instance-ha 1.X`` or no header at
all, as Masakari's clients send. It is checked against Masakari's versions
(:data:`MASAKARI_VERSIONS`: 1.0 without a header, 406 above 1.3, 400 when
malformed), answered with ``OpenStack-API-Version: instance-ha 1.X``, and
served as vmove microversion :data:`MASAKARI_COMPAT`, so the handlers, their
gates and their per-version schemas stay vmove's. A request naming a vmove
version is vmove's everywhere; vmove's own routes ignore ``instance-ha``.

When adding a version:

1. Append it to VERSIONS with one line saying what it adds.
2. Gate the new handler with ``common.handler("1.N", ...)`` (which applies
   :func:`min_version`), or give a changed schema a ``validation.Change``.
3. Add the request and response schemas for the new version in
   ``vmove/api/schemas/`` and a test for both sides of the boundary.
4. Update the pinned latest version in
   ``vmove/tests/unit/api/test_microversion.py``.
5. Add a release note (``reno new``) describing the change for users.
"""

import functools
import re

import microversion_parse
from microversion_parse import middleware as mv_middleware
import pecan

from vmove import exception
from vmove.api import fault

SERVICE_TYPE = "vmove"
ENVIRON_KEY = f"{SERVICE_TYPE}.microversion"

VERSIONS = [
    "1.0",  # Initial version: GET /v1/moves, /v1/moves/{uuid}, /v1/moves/{uuid}/events.
    "1.1",  # GET /v1/engines: the engines and their last heartbeat (admin).
    "1.2",  # POST /v1/moves (ask for one move) and POST /v1/moves/{uuid}/action {"cancel": null}.
    "1.3",  # Host recovery: /v1/notifications, their Masakari-shaped vmoves, restore.
    "1.4",  # Migration plans and runs: /v1/plans, /v1/plans/{id}/runs, /v1/runs.
    "1.5",  # Plans: drains, cold fallback, recurring windows, flavors; runs: per-item approval, estimate, events.
    "1.6",  # Masakari drop-in: source_host_uuid, recovery_workflow_details, vmoves' deleted(_at), id lookups.
]

#: the vmove microversion a Masakari client (the ``instance-ha`` namespace) is served at
MASAKARI_COMPAT = "1.6"
MASAKARI_SERVICE_TYPE = "instance-ha"
MASAKARI_ENVIRON_KEY = f"{MASAKARI_SERVICE_TYPE}.microversion"
#: Masakari's own microversions (what its clients may ask for): 1.1 workflow details, 1.2 segments' enabled,
#: 1.3 vmoves
MASAKARI_VERSIONS = ["1.0", "1.1", "1.2", "1.3"]
#: the routes shaped as Masakari's (its notifications and their vmoves), optionally under Masakari's
#: ``/v1/{project_id}`` prefix; vmove's own routes (``.../action`` among them) never answer to ``instance-ha``
MASAKARI_ROUTES = re.compile(
    r"^/v1(?P<project>/[0-9a-fA-F-]{32,36})?(?P<rest>/notifications(/[^/]+(/vmoves(/[^/]+)?)?)?/?)$"
)

Version = microversion_parse.Version


def parse(version: str) -> Version:
    return microversion_parse.parse_version_string(version)


MIN_VERSION = parse(VERSIONS[0])
MAX_VERSION = parse(VERSIONS[-1])


def min_version_string() -> str:
    return VERSIONS[0]


def max_version_string() -> str:
    return VERSIONS[-1]


def requested(environ=None) -> Version:
    """The microversion of the current request."""
    environ = environ if environ is not None else pecan.request.environ
    return environ.get(ENVIRON_KEY, MIN_VERSION)


def masakari_requested(environ=None) -> Version | None:
    """The ``instance-ha`` version of a request in Masakari's namespace; None for vmove's."""
    environ = environ if environ is not None else pecan.request.environ
    return environ.get(MASAKARI_ENVIRON_KEY)


def matches(min_version: str | None = None, max_version: str | None = None, environ=None) -> bool:
    low = parse(min_version) if min_version else None
    high = parse(max_version) if max_version else None
    return requested(environ).matches(low, high)


def fields_since(version: str, **fields) -> dict:
    """``fields`` for a request at microversion ``version`` or later, nothing before: a view's fields of
    one version added in one place (the response schemas of each version say the same)."""
    return fields if matches(min_version=version) else {}


class VersionNotAvailable(exception.NotFound):
    msg_fmt = "%(what)s is not available at microversion %(requested)s; it needs %(needed)s."


def _gate(attr: str, version: str, needed: str):
    """The decorator that lets the handler answer when the request ``matches(**{attr: version})``
    (404 otherwise, saying the handler needs ``needed``); the handler keeps ``attr`` = ``version``."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not matches(**{attr: version}):
                raise VersionNotAvailable(
                    what=f"{pecan.request.method} {pecan.request.path}", requested=str(requested()), needed=needed
                )
            return func(*args, **kwargs)

        setattr(wrapper, attr, version)
        return wrapper

    return decorator


def min_version(version: str):
    """The decorated handler exists from microversion ``version`` on (404 before)."""
    return _gate("min_version", version, f"{version} or later")


def max_version(version: str):
    """The decorated handler exists up to microversion ``version`` (404 after)."""
    return _gate("max_version", version, f"{version} or earlier")


def middleware(application, json_error_formatter):
    """The microversion middleware of both namespaces (microversion_parse's, once per namespace)."""
    return _Namespaces(application, json_error_formatter)


class _Namespaces:
    def __init__(self, application, json_error_formatter):
        self.vmove = mv_middleware.MicroversionMiddleware(
            application, SERVICE_TYPE, VERSIONS, json_error_formatter=json_error_formatter
        )
        self.masakari = mv_middleware.MicroversionMiddleware(
            _ServedAs(application, parse(MASAKARI_COMPAT)),
            MASAKARI_SERVICE_TYPE,
            MASAKARI_VERSIONS,
            json_error_formatter=_masakari_error(json_error_formatter),
        )

    def __call__(self, environ, start_response):
        route = MASAKARI_ROUTES.match(environ.get("PATH_INFO", ""))
        if route is None or _names(environ, SERVICE_TYPE):
            return self.vmove(environ, start_response)
        project = (route.group("project") or "/")[1:]
        if project:
            if project.replace("-", "") != (environ.get("HTTP_X_PROJECT_ID") or "").replace("-", ""):
                message = f"The project {project} in the URL is not the project of the token."
                return fault.fault_response(400, message)(environ, start_response)
            # Masakari's catalog URLs end in /v1/$(project_id)s: served as vmove's /v1
            environ["PATH_INFO"] = "/v1" + route.group("rest")
        return self.masakari(environ, start_response)


def _names(environ, service_type) -> bool:
    """Whether the request's OpenStack-API-Version header names ``service_type``."""
    headers = microversion_parse.headers_from_wsgi_environ(environ)
    return microversion_parse.get_version(headers, service_type) is not None


class _ServedAs:
    """The application at vmove microversion ``version`` (Masakari's requests)."""

    def __init__(self, application, version):
        self.application, self.version = application, version
        # as microversion_parse's middleware leaves a version: with the range it may be matched against
        version.min_version, version.max_version = MIN_VERSION, MAX_VERSION

    def __call__(self, environ, start_response):
        environ[ENVIRON_KEY] = self.version
        return self.application(environ, start_response)


def _masakari_error(json_error_formatter):
    """Masakari's words for a version it does not have (its clients show them)."""

    def formatter(body, status, title, environ):
        code = int(str(status).split()[0])
        if code != 406:
            return json_error_formatter(body, status, title, environ)
        asked = microversion_parse.get_version(
            microversion_parse.headers_from_wsgi_environ(environ), MASAKARI_SERVICE_TYPE
        )
        message = (
            f"Version {asked} is not supported by the API. Minimum is {MASAKARI_VERSIONS[0]} and maximum is "
            f"{MASAKARI_VERSIONS[-1]} (header 'OpenStack-API-Version: {MASAKARI_SERVICE_TYPE} 1.N'; vmove's own "
            f"microversions, 'vmove 1.N', go up to {VERSIONS[-1]})."
        )
        return fault.fault_body(code, message)

    return formatter
