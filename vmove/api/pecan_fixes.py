"""One fix to pecan's routing, measured on the read path.

``pecan.compat.getargspec`` makes a new namedtuple *class* at every call, and pecan's REST routing
calls it about twenty times per request: a few milliseconds of every request, the largest cost
after the database. The argument specification of a function never changes, so the answer is
cached per function (bound methods of the long-lived controllers compare equal, and so hit the
cache too).
"""

import collections
import functools
import inspect

from pecan import util

ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")


@functools.lru_cache(maxsize=4096)
def _getargspec(func):
    args, varargs, keywords, defaults = inspect.getfullargspec(func)[:4]
    return ArgSpec(args=args, varargs=varargs, keywords=keywords, defaults=defaults)


def apply() -> None:
    """Make pecan use the cached specification (idempotent)."""
    util._getargspec = _getargspec
