"""Recurring windows: days of the week and periods of the day, in a time zone the plan names.

A plan's ``schedule`` is ``{"timezone": "Europe/Paris", "days": ["mon", ...],
"periods": [{"start": "22:00", "end": "06:00"}, ...]}``: a window opens at
each period's start on each of the days (every day when ``days`` is left
out) and closes at its end, on the next day when the end is not after the
start (``22:00``-``06:00`` runs over midnight). Times are ``HH:MM`` or
``HH:MM:SS`` in the time zone, daylight saving time included. A move never
starts outside a window; a move that started inside one ends where it is.

Pure functions over aware UTC datetimes: the scheduler asks :meth:`Schedule.is_open`,
the run's roll-up pauses and resumes runs with it, the estimate counts windows.
"""

import dataclasses
import datetime
import zoneinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: how far ahead windows are looked for (a schedule has at least one window a week)
HORIZON_DAYS = 8


def _time(value: str, field: str) -> datetime.time:
    parts = value.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        return datetime.time(*(int(p) for p in parts))
    except (ValueError, TypeError):
        raise ValueError(f"{field}: {value!r} is not a time of day (HH:MM or HH:MM:SS)") from None


@dataclasses.dataclass(frozen=True)
class Schedule:
    timezone: str
    days: tuple  # weekday numbers (0 = Monday) a period may start on
    periods: tuple  # ((start, end), ...) as datetime.time

    @classmethod
    def parse(cls, spec: dict | None) -> "Schedule | None":
        """The schedule of a plan's ``schedule`` (None: none); ValueError saying what is wrong."""
        if not spec:
            return None
        name = spec.get("timezone") or "UTC"
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: {name!r} is not a time zone (e.g. UTC, Europe/Paris)") from None
        days = spec.get("days") or list(DAYS)
        unknown = [d for d in days if d not in DAYS]
        if unknown:
            raise ValueError(f"days: {', '.join(map(str, unknown))} (days are {', '.join(DAYS)})")
        periods = []
        for n, period in enumerate(spec.get("periods") or []):
            start = _time(period.get("start", ""), f"periods.{n}.start")
            end = _time(period.get("end", ""), f"periods.{n}.end")
            if start == end:
                raise ValueError(f"periods.{n}: a window must not close when it opens ({period['start']})")
            periods.append((start, end))
        if not periods:
            raise ValueError("periods: give at least one period of the day (start, end)")
        return cls(name, tuple(sorted(DAYS.index(d) for d in set(days))), tuple(periods))

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def windows(self, since: datetime.datetime, days: int = HORIZON_DAYS):
        """(opens, closes) in UTC of every window that has not closed at ``since``, for ``days`` days, in order."""
        since = aware(since)
        tz = self.tz
        first = since.astimezone(tz).date() - datetime.timedelta(days=1)
        found = []
        for n in range(days + 2):
            day = first + datetime.timedelta(days=n)
            if day.weekday() not in self.days:
                continue
            for start, end in self.periods:
                opens = datetime.datetime.combine(day, start, tz)
                close_day = day if end > start else day + datetime.timedelta(days=1)
                closes = datetime.datetime.combine(close_day, end, tz)
                opens, closes = opens.astimezone(datetime.UTC), closes.astimezone(datetime.UTC)
                if closes > since:
                    found.append((opens, closes))
        return sorted(found)

    def current(self, now) -> tuple | None:
        """The window open at ``now`` (opens, closes), or None."""
        now = aware(now)
        for opens, closes in self.windows(now, days=1):
            if opens <= now < closes:
                return opens, closes
        return None

    def is_open(self, now) -> bool:
        return self.current(now) is not None

    def next(self, now) -> tuple | None:
        """The window open at ``now``, else the next one to open (None: none within the horizon)."""
        found = self.windows(aware(now))
        return found[0] if found else None

    def describe(self) -> str:
        days = "every day" if len(self.days) == 7 else ", ".join(DAYS[d] for d in self.days)
        spans = ", ".join(f"{s.isoformat()}-{e.isoformat()}" for s, e in self.periods)
        return f"{days} {spans} ({self.timezone})"


def aware(ts: datetime.datetime) -> datetime.datetime:
    """``ts`` with its time zone (a naive time is UTC)."""
    return ts if ts.tzinfo else ts.replace(tzinfo=datetime.UTC)


def local(schedule: Schedule, ts: datetime.datetime) -> str:
    """``ts`` in the schedule's time zone, to the second (what an operator reads)."""
    return aware(ts).astimezone(schedule.tz).isoformat(timespec="seconds")


def of_plan(plan) -> Schedule | None:
    """The plan's recurring window; None when it has none (or a stored one no longer parses)."""
    try:
        return Schedule.parse(plan.schedule)
    except ValueError:
        return None
