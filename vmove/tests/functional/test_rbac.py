"""RBAC matrix over every endpoint, with REAL Keystone tokens.

vmove's API runs over real HTTP behind keystonemiddleware, validating tokens
issued by the dev cloud's Keystone to four personas: an admin, a member and
a reader of project demo, and a member of another project (alt).
"""

from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import keystone_api as ks_api

PERSONAS, USER_OF, call = ks_api.PERSONAS, ks_api.USER_OF, ks_api.call


def test_rbac_matrix(keystone_api):
    srv, ks = keystone_api
    tokens = {p: ks.token(USER_OF[p]) for p in PERSONAS}
    projects = {p: ks.session(USER_OF[p]).get_project_id() for p in PERSONAS}
    demo, alt = projects["member"], projects["other"]
    assert projects["reader"] == demo and alt != demo
    demo_move = vfixtures.make_move(project_id=demo)
    alt_move = vfixtures.make_move(project_id=alt)

    # endpoint -> persona -> expected status
    matrix = {
        ("/v1/moves", None): {"admin": 200, "member": 200, "reader": 200, "other": 200},
        (f"/v1/moves?project_id={alt}", None): {"admin": 200, "member": 403, "reader": 403, "other": 200},
        (f"/v1/moves/{demo_move.uuid}", None): {"admin": 200, "member": 200, "reader": 200, "other": 404},
        (f"/v1/moves/{demo_move.uuid}/events", None): {"admin": 200, "member": 200, "reader": 200, "other": 404},
        (f"/v1/moves/{alt_move.uuid}", None): {"admin": 200, "member": 404, "reader": 404, "other": 200},
        ("/v1/engines", "1.1"): {"admin": 200, "member": 403, "reader": 403, "other": 403},
    }
    failures = []
    for (path, version), expected in matrix.items():
        for persona, want in expected.items():
            got, body = call(srv.url + path, tokens[persona], version=version)
            if got != want:
                failures.append(f"{persona} GET {path}: {got} (wanted {want}) {body}")
            elif want >= 400:
                # every refusal is an OpenStack fault with a message
                assert list(body.values())[0]["code"] == want
        # no token and a forged token: 401 everywhere
        for token in (None, "not-a-real-token"):
            got, _ = call(srv.url + path, token, version=version)
            if got != 401:
                failures.append(f"token={token!r} GET {path}: {got} (wanted 401)")
    assert not failures, "\n".join(failures)

    # what each persona sees in the list
    seen = {p: {m["uuid"] for m in call(srv.url + "/v1/moves", tokens[p])[1]["moves"]} for p in PERSONAS}
    assert seen == {
        "admin": {demo_move.uuid, alt_move.uuid},
        "member": {demo_move.uuid},
        "reader": {demo_move.uuid},
        "other": {alt_move.uuid},
    }


def test_version_discovery_needs_no_token(keystone_api):
    srv, _ = keystone_api
    assert call(srv.url + "/")[0] == 200
    assert call(srv.url + "/v1")[0] == 200
