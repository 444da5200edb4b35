"""Shared fixtures of the client and command tests: a fake API, a fake ``openstack`` app, API bodies."""

import io
from unittest import mock
import urllib.parse
import uuid

from keystoneauth1 import session
import pytest

from vmove.client import Client
from vmove.tests.unit.cli.fake_api import FakeAPI


@pytest.fixture
def fake_api():
    with FakeAPI() as api:
        yield api


@pytest.fixture
def make_client(fake_api):
    def make(**kwargs):
        kwargs.setdefault("endpoint_override", fake_api.url)
        return Client(session.Session(), **kwargs)

    return make


def move(status="pending", progress=0, **values):
    """A move as the API shows it."""
    body = {
        "uuid": str(uuid.uuid4()),
        "resource_type": "instance",
        "resource_id": str(uuid.uuid4()),
        "type": "live_migration",
        "status": status,
        "phase": "queued",
        "progress": progress,
        "message": None,
        "params": {},
    }
    body.update(values)
    return body


def header(request):
    """The microversion header of a request the fake API got."""
    return request.headers.get("OpenStack-API-Version")


def query(text):
    """A query string as the fake API records one: ``"a=1&a=2&b=3"`` -> ``{"a": ["1", "2"], "b": ["3"]}``."""
    return urllib.parse.parse_qs(text, keep_blank_values=True)


@pytest.fixture
def app():
    """The ``openstack`` app of a command: a mock, its client a mock too, its stderr kept."""
    app = mock.Mock()
    app.stderr = io.StringIO()
    return app


def parse(cmd_class, app, argv):
    """(command, parsed arguments) of ``openstack vmove ... argv``."""
    cmd = cmd_class(app, None)
    return cmd, cmd.get_parser("openstack vmove").parse_args(argv)


def run_cmd(cmd_class, app, argv):
    """(command, what its take_action returned)."""
    cmd, parsed = parse(cmd_class, app, argv)
    return cmd, cmd.take_action(parsed)


def run(cmd_class, app, argv):
    """(command, columns, data) of a Lister or ShowOne."""
    cmd, (columns, data) = run_cmd(cmd_class, app, argv)
    return cmd, columns, data
