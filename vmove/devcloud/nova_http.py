"""The dev cloud's HTTP client of its Keystone-protected APIs (Nova, Placement): urllib only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from vmove.devcloud.base import USERS, DevCloudError

#: seconds a token is used (Keystone's default lifetime is an hour)
TOKEN_TTL = 1800


class Client:
    """Project-scoped tokens of the dev cloud's users (cached), and JSON calls made with them."""

    def __init__(self, keystone_url: str):
        self.keystone_url = keystone_url
        self._tokens: dict[str, tuple[str, float]] = {}

    def token(self, user: str = "admin") -> str:
        """A project-scoped Keystone token for ``user`` of base.USERS (cached)."""
        cached = self._tokens.get(user)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        password, project, _roles = USERS[user]
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
                },
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        }
        req = urllib.request.Request(
            self.keystone_url + "/auth/tokens",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                token = resp.headers["X-Subject-Token"]
        except urllib.error.HTTPError as exc:
            raise DevCloudError(f"keystone refused {user}: HTTP {exc.code} {exc.read()[:300]!r}") from None
        self._tokens[user] = (token, time.monotonic() + TOKEN_TTL)
        return token

    def call(self, url: str, method: str, body: dict | None, user: str, headers: dict[str, str]) -> dict:
        """``method url`` with ``body`` as JSON, as ``user``; returns the JSON answer ({} if none)."""
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"X-Auth-Token": self.token(user), "Accept": "application/json", **headers}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=90) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise DevCloudError(
                f"{method} {url}: HTTP {exc.code} {exc.read()[:500].decode(errors='replace')}"
            ) from None
        return json.loads(raw) if raw else {}
