"""Recurring windows (days, periods over midnight, time zones, daylight saving time), the scheduler
starting nothing outside them, and the estimate laid out under limits and windows."""

import datetime
import types

import pytest

from vmove.moves import scheduler
from vmove.plans import estimate, windows

UTC = datetime.UTC


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC) if "+" not in text else (
        datetime.datetime.fromisoformat(text))  # fmt: skip


def test_a_schedule_is_checked_and_says_what_is_wrong():
    assert windows.Schedule.parse(None) is None
    for spec, words in (
        ({"timezone": "Mars/Olympus", "periods": [{"start": "1:00", "end": "2:00"}]}, "not a time zone"),
        ({"days": ["mon", "funday"], "periods": [{"start": "01:00", "end": "02:00"}]}, "funday"),
        ({"periods": [{"start": "25:00", "end": "02:00"}]}, "not a time of day"),
        ({"periods": [{"start": "02:00", "end": "02:00"}]}, "must not close when it opens"),
        ({"periods": []}, "at least one period"),
    ):
        with pytest.raises(ValueError, match=words):
            windows.Schedule.parse(spec)


def test_windows_open_on_their_days_in_their_time_zone_and_run_over_midnight():
    s = windows.Schedule.parse(
        {"timezone": "Europe/Paris", "days": ["fri"], "periods": [{"start": "22:00", "end": "06:00"}]}
    )
    # Friday 2026-12-04 22:00 in Paris is 21:00 UTC (winter), it closes Saturday 05:00 UTC
    assert not s.is_open(at("2026-12-04T20:59:59"))
    assert s.is_open(at("2026-12-04T21:00:00")) and s.is_open(at("2026-12-05T04:59:00"))
    assert not s.is_open(at("2026-12-05T05:00:00"))
    assert not s.is_open(at("2026-12-05T21:30:00"))  # Saturday night: not a Friday
    assert s.next(at("2026-12-05T06:00:00")) == (at("2026-12-11T21:00:00"), at("2026-12-12T05:00:00"))
    assert windows.local(s, at("2026-12-04T21:00:00")) == "2026-12-04T22:00:00+01:00"
    # summer time: the same local hours are an hour earlier in UTC
    assert s.current(at("2026-07-03T20:30:00")) == (at("2026-07-03T20:00:00"), at("2026-07-04T04:00:00"))


def test_several_periods_a_day_to_the_second():
    s = windows.Schedule.parse({"periods": [{"start": "10:00:00", "end": "10:00:05"},
                                            {"start": "10:00:10", "end": "10:00:15"}]})  # fmt: skip
    found = [w for w in s.windows(at("2026-12-03T09:00:00")) if w[0].date() == datetime.date(2026, 12, 3)]
    assert found == [(at("2026-12-03T10:00:00"), at("2026-12-03T10:00:05")),
                     (at("2026-12-03T10:00:10"), at("2026-12-03T10:00:15"))]  # fmt: skip
    assert s.is_open(at("2026-12-03T10:00:04")) and not s.is_open(at("2026-12-03T10:00:07"))


def test_the_scheduler_starts_nothing_while_the_recurring_window_is_closed():
    s = windows.Schedule.parse({"periods": [{"start": "10:00", "end": "11:00"}]})
    limits = scheduler.Limits(is_open=s.is_open)
    move = types.SimpleNamespace(origin="run:x", source_host="h1", dest_host=None, params={"host": "h2"},
                                 source_backend=None, dest_backend=None)  # fmt: skip
    start, expire = scheduler.choose([move], [], 10, at("2026-12-03T09:59:59"), lambda o: limits)
    assert (start, expire) == ([], [])  # held, not expired: it waits for the next window
    start, _ = scheduler.choose([move], [], 10, at("2026-12-03T10:00:00"), lambda o: limits)
    assert start == [move]


def test_simulate_lays_moves_out_under_the_limits():
    t0 = at("2026-12-03T10:00:00")
    # 6 moves of 10 s, 2 at once overall, 1 per source host (three hosts): 3 rounds
    durations = [(10.0, [("origin",), ("src", f"h{i % 3}")]) for i in range(6)]
    first, end, used = estimate.simulate(durations, {"origin": 2, "src": 1}, t0)
    assert (first, end, used) == (t0, t0 + datetime.timedelta(seconds=30), 0)
    # per source host 1 and all on one host: one after the other
    durations = [(10.0, [("origin",), ("src", "h1")]) for _ in range(3)]
    assert estimate.simulate(durations, {"origin": 5, "src": 1}, t0)[1] == t0 + datetime.timedelta(seconds=30)


def test_simulate_starts_moves_only_inside_windows_and_counts_them():
    s = windows.Schedule.parse({"periods": [{"start": "10:00:00", "end": "10:00:15"},
                                            {"start": "10:01:00", "end": "10:01:15"}]})  # fmt: skip
    t0 = at("2026-12-03T09:59:00")
    durations = [(10.0, [("origin",)]) for _ in range(3)]  # one at a time: 10:00:00, 10:00:10, then 10:01:00
    first, end, used = estimate.simulate(durations, {"origin": 1}, t0, s)
    assert first == at("2026-12-03T10:00:00") and used == 2
    assert end == at("2026-12-03T10:01:10")


def _plan(**kw):
    values = dict(max_in_flight=None, per_source_host=None, per_dest_host=None, per_backend=None,
                  not_before=None, not_after=None, schedule=None)  # fmt: skip
    values.update(kw)
    return types.SimpleNamespace(**values)


def _row(n, source="h1", dest="h2", size=512, move_type="live_migration", rtype="instance"):
    return {"verdict": "ok", "move_type": move_type, "resource_type": rtype, "source": source, "dest": dest,
            "size": size, "item_uuid": str(n)}  # fmt: skip


def test_the_estimate_uses_the_median_of_the_same_pair_then_the_type_then_a_default(ctx, conf, monkeypatch):
    conf.set_override("poll_interval", 0.05, group="engine")  # added to each move
    history = [estimate.Sample(("live_migration", "h1", "h2"), s, 512) for s in (10, 12, 100)]
    history += [estimate.Sample(("live_migration", "h3", "h2"), 50, 512)]
    monkeypatch.setattr(estimate, "samples", lambda ctx, types_: history)
    now = at("2026-12-03T10:00:00")
    got = estimate.estimate(ctx, conf, _plan(max_in_flight=1), [_row(1), _row(2)], now)
    assert got["seconds"] == 24.1 and got["moves"] == 2  # median 12 s, one at a time
    assert got["basis"] == [{"level": "pair", "samples": 3, "scaled_by_size": False, "type": "live_migration",
                             "source": "h1", "dest": "h2", "items": 2, "median_seconds": 12.0}]  # fmt: skip
    assert got["summary"] == "Estimated about 24 s for 2 move(s) (the median of earlier moves)."
    assert (got["starts_at"], got["ends_at"]) == ("2026-12-03T10:00:00+00:00", "2026-12-03T10:00:24+00:00")
    # another pair: the median of the type (10, 12, 100, 50 -> 31); twice the RAM: twice as long
    got = estimate.estimate(ctx, conf, _plan(), [_row(1, source="h9", size=1024)], now)
    assert (
        got["seconds"] == pytest.approx(62.05, abs=0.1)
        and got["basis"][0]["level"] == "type"
        and got["basis"][0]["scaled_by_size"]
    )
    got = estimate.estimate(ctx, conf, _plan(), [_row(1, move_type="evacuation")], now)
    assert got["basis"][0]["level"] == "default" and "defaults" in got["summary"]


def test_the_estimate_says_whether_the_run_fits_the_next_window(ctx, conf, monkeypatch):
    conf.set_override("poll_interval", 0.05, group="engine")  # added to each move
    monkeypatch.setattr(estimate, "samples", lambda ctx, t: [estimate.Sample(("live_migration", "h1", "h2"), 600, 0)])
    nightly = {"timezone": "UTC", "periods": [{"start": "22:00", "end": "23:00"}]}
    now = at("2026-12-03T12:00:00")
    got = estimate.estimate(ctx, conf, _plan(max_in_flight=1, schedule=nightly), [_row(n) for n in range(3)], now)
    assert got["windows"] == 1 and "fits in the next window (2026-12-03T22:00:00+00:00, 60 min 0 s)" in got["summary"]
    got = estimate.estimate(ctx, conf, _plan(max_in_flight=1, schedule=nightly), [_row(n) for n in range(13)], now)
    assert got["windows"] == 3 and "needs about 3 windows" in got["summary"], got
