"""The counting session tells what the backend calls were, with ids left out."""

import pytest

from vmove import clients


@pytest.mark.parametrize(
    "url, shape",
    [
        ("http://h:8774/v2.1/servers/8e4c6a3a-1111-2222-3333-444455556666/action", "/v2.1/servers/{id}/action"),
        ("http://h:8774/v2.1/os-migrations?changes-since=2026-11-24T10:00:00", "/v2.1/os-migrations"),
        ("/resource_providers/8e4c6a3a111122223333444455556666/usages", "/resource_providers/{id}/usages"),
        ("http://h:8776/v3/p1/volumes/12/action", "/v3/p1/volumes/{id}/action"),
        (
            "/servers/8e4c6a3a-1111-2222-3333-444455556666/os-instance-actions/req-1a2b-3c",
            "/servers/{id}/os-instance-actions/{id}",
        ),
    ],
)
def test_request_shape(url, shape):
    assert clients._shape(url) == shape
