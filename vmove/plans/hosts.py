"""A host drain disables the host's compute service before its run moves anything.

So that Nova's scheduler places nothing new on it while it is emptied: the
service is disabled with a reason naming the run and the plan, and the run's
events say so (``host_disabled``). It stays disabled when the run ends (the
host is drained for its maintenance): enable it again with ``openstack compute
service set --enable <host> nova-compute``. Idempotent: a run resumed by
another engine does not disable a host twice.
"""

import logging

from vmove import clients as vmove_clients
from vmove.actions import base as action_base
from vmove.plans import events, queries

LOG = logging.getLogger(__name__)
NOVA_VERSION = "2.53"  # services by uuid, disable_log_reason


def disable_drained(ctx, conf, run) -> None:
    plan = queries.run_limits(ctx, run.uuid)
    hosts = [d["host"] for d in ((plan.drains or {}).get("hosts") or [])] if plan is not None else []
    if not hosts:
        return
    done = {(e.detail or {}).get("host") for e in events.get_all(ctx, run.uuid) if e.event == "host_disabled"}
    nova = None
    for host in hosts:
        if host in done:
            continue
        nova = nova or vmove_clients.for_conf(conf).nova(NOVA_VERSION)
        reason = f"vmove run {run.uuid}: draining host {host} (plan {run.plan_name})"
        try:
            services = nova.services.list(host=host, binary="nova-compute")
            if not services:
                raise action_base.ActionFailed(reason=f"host {host} has no nova-compute service")
            for svc in services:
                if svc.status == "disabled":
                    text = (
                        f"Compute service of host {host} was already disabled ({svc.disabled_reason or 'no reason'})."
                    )
                else:
                    nova.services.disable_log_reason(svc.id, reason)
                    text = f"Compute service of host {host} disabled before moving anything: {reason}."
                events.add(ctx, run.uuid, "host_disabled", text, detail={"host": host, "service": svc.id})
        except Exception as e:  # noqa: BLE001 - the moves go on; the run says the host was not disabled
            LOG.warning("Run %s: could not disable host %s: %s", run.uuid, host, e)
            events.add(
                ctx,
                run.uuid,
                "host_not_disabled",
                f"Compute service of host {host} could not be disabled: {action_base.reason(e)}; "
                "Nova may place new instances on it.",
                detail={"host": host},
            )
