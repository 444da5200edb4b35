"""The real Masakari as a contender of tools/bench/recovery.py (the dev cloud's peer, vmove/devcloud/masakari.py).

Masakari evacuates the instances whose metadata key (its ``ha_enabled_instance_metadata_key``, one per
contender) is true; ``evacuate_all_instances`` is off, so nothing else on the shared cloud moves. Its Nova
requests are counted in nova-api's request log (by its service user), as Masakari makes a new client, and
a new Keystone session, for every call.
"""

import collections
import re
import time

import recovery_harness as harness  # beside this file (tools/bench is the script's directory)

TERMINAL = ("finished", "failed", "ignored", "error")
REQUEST = re.compile(r'"(GET|POST|PUT|DELETE) /v2\.1(/[^" ?]*)[^"]*" status: (\d+)')


def settings(key: str, threads: int | None) -> dict:
    """Masakari's defaults, but its HA key (and its thread pool, when given)."""
    found = {"host_failure": {"ha_enabled_instance_metadata_key": key}}
    if threads:
        found["DEFAULT"] = {"host_failure_recovery_threads": threads}
    return found


def nova_requests(log_path, offset: int, user_id: str) -> collections.Counter:
    """Nova API requests of ``user_id`` in nova-api's log after ``offset``, by kind."""
    kinds = collections.Counter()
    with open(log_path, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    for line in text.splitlines():
        if "requestlog" not in line or f" {user_id} " not in line:
            continue
        m = REQUEST.search(line)
        if m:
            path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}", "/{id}", m.group(2))
            kinds[f"{m.group(1)} {path}"] += 1
    return kinds


def user_id(session, name: str) -> str:
    users = session.get(f"/users?name={name}", endpoint_filter={"service_type": "identity"}).json()["users"]
    return users[0]["id"]


def run(mk, nova_log, host, key, threads, poll, timeout=3600) -> dict:
    """One Masakari recovery of ``host`` (its instances tagged ``key``): start Masakari with the contender's
    settings, post the COMPUTE_HOST notification, wait until it ends. Times from before the POST."""
    from oslo_utils import timeutils

    from vmove.devcloud import masakari

    harness.say(f"masakari: (re)starting with {settings(key, threads)}")
    mk.start(settings(key, threads))
    mk.ensure_segment()  # the host out of maintenance (a previous Masakari run leaves it on)
    who = user_id(mk.session(), "masakari")
    offset = nova_log.stat().st_size if nova_log.exists() else 0
    t0, t0_utc = time.monotonic(), timeutils.utcnow()
    nid = mk.api("POST", "/notifications", masakari.host_failure(host))["notification"]["notification_uuid"]
    posted = time.monotonic() - t0
    harness.say(f"masakari: notification {nid} posted in {posted:.2f}s")
    status = None
    while status not in TERMINAL:
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"Masakari's notification {nid} still {status} after {timeout:.0f}s")
        time.sleep(poll)
        now = mk.api("GET", f"/notifications/{nid}")["notification"]["status"]
        if now != status:
            status = now
            harness.say(f"masakari: {status} at +{time.monotonic() - t0:.1f}s")
    makespan = time.monotonic() - t0
    vmoves = mk.api("GET", f"/notifications/{nid}/vmoves?limit=1000")["vmoves"]
    starts = [harness.parse_time(v["start_time"]) for v in vmoves if v["start_time"]]
    ends = [harness.parse_time(v["end_time"]) for v in vmoves if v["end_time"]]
    time.sleep(1)  # the last request lines reach nova-api's log
    requests = nova_requests(nova_log, offset, who)
    return {
        "makespan": makespan,
        "t0_utc": t0_utc,
        "status": status,
        "post_seconds": posted,
        "statuses": dict(collections.Counter(v["status"] for v in vmoves)),
        # Masakari's own evacuation phase (its vmoves' times are whole seconds), without the waits before it
        "evacuation_phase": (max(ends) - min(starts)).total_seconds() if starts and ends else None,
        "first_vmove_start": (min(starts) - t0_utc).total_seconds() if starts else None,
        "calls": sum(requests.values()),
        "requests": dict(requests),
    }
