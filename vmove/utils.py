"""Small helpers every layer uses."""

from oslo_utils import timeutils


def naive_utc(ts):
    """``ts`` as a naive UTC datetime (None stays None)."""
    return timeutils.normalize_time(ts) if ts is not None else None


def parse_time(text):
    """An ISO 8601 time (Nova's and Cinder's, or a user's) as a naive UTC datetime; None for none.

    ValueError when ``text`` is not a time.
    """
    return timeutils.normalize_time(timeutils.parse_isotime(text)) if text else None
