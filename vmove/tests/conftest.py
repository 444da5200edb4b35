import json
import threading
import time
import warnings

import pytest
import webob

from vmove.tests import fixtures as vfixtures

warnings.filterwarnings("ignore", message=".*[Ee]ventlet.*")


@pytest.fixture(autouse=True)
def _fresh_listings():
    """Server listings are shared by a whole process: a test starts with none (fake ids repeat across tests)."""
    from vmove.actions import listings

    listings.LISTINGS.clear()
    yield


@pytest.fixture(autouse=True)
def _no_engine_left_running():
    """An engine a test started and did not stop would go on driving moves, on the next tests' databases
    (a leaked one once failed another test's moves). Fail the test that left one running."""
    before = {t for t in threading.enumerate() if t.name == "vmove-runner"}
    yield
    deadline = time.monotonic() + 30
    while True:
        left = [t for t in threading.enumerate() if t.name == "vmove-runner" and t not in before]
        if not left or time.monotonic() > deadline:
            break
        left[0].join(timeout=0.5)
    assert not left, "the test left an engine running: stop every EngineService it starts (in a finally)"


@pytest.fixture
def conf():
    fx = vfixtures.Config()
    fx.setUp()
    yield fx.conf
    fx.cleanUp()


@pytest.fixture
def db(conf, tmp_path):
    fx = vfixtures.Database(tmpdir=tmp_path)
    fx.setUp()
    yield fx
    fx.cleanUp()


class InProcessClient:
    """Calls the WSGI app in process (unit tests); functional tests use real HTTP."""

    def __init__(self, app):
        self.app = app

    def request(self, method, path, body=None, version=None, headers=None, raw=None):
        req = webob.Request.blank(path, method=method)
        for k, v in (headers or {}).items():
            req.headers[k] = v
        if version:
            req.headers["OpenStack-API-Version"] = f"vmove {version}"
        if raw is not None:
            req.body = raw
            req.content_type = "application/json"
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = "application/json"
        resp = req.get_response(self.app)
        resp.json_body_or_none = json.loads(resp.body) if resp.body else None
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)


@pytest.fixture
def api(conf, db):
    from vmove.api import app as api_app

    conf.set_override("auth_strategy", "noauth", group="api")
    return InProcessClient(api_app.setup_app(conf))
