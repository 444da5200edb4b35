"""The OpenAPI document is made from the handlers' own schemas, and the one in the docs is current."""

import json
import pathlib

import pytest

from vmove.api import microversion, openapi, routes

ROOT = pathlib.Path(__file__).resolve().parents[4]
WRITTEN = ROOT / "doc" / "source" / "api-ref" / "openapi.json"


def test_written_document_is_current():
    assert WRITTEN.read_text() == openapi.dumps(openapi.document()), (
        "doc/source/api-ref/openapi.json is out of date: run tools/gen-samples"
    )


@pytest.mark.parametrize("version", [microversion.VERSIONS[0], microversion.VERSIONS[-1]])
def test_every_route_of_the_version_with_its_own_schemas(version):
    doc = openapi.document(version)
    assert doc["openapi"] == "3.1.0"
    seen = set()
    for (method, path), handler in routes.api_routes().items():
        op = doc["paths"].get(path, {}).get(method.lower())
        if not routes.exists_at(handler, version):
            assert op is None, (method, path)
            continue
        seen.add((method, path))
        body = routes.schema_at(handler, "body", version)
        if body is None:
            assert "requestBody" not in op
        else:
            assert op["requestBody"]["content"]["application/json"]["schema"] is body
        response = routes.schema_at(handler, "response", version)
        if response is not None:
            assert op["responses"]["2XX"]["content"]["application/json"]["schema"] is response
        query = routes.schema_at(handler, "query", version) or {}
        in_query = {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
        assert in_query.keys() == (query.get("properties") or {}).keys()
        assert all(in_query[k] is v for k, v in (query.get("properties") or {}).items())
        in_path = [p["name"] for p in op["parameters"] if p["in"] == "path"]
        assert in_path == [p[1:-1] for p in path.split("/") if p.startswith("{")]
    assert seen, "no route at all"
    if version == microversion.VERSIONS[-1]:
        assert sum(len(ops) for ops in doc["paths"].values()) == len(routes.api_routes())


def test_loads_in_schemathesis():
    import schemathesis

    schema = schemathesis.openapi.from_dict(json.loads(WRITTEN.read_text()))
    operations = [op for op in schema.get_all_operations()]
    assert len(operations) == len(routes.api_routes())
    assert all(op.ok() for op in operations), [op.err() for op in operations if not op.ok()]


def test_unknown_version():
    with pytest.raises(ValueError, match="no microversion 9.9"):
        openapi.document("9.9")
