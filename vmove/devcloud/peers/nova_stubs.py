"""Read-only Glance (image v2) and Neutron (v2.0) stand-ins for the dev cloud's Nova.

Nova cannot boot without an image service and calls Neutron on every boot,
move and delete, even for servers booted with ``networks='none'``.  With the
fake virt driver nothing is ever downloaded and no port is ever created, so
these answers are enough: a fixed set of images, and empty lists for every
Neutron collection.  Tokens are not checked.  Stdlib only (runs in Nova's
venv, must not import vmove)::

    python nova_stubs.py --glance-port 18292 --neutron-port 18696 [--log FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from wsgiref import simple_server

import nova_wsgi

# Keep in step with vmove.devcloud.nova.IMAGE_ID / IMAGES.
IMAGES = {
    "155d900f-4e14-4e4c-a73d-069cbf4541e6": "cirros-fake",
    "a2459075-d96c-40d5-893e-577ff92e721c": "ubuntu-fake",
}
STAMP = "2026-01-01T00:00:00Z"

_STR_OR_NULL = {"type": ["null", "string"]}
_INT_OR_NULL = {"type": ["null", "integer"]}
IMAGE_SCHEMA = {
    "name": "image",
    "additionalProperties": {"type": "string"},
    "links": [
        {"href": "{self}", "rel": "self"},
        {"href": "{file}", "rel": "enclosure"},
        {"href": "{schema}", "rel": "describedby"},
    ],
    "properties": {
        "id": {"type": "string"},
        "name": _STR_OR_NULL,
        "status": {"type": "string"},
        "visibility": {"type": "string"},
        "protected": {"type": "boolean"},
        "os_hidden": {"type": "boolean"},
        "checksum": _STR_OR_NULL,
        "os_hash_algo": _STR_OR_NULL,
        "os_hash_value": _STR_OR_NULL,
        "owner": _STR_OR_NULL,
        "size": _INT_OR_NULL,
        "virtual_size": _INT_OR_NULL,
        "min_ram": {"type": "integer"},
        "min_disk": {"type": "integer"},
        "container_format": _STR_OR_NULL,
        "disk_format": _STR_OR_NULL,
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "direct_url": {"type": "string"},
        "locations": {"type": "array"},
        "self": {"type": "string"},
        "file": {"type": "string"},
        "schema": {"type": "string"},
    },
}


def image(image_id: str) -> dict:
    return {
        "id": image_id,
        "name": IMAGES[image_id],
        "status": "active",
        "visibility": "public",
        "protected": False,
        "os_hidden": False,
        "checksum": None,
        "os_hash_algo": None,
        "os_hash_value": None,
        "owner": None,
        "size": 1 << 20,
        "virtual_size": None,
        "min_ram": 0,
        "min_disk": 0,
        "container_format": "bare",
        "disk_format": "raw",
        "created_at": STAMP,
        "updated_at": STAMP,
        "tags": [],
        "self": "/v2/images/" + image_id,
        "file": f"/v2/images/{image_id}/file",
        "schema": "/v2/schemas/image",
        "hw_architecture": "x86_64",
    }


class RequestLog:
    def __init__(self, path: str):
        self.file = open(path, "a", buffering=1) if path else None  # noqa: SIM115
        self.lock = threading.Lock()

    def __call__(self, service: str, environ: dict, status: str) -> None:
        if not self.file:
            return
        qs = environ.get("QUERY_STRING", "")
        query = "?" + qs if qs else ""
        path = environ.get("PATH_INFO", "")
        line = f"{time.time():.3f} {service} {environ['REQUEST_METHOD']} {path}{query} -> {status[:3]}\n"
        with self.lock:
            self.file.write(line)


def _reply(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def glance_app(log: RequestLog):
    image_path = re.compile(r"^/v2/images/([^/]+)$")

    def app(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        status, body = "404 Not Found", {"message": "not found (glance stub)", "code": 404}
        match = image_path.match(path)
        if method != "GET":
            status, body = "405 Method Not Allowed", {"message": "read-only glance stub", "code": 405}
        elif path in ("", "/", "/versions"):
            status, body = (
                "200 OK",
                {"versions": [{"id": "v2.16", "status": "CURRENT", "links": [{"rel": "self", "href": "/v2/"}]}]},
            )
        elif path == "/v2/schemas/image":
            status, body = "200 OK", IMAGE_SCHEMA
        elif path == "/v2/schemas/images":
            status, body = (
                "200 OK",
                {
                    "name": "images",
                    "links": [],
                    "properties": {"images": {"type": "array", "items": IMAGE_SCHEMA}},
                },
            )
        elif path == "/v2/images":
            status, body = (
                "200 OK",
                {"images": [image(i) for i in IMAGES], "first": "/v2/images", "schema": "/v2/schemas/images"},
            )
        elif match and match.group(1) in IMAGES:
            status, body = "200 OK", image(match.group(1))
        log("glance", environ, status)
        return _reply(start_response, status, body)

    return app


def neutron_app(log: RequestLog):
    collection = re.compile(r"^/(?:v2\.0/)?([a-z0-9_-]+)(?:\.json)?/?$")

    def app(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        status = "404 Not Found"
        body: dict = {"NeutronError": {"type": "NotFound", "message": "not found (neutron stub)", "detail": ""}}
        match = collection.match(path)
        if method == "GET" and path in ("", "/"):
            status, body = (
                "200 OK",
                {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": "/v2.0/"}]}]},
            )
        elif method == "GET" and match:
            # every collection is empty (servers are booted with networks='none')
            status, body = "200 OK", {match.group(1).replace("-", "_"): []}
        log("neutron", environ, status)
        return _reply(start_response, status, body)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--glance-port", type=int, required=True)
    parser.add_argument("--neutron-port", type=int, required=True)
    parser.add_argument("--log", default="", help="append one line per request to this file")
    args = parser.parse_args(argv)
    log = RequestLog(args.log)
    servers = [
        simple_server.make_server(
            args.host, port, app(log), server_class=nova_wsgi.ThreadingServer, handler_class=nova_wsgi.QuietHandler
        )
        for port, app in ((args.glance_port, glance_app), (args.neutron_port, neutron_app))
    ]
    threading.Thread(target=servers[1].serve_forever, daemon=True).start()
    print(
        f"nova-stubs: glance on {args.host}:{args.glance_port}, neutron on {args.host}:{args.neutron_port}",
        flush=True,
    )
    servers[0].serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
