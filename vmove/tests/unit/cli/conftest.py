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
