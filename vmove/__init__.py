"""vmove: plan, execute and record every move of an OpenStack workload."""

import sys


def _no_eventlet() -> None:
    """vmove never uses eventlet, and does not even import it.

    oslo.service depends on eventlet and picks a backend the first time one of its components is
    imported, which ``import oslo_messaging`` does; its default is still eventlet (whose import warns
    that it is deprecated). The hook below makes that choice the threading backend, whatever vmove
    module (or test) imports oslo.messaging first. futurist and oslo.utils import eventlet when it is
    installed, only to know whether it is: marking it absent answers them without loading it. The
    client and the CLI run without oslo.service: no hook then.
    """
    if "eventlet" not in sys.modules:
        sys.modules["eventlet"] = None  # "import eventlet" raises ImportError from now on
    try:
        from oslo_service import backend
    except ImportError:
        return
    backend.register_backend_default_hook(lambda: backend.BackendType.THREADING)


_no_eventlet()
