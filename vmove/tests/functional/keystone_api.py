"""vmove's API over real HTTP behind keystonemiddleware and the dev cloud's Keystone."""

import contextlib
import json
import urllib.error
import urllib.request

from vmove.api import app as api_app
from vmove.api import server

#: the RBAC tests' four personas: an admin, a member and a reader of project demo, a member of project alt
PERSONAS = ("admin", "member", "reader", "other")
USER_OF = {"admin": "admin", "member": "demo", "reader": "demo-reader", "other": "alt"}


def call(url, token=None, method="GET", body=None, version=None):
    """One JSON request: ``(status, body)``, errors included."""
    headers = {"Accept": "application/json"}
    if token:
        headers["X-Auth-Token"] = token
    if version:
        headers["OpenStack-API-Version"] = f"vmove {version}"
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@contextlib.contextmanager
def keystone_api(conf, db, ks, tmp_path, api_options=(), port=0):
    """Serve the API on a free port, validating tokens of Keystone ``ks``; yields the APIServer.

    ``api_options``: extra ``[api]`` lines, e.g. ``("max_limit = 50",)``; ``port`` 0 is a free one.
    The auth plugin options keystonemiddleware registers are removed by the
    ``conf`` fixture's cleanup.
    """
    creds = ks.credentials("vmove")
    lines = [
        "[api]",
        "auth_strategy = keystone",
        *api_options,
        "",
        "[keystone_authtoken]",
        f"www_authenticate_uri = {ks.auth_url}",
        "auth_type = password",
        f"auth_url = {ks.auth_url}",
        f"username = {creds['username']}",
        f"password = {creds['password']}",
        f"project_name = {creds['project_name']}",
        "user_domain_name = Default",
        "project_domain_name = Default",
        f"region_name = {ks.region}",
        "service_token_roles_required = true",
        "token_cache_time = 300",
    ]
    conf_file = tmp_path / "vmove-keystone.conf"
    conf_file.write_text("\n".join(lines) + "\n")
    conf(["--config-file", str(conf_file)], project="vmove", default_config_files=[])
    conf.set_override("connection", db.url, group="database")
    conf.set_override("response_validation", "error", group="api")
    srv = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", port)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
