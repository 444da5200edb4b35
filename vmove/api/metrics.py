"""WSGI middleware: every API request counted and timed (``vmove_api_requests_total``,
``vmove_api_request_duration_seconds``) by method, route (the path with its ids left out) and code."""

import time

from vmove import metrics, utils

#: answers whose path names no route: one label for all (a client's typos must not grow the label set)
_NO_ROUTE = ("404", "405")


class RequestMetrics:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        began = time.monotonic()
        code = ["500"]

        def _start(status, headers, exc_info=None):
            code[0] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, _start)
        finally:
            method = environ.get("REQUEST_METHOD", "GET")
            route = "other" if code[0] in _NO_ROUTE else utils.path_shape(environ.get("PATH_INFO") or "/")
            metrics.API_REQUESTS.labels(method, route, code[0]).inc()
            metrics.API_DURATION.labels(method, route).observe(time.monotonic() - began)
