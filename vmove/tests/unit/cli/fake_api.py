"""A tiny stand-in for the vmove API over real HTTP, for the client's unit tests.

Answers are set per (method, path) (``pages``: a paged listing, as the API
pages); every request is recorded with its query, headers and JSON body.  ``GET /`` answers the version document of
``min_version``..``max_version`` unless replaced.
"""

import dataclasses
import http.server
import json
import threading
import urllib.parse


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: object


class FakeAPI:
    def __init__(self, min_version="1.0", max_version="1.2"):
        self.routes = {}
        self.requests: list[Request] = []
        self.set_versions(min_version, max_version)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self):
                split = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                req = Request(
                    self.command,
                    split.path,
                    urllib.parse.parse_qs(split.query, keep_blank_values=True),
                    dict(self.headers),
                    json.loads(raw) if raw else None,
                )
                api.requests.append(req)
                answer = api.routes.get((self.command, split.path))
                if answer is None:
                    status, body = 404, {"itemNotFound": {"code": 404, "message": f"no route {split.path}"}}
                else:
                    status, body = answer(req) if callable(answer) else answer
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-OpenStack-Request-ID", "req-fake")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def set_versions(self, low, high):
        doc = {"id": "v1", "status": "CURRENT", "min_version": low, "version": high, "links": []}
        self.routes[("GET", "/")] = (200, {"versions": [doc], "default_version": doc})

    def on(self, method, path, status=200, body=None):
        """Answer ``method path`` with ``status`` and ``body`` (or a callable(request) -> (status, body))."""
        self.routes[(method, path)] = body if callable(body) else (status, body)

    def pages(self, path, key, items, size, base="http://x", query=""):
        """Answer GET ``path`` like the API: ``items`` under ``key``, ``size`` a page (or the limit asked)
        from the item after ``marker``, a next link (on ``base``, ending with ``query``) while more may come."""

        def answer(req):
            limit = int(req.query.get("limit", [size])[0])
            start = 0
            if "marker" in req.query:
                start = [i["uuid"] for i in items].index(req.query["marker"][0]) + 1
            page = items[start : start + limit]
            body = {key: page}
            if len(page) == limit:
                href = f"{base}{path}?limit={limit}&marker={page[-1]['uuid']}{query}"
                body[f"{key}_links"] = [{"rel": "next", "href": href}]
            return 200, body

        self.on("GET", path, body=answer)

    def made(self, method=None, path=None) -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and (path in (None, r.path))]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
