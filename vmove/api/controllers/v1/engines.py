"""``/v1/engines`` (microversion 1.1): the engines and their heartbeat."""

from pecan import rest

from vmove import policy
from vmove.api.controllers.v1 import common
from vmove.api.schemas import engines as schemas
from vmove.engine import heartbeat


def engine_view(engine, down_after: float) -> dict:
    return {
        "id": engine.engine_id,
        "host": engine.host,
        "topic": engine.topic,
        "pid": engine.pid,
        "version": engine.version,
        "state": engine.state(down_after),
        "started_at": common.isotime(engine.started_at),
        "last_heartbeat": common.isotime(engine.last_heartbeat),
        "stopped_at": common.isotime(engine.stopped_at),
    }


class EnginesController(rest.RestController):
    @common.handler("1.1", schemas.LIST_RESPONSE_1_1, query=schemas.LIST_QUERY_1_1)
    def get_all(self, *, query):
        ctx = common.context()
        policy.authorize(ctx, "vmove:engine:get_all")
        down_after = common.conf().engine.engine_down_time
        return {"engines": [engine_view(e, down_after) for e in heartbeat.get_all(ctx)]}
