"""Admin REST calls of the dev cloud's Cinder (see cinder.py): a mixin of :class:`cinder.Cinder`, urllib only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from vmove.devcloud import base
from vmove.devcloud.base import DevCloudError
from vmove.devcloud.cinder_conf import KEYSTONE_URL

#: microversion used for our own admin calls (3.67: no project id in URLs)
API_VERSION = "3.71"


class CinderApi:
    """Cinder's API as the dev cloud admin (a cached Keystone token)."""

    # --- admin REST calls (urllib only: no client library needed) -------
    _token: tuple[str, float] | None = None

    def token(self) -> str:
        """A Keystone token of the dev cloud admin (cached for 10 minutes)."""
        if self._token and self._token[1] > time.monotonic():
            return self._token[0]
        password, project, _roles = base.USERS["admin"]
        user = {"name": "admin", "domain": {"id": "default"}, "password": password}
        body = {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        }
        req = urllib.request.Request(
            f"{KEYSTONE_URL}/auth/tokens",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                tok = r.headers["X-Subject-Token"]
        except urllib.error.HTTPError as e:
            raise DevCloudError(f"keystone refused the admin token: {e.code} {e.read()[:200]!r}") from e
        self._token = (tok, time.monotonic() + 600)
        return tok

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call Cinder's API as the dev cloud admin; return the decoded JSON (or {})."""
        try:
            return self._api(method, path, body)
        except urllib.error.HTTPError as e:
            if e.code != 401:
                raise DevCloudError(f"cinder {method} {path}: {e.code} {e.read()[:300]!r}") from e
        self._token = None  # keystone was reset meanwhile: one more try with a new token
        try:
            return self._api(method, path, body)
        except urllib.error.HTTPError as e:
            raise DevCloudError(f"cinder {method} {path}: {e.code} {e.read()[:300]!r}") from e

    def _api(self, method: str, path: str, body: dict | None) -> dict:
        req = urllib.request.Request(
            self.endpoint + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "X-Auth-Token": self.token(),
                "Content-Type": "application/json",
                "Accept": "application/json",
                "OpenStack-API-Version": f"volume {API_VERSION}",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else {}
