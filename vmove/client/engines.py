"""``/v1/engines`` (microversion 1.1, admin): the engines and their heartbeat."""

from vmove.client import base


class EngineManager(base.Manager):
    def list(self):
        return [base.Resource(e) for e in self.http.request("GET", "/v1/engines", min_version="1.1")["engines"]]
