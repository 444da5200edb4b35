"""The API's microversions: the one list of versions, and the gate decorator.

``OpenStack-API-Version: vmove 1.N`` is parsed once per request by
microversion_parse's middleware (see :mod:`vmove.api.app`); handlers read
the result with :func:`requested` and are gated with :func:`min_version` /
:func:`max_version` instead of if-chains.

When adding a version:

1. Append it to VERSIONS with one line saying what it adds.
2. Gate the new handler (or the new field) with ``@microversion.min_version``
   or give the schema a ``min_version`` (vmove.api.validation).
3. Add the request and response schemas for the new version in
   ``vmove/api/schemas/`` and a test for both sides of the boundary.
4. Update the pinned latest version in
   ``vmove/tests/unit/api/test_microversion.py``.
5. Add a release note (``reno new``) describing the change for users.
"""

import functools

import microversion_parse
import pecan

from vmove import exception

SERVICE_TYPE = "vmove"
ENVIRON_KEY = f"{SERVICE_TYPE}.microversion"

VERSIONS = [
    "1.0",  # Initial version: GET /v1/moves, /v1/moves/{uuid}, /v1/moves/{uuid}/events.
    "1.1",  # GET /v1/engines: the engines and their last heartbeat (admin).
    "1.2",  # POST /v1/moves (ask for one move) and POST /v1/moves/{uuid}/action {"cancel": null}.
    "1.3",  # Host recovery: /v1/notifications, their Masakari-shaped vmoves, restore.
    "1.4",  # Migration plans and runs: /v1/plans, /v1/plans/{id}/runs, /v1/runs.
    "1.5",  # Plans: drains, cold fallback, recurring windows, flavors; runs: per-item approval, estimate, events.
]

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


def matches(min_version: str | None = None, max_version: str | None = None, environ=None) -> bool:
    low = parse(min_version) if min_version else None
    high = parse(max_version) if max_version else None
    return requested(environ).matches(low, high)


class VersionNotAvailable(exception.NotFound):
    msg_fmt = "%(what)s is not available at microversion %(requested)s; it needs %(needed)s."


def min_version(version: str):
    """The decorated handler exists from microversion ``version`` on (404 before)."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not matches(min_version=version):
                raise VersionNotAvailable(
                    what=f"{pecan.request.method} {pecan.request.path}",
                    requested=str(requested()),
                    needed=f"{version} or later",
                )
            return func(*args, **kwargs)

        wrapper.min_version = version
        return wrapper

    return decorator


def max_version(version: str):
    """The decorated handler exists up to microversion ``version`` (404 after)."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not matches(max_version=version):
                raise VersionNotAvailable(
                    what=f"{pecan.request.method} {pecan.request.path}",
                    requested=str(requested()),
                    needed=f"{version} or earlier",
                )
            return func(*args, **kwargs)

        wrapper.max_version = version
        return wrapper

    return decorator
