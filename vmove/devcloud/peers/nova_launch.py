"""Launcher of the dev cloud's Nova and Placement processes (runs in Nova's venv).

    python nova_launch.py compute|conductor|scheduler --config-file ... [oslo args]
    python nova_launch.py wsgi HOST:PORT module:attr PROG [oslo args]

Services: the ``nova.cmd.<service>`` entry point, after registering
``vmove_fake_virt`` as ``nova.virt.vmove_fake_virt`` (Nova only loads
``nova.virt.<compute_driver>``); ``$VMOVE_NOVA_READY_FILE`` is written once the
service has started (init_host done, RPC servers consuming).

wsgi: serves a WSGI application (``nova.wsgi.osapi_compute:application``,
``placement.wsgi.api:application``) with the stdlib threading server, with a
bound on requests in flight (``WSGI_MAX_INFLIGHT``, default 8) as a uwsgi
worker pool would have: unbounded threads exhaust the oslo.db pool
("QueuePool limit ... reached", then NoValidHost during moves).  Nova has no
``nova-api`` script any more and its WSGI module parses ``sys.argv`` with
oslo.config, hence ``PROG [oslo args]``.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from wsgiref import simple_server

import nova_wsgi

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICES = ("compute", "conductor", "scheduler")


def run_service(service: str, args: list[str]) -> int:
    # nova.cmd.<service> monkey-patches (threading backend) on import: first.
    cmd = importlib.import_module(f"nova.cmd.{service}")
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import vmove_fake_virt

    sys.modules["nova.virt.vmove_fake_virt"] = vmove_fake_virt
    # A service started with the conductor pings it every 10 s until it answers:
    # the first ping, sent before the conductor's queue exists, is simply lost.
    # Ping every second instead (start-up only; same total patience).
    from nova.conductor import api as conductor_api

    conductor_api.API.wait_until_ready.__defaults__ = (1, 100)
    if service != "compute":
        # One worker: run it in this process (as nova-compute does) instead of
        # a master plus one forked worker, ~125 MB less each.
        from nova import service as nova_service

        serve = nova_service.serve

        def serve_in_process(server, workers=None, no_fork=False):
            return serve(server, workers=workers, no_fork=no_fork or workers in (None, 1))

        nova_service.serve = serve_in_process
    _tell_when_ready(os.environ.get("VMOVE_NOVA_READY_FILE"))
    sys.argv = [f"nova-{service}"] + args
    return cmd.main() or 0


def _tell_when_ready(path: str | None) -> None:
    """Write ``path`` once the service has started: init_host done, RPC servers consuming."""
    if not path:
        return
    from nova import service as nova_service

    start = nova_service.Service.start

    def start_then_tell(self):
        start(self)
        with open(path, "w") as f:
            f.write(f"{os.getpid()}\n")

    nova_service.Service.start = start_then_tell


class _ThreadingServer(nova_wsgi.ThreadingServer):
    request_queue_size = 64


def run_wsgi(listen: str, target: str, prog: str, args: list[str]) -> int:
    host, _, port = listen.rpartition(":")
    sys.argv = [prog] + args
    module, _, attr = target.partition(":")
    inner = getattr(importlib.import_module(module), attr or "application")
    slots = threading.BoundedSemaphore(int(os.environ.get("WSGI_MAX_INFLIGHT", "8")))

    def app(environ, start_response):
        with slots:
            return list(inner(environ, start_response))

    server = simple_server.make_server(
        host or "127.0.0.1", int(port), app, server_class=_ThreadingServer, handler_class=nova_wsgi.QuietHandler
    )
    print(f"{prog} serving on {host}:{port}", flush=True)
    server.serve_forever()
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in SERVICES + ("wsgi",):
        print(__doc__, file=sys.stderr)
        return 2
    what = sys.argv[1]
    if what == "wsgi":
        if len(sys.argv) < 5:
            print(__doc__, file=sys.stderr)
            return 2
        return run_wsgi(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    return run_service(what, sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
