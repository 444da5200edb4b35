"""Microversions as the client sees them.

The client knows the versions it can speak (:data:`MIN_VERSION` to
:data:`MAX_VERSION`); the server says its range at ``GET /``.  Unless a
version is asked for, the client uses the highest version both sides
support.  Each call says which version it needs; a call the negotiated
version cannot make is refused before anything is sent.

When the API gains a version: raise :data:`MAX_VERSION`, and give the new
calls ``min_version=`` that version.
"""

import re

from vmove.client import exceptions

SERVICE_TYPE = "vmove"
HEADER = "OpenStack-API-Version"

MIN_VERSION = "1.0"
#: 1.1 engines, 1.2 create and cancel moves, 1.3 notifications (host recovery), 1.4 plans and runs,
#: 1.5 drains, windows, per-item approval and estimates
MAX_VERSION = "1.5"

#: asking for the major version only means "negotiate"
NEGOTIATE = ("1", None, "")

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")


class Version(tuple):
    """A microversion, comparable: ``Version('1.2') > Version('1.10')`` is False."""

    def __new__(cls, text):
        if isinstance(text, Version):
            return text
        match = _VERSION_RE.match(str(text).strip())
        if not match:
            raise ValueError(f"{text!r} is not an API version (expected MAJOR.MINOR, e.g. 1.2)")
        return super().__new__(cls, (int(match.group(1)), int(match.group(2))))

    def __str__(self):
        return f"{self[0]}.{self[1]}"

    def __repr__(self):
        return f"Version('{self}')"


def known_versions() -> list[str]:
    """Every version this client can speak, oldest first."""
    low, high = Version(MIN_VERSION), Version(MAX_VERSION)
    return [f"{low[0]}.{minor}" for minor in range(low[1], high[1] + 1)]


def check_requested(version) -> Version | None:
    """The version a user asked for, or None to negotiate."""
    if version in NEGOTIATE:
        return None
    try:
        wanted = Version(version)
    except ValueError as e:
        raise exceptions.VersionNotSupported(str(e)) from None
    if not Version(MIN_VERSION) <= wanted <= Version(MAX_VERSION):
        raise exceptions.VersionNotSupported(
            f"API version {wanted} is not supported by this client, which speaks {MIN_VERSION} to {MAX_VERSION}"
        )
    return wanted


def negotiate(server_min: Version, server_max: Version, url: str) -> Version:
    """The highest version both this client and the server speak."""
    best = min(server_max, Version(MAX_VERSION))
    if best < max(server_min, Version(MIN_VERSION)):
        raise exceptions.VersionNotSupported(
            f"the vmove API at {url} supports {server_min} to {server_max}; "
            f"this client speaks {MIN_VERSION} to {MAX_VERSION}"
        )
    return best


def server_range(root_document: dict) -> tuple[Version, Version]:
    """The (min, max) microversions of v1 in a ``GET /`` document."""
    for doc in root_document.get("versions") or []:
        if doc.get("id") == "v1":
            low = doc.get("min_version") or MIN_VERSION
            high = doc.get("version") or low
            return Version(low), Version(high)
    # a v1 without microversions speaks 1.0 only
    return Version("1.0"), Version("1.0")
