"""The HTTP layer: where the API is, which microversion to speak, JSON and faults."""

import logging
import urllib.parse

from keystoneauth1 import exceptions as ksa_exc

from vmove.client import exceptions, versions
from vmove.client.versions import Version

LOG = logging.getLogger(__name__)


class HTTPClient:
    """Requests to the vmove API over a keystoneauth1 session.

    The endpoint is ``endpoint_override`` or the service catalog's ``vmove``
    endpoint; the microversion is ``api_version`` when given, otherwise the
    highest one both sides speak (asked at ``GET /`` on first use).
    """

    def __init__(self, session, endpoint_override=None, api_version=None, region_name=None, interface="public"):
        self.session = session
        self.endpoint_override = endpoint_override
        self.region_name = region_name
        self.interface = interface or "public"
        self.requested_version = versions.check_requested(api_version)
        self._endpoint = None
        self._server_range = None
        self._version = None

    # ------------------------------------------------------------ endpoint

    @property
    def endpoint(self) -> str:
        """The API's root URL (without ``/v1``)."""
        if self._endpoint is None:
            url = self.endpoint_override
            if not url:
                try:
                    url = self.session.get_endpoint(
                        service_type=versions.SERVICE_TYPE, interface=self.interface, region_name=self.region_name
                    )
                except ksa_exc.EndpointNotFound:
                    url = None
            if not url:
                raise exceptions.EndpointNotFound(
                    f"no vmove endpoint in the service catalog (service type 'vmove', interface "
                    f"{self.interface}, region {self.region_name or 'any'}); give the API's URL with "
                    "--os-vmove-endpoint-override"
                )
            url = url.rstrip("/")
            self._endpoint = url[: -len("/v1")] if url.endswith("/v1") else url
        return self._endpoint

    # ------------------------------------------------------------ versions

    def server_versions(self) -> tuple[Version, Version]:
        """The server's (min, max) microversions, from ``GET /`` (asked once)."""
        if self._server_range is None:
            response = self._send("GET", self.endpoint + "/", authenticated=False)
            self._server_range = versions.server_range(response.json())
        return self._server_range

    @property
    def api_version(self) -> Version:
        """The microversion every request is made with."""
        if self._version is None:
            if self.requested_version is not None:
                self._version = self.requested_version
            else:
                low, high = self.server_versions()
                self._version = versions.negotiate(low, high, self.endpoint)
                LOG.debug("vmove API at %s: versions %s to %s, using %s", self.endpoint, low, high, self._version)
        return self._version

    def require(self, needed) -> Version:
        """The version to use for a call that needs ``needed``; VersionNotSupported if none."""
        needed = Version(needed)
        current = self.api_version
        if current >= needed:
            return current
        if self.requested_version is not None:
            raise exceptions.VersionNotSupported(
                f"this command needs API version {needed} or later; version {current} was asked for "
                "(--os-vmove-api-version or OS_VMOVE_API_VERSION)"
            )
        _, high = self.server_versions()
        raise exceptions.VersionNotSupported(
            f"the vmove API at {self.endpoint} supports up to {high}; this command needs {needed} or later"
        )

    # ------------------------------------------------------------ requests

    def request(self, method, path, *, params=None, body=None, min_version=versions.MIN_VERSION):
        """Send one request under ``/v1`` and return its JSON body (None if empty)."""
        version = self.require(min_version)
        headers = {"Accept": "application/json", versions.HEADER: f"{versions.SERVICE_TYPE} {version}"}
        kwargs = {"headers": headers}
        if params:
            kwargs["params"] = params
        if body is not None:
            kwargs["json"] = body
        response = self._send(method, self.endpoint + path, **kwargs)
        return response.json() if response.content else None

    def paginate(self, path, key, *, params=None, limit=None, marker=None, min_version=versions.MIN_VERSION):
        """Yield the items of a list, page after page, following ``<key>_links`` ``next``.

        ``limit`` is the most items wanted in all (None: every item); the
        query of a next link is replayed on this client's own endpoint, so
        pages work behind a proxy or an endpoint override.
        """
        query = dict(params or {})
        if marker:
            query["marker"] = marker
        remaining = limit
        while True:
            if remaining is not None:
                query["limit"] = remaining
            body = self.request("GET", path, params=query, min_version=min_version) or {}
            items = body.get(key) or []
            if remaining is not None:
                items = items[:remaining]
                remaining -= len(items)
            yield from items
            next_href = _next_link(body.get(f"{key}_links"))
            if not items or not next_href or remaining == 0:
                return
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(next_href).query, keep_blank_values=True)

    def _send(self, method, url, **kwargs):
        try:
            response = self.session.request(url, method, raise_exc=False, **kwargs)
        except ksa_exc.ConnectionError as e:
            raise exceptions.ConnectionFailed(f"cannot reach the vmove API at {self.endpoint}: {e}") from e
        if response.status_code >= 400:
            raise exceptions.from_response(response, method, url)
        return response


def _next_link(links) -> str | None:
    return next((link["href"] for link in links or [] if link.get("rel") == "next"), None)
