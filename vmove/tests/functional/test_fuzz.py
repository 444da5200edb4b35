"""schemathesis over every operation of the API's OpenAPI document, at the oldest and the newest
microversion, against the real server behind keystonemiddleware with tokens of the dev cloud's Keystone.

Each operation gets ``EXAMPLES`` generated requests (valid and invalid ones, derandomized: the same
requests at every run) and every answer must be: no 5xx, a documented status, the documented content
type, a body valid against the schema of its status (the handler's response schema for a 2xx, the
fault format for an error), and a 4xx for a request the schema refuses.
"""

import collections

from hypothesis import HealthCheck, given, settings
import pytest
import schemathesis
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks

from vmove.api import microversion, openapi
from vmove.tests.functional import keystone_api as ks_api

EXAMPLES = 15
CHECKS = [
    st_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


@pytest.fixture
def server(conf, db, devcloud_keystone, tmp_path):
    with ks_api.keystone_api(conf, db, devcloud_keystone, tmp_path) as srv:
        yield srv, devcloud_keystone.token("admin")


@pytest.mark.parametrize("version", [microversion.VERSIONS[0], microversion.VERSIONS[-1]])
def test_every_operation_fuzzed(server, version):
    srv, token = server
    schema = schemathesis.openapi.from_dict(openapi.document(version))
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": f"vmove {version}"}
    statuses = collections.Counter()
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            response = case.call(base_url=srv.url, headers=headers, timeout=30)
            statuses[response.status_code // 100] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as e:  # noqa: BLE001 - collect them all, report at the end
                failures.append(f"{case.method} {case.formatted_path}: {str(e)[:600]}")

        fuzz()
    print(f"microversion {version}: {len(operations)} operations, answers by class {dict(statuses)}")
    assert statuses[5] == 0, failures
    assert failures == [], "\n\n".join(failures[:10])
