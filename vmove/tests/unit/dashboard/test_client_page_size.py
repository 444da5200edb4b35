"""vmove.client's ``page_size`` (added for the dashboard): all of a run's moves or a
notification's vmoves in as few requests as the API allows."""

from keystoneauth1 import session
import pytest

from vmove.client import Client
from vmove.tests.unit.cli.fake_api import FakeAPI


@pytest.fixture
def fake_api():
    with FakeAPI(max_version="1.4") as api:
        yield api


@pytest.mark.parametrize(
    ("manager", "path", "key"),
    [("runs", "/v1/runs/r1/moves", "moves"), ("notifications", "/v1/notifications/n1/vmoves", "vmoves")],
)
def test_page_size_reads_everything_in_fewer_requests(fake_api, manager, path, key):
    items = [{"uuid": f"u{i:03}"} for i in range(250)]
    fake_api.pages(path, key, items, 100)
    client = Client(session.Session(), endpoint_override=fake_api.url, api_version="1.4")
    read = getattr(client, manager)
    listing = read.moves if manager == "runs" else read.vmoves
    ident = path.split("/")[3]

    assert listing(ident, page_size=1000) == items
    assert [r.query["limit"] for r in fake_api.made("GET", path)] == [["1000"]]

    fake_api.requests.clear()
    assert listing(ident) == items  # without: the API's default page size
    assert len(fake_api.made("GET", path)) == 3

    fake_api.requests.clear()
    assert listing(ident, page_size=1000, limit=5) == items[:5]  # a limit wins
    assert [r.query["limit"] for r in fake_api.made("GET", path)] == [["5"]]
