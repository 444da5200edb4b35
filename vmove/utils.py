"""Small helpers every layer uses."""

import re
import urllib.parse

from oslo_utils import timeutils


def naive_utc(ts):
    """``ts`` as a naive UTC datetime (None stays None)."""
    return timeutils.normalize_time(ts) if ts is not None else None


def parse_time(text):
    """An ISO 8601 time (Nova's and Cinder's, or a user's) as a naive UTC datetime; None for none.

    ValueError when ``text`` is not a time.
    """
    return timeutils.normalize_time(timeutils.parse_isotime(text)) if text else None


_ID = re.compile(r"^([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|\d+|req-[0-9a-f-]+)$")


def path_shape(url: str) -> str:
    """The path of ``url`` with its ids and query left out (``/servers/{id}/action``): a bounded label."""
    path = urllib.parse.urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    return "/".join("{id}" if _ID.match(part) else part for part in path.split("/"))
