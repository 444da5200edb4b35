"""vmove-engine: one engine process (run several for capacity and failover)."""

import signal
import threading

from vmove import service
from vmove.engine import service as engine_service


def run_until_signalled(stop_callbacks) -> None:
    done = threading.Event()

    def _handler(signum, frame):
        done.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    done.wait()
    for cb in stop_callbacks:
        cb()


def main(argv=None):
    conf = service.prepare(argv)
    engine = engine_service.EngineService(conf)
    engine.start()
    run_until_signalled([engine.stop])
