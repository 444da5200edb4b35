"""One request id from the user to Nova and Cinder: stored on the move, sent by the session, recorded back."""

import http.server
import threading

from keystoneauth1 import session as ks_session
import pytest

from vmove import clients
from vmove import context as vmove_context
from vmove.moves import service as moves
from vmove.tests.unit.engine import helpers


class _Backend(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 - stdlib name
        _Backend.seen.append(self.headers.get("X-OpenStack-Request-ID"))
        code = 404 if self.path.endswith("/missing") else 200
        self.send_response(code)
        self.send_header("x-openstack-request-id", f"req-backend-{len(_Backend.seen)}")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def backend():
    _Backend.seen = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_move_keeps_the_global_request_id(conf, db):
    ctx = vmove_context.RequestContext(project_id="p1", global_request_id="req-1a1a1a1a-0000-4000-8000-000000000001")
    move = helpers.request(ctx, 1)
    assert move.global_request_id == ctx.global_request_id
    assert move.origin == f"request:{ctx.request_id}"
    plain = vmove_context.RequestContext(project_id="p1")
    assert (
        moves.request_move(
            plain, resource_type="instance", resource_id="r2", move_type="live_migration", params={"host": "h"}
        ).global_request_id
        == plain.request_id
    )  # no caller's id: vmove's own is sent on


def test_acting_for_sets_and_restores_the_thread_context():
    outer = vmove_context.RequestContext(global_request_id="req-outer")  # made current (oslo.context)
    with vmove_context.acting_for("req-move") as ctx:
        assert vmove_context.current_global_id() == "req-move" == ctx.request_id
        with vmove_context.acting_for(None):
            assert vmove_context.current_global_id() is None
        assert vmove_context.current_global_id() == "req-move"
    assert vmove_context.current_global_id() == "req-outer"
    assert outer.global_id == "req-outer"


def test_session_sends_the_id_and_records_the_answers(backend):
    session = clients.CountingSession(auth=None)
    with vmove_context.acting_for("req-move"), clients.recording() as ids:
        session.get(backend + "/servers/1", authenticated=None, endpoint_filter={"service_type": "compute"})
        with clients.recording() as inner:
            try:
                session.get(backend + "/missing", authenticated=None, endpoint_filter={"service_type": "compute"})
            except ks_session.exceptions.NotFound:
                pass
    assert _Backend.seen == ["req-move", "req-move"]
    assert inner == ["req-backend-2"]
    assert ids == ["req-backend-1", "req-backend-2"]  # the enclosing block gets the inner one's too
    assert session.snapshot() == {"compute": 2}
    with vmove_context.acting_for(None):  # vmove's own work: no id sent
        session.get(backend + "/servers/2", authenticated=None)
    assert _Backend.seen[-1] is None


def test_admin_context_for_a_request_keeps_its_ids():
    request = vmove_context.RequestContext(global_request_id="req-g")
    admin = vmove_context.get_admin_context(request=request)
    assert (admin.request_id, admin.global_request_id, admin.is_admin) == (request.request_id, "req-g", True)
    assert vmove_context.get_admin_context().request_id != request.request_id


def test_the_id_survives_a_notification(conf, db):
    """oslo.messaging's notifier makes a redacted copy of the context, which becomes the thread's current one:
    the engine still sends, and logs, the move's id after a state change."""
    from oslo_context import context as oslo_context

    from vmove.moves import notify
    from vmove.moves.transitions import transition
    from vmove.tests import fixtures as vfixtures

    conf.set_override("notifications", True, group="engine")
    notify.setup(conf, "test")
    try:
        move = vfixtures.make_move()
        with vmove_context.acting_for("req-move"):
            transition(vmove_context.get_admin_context(), move, "starting")
            assert vmove_context.current_global_id() == "req-move"
            assert oslo_context.get_current().global_id == "req-move"
    finally:
        notify.reset()
