"""The stdlib WSGI server of the dev cloud's Nova-side peers (nova_launch.py, nova_stubs.py).

Stdlib only (runs in Nova's venv, must not import vmove); found on ``sys.path``
as the peers' own directory.  Named ``nova_*`` so that the Nova component's
code digest covers it (a change restarts the processes).
"""

import socketserver
from wsgiref import simple_server


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
