"""The policy enforcer, built on first use from the loaded configuration."""

import threading

from oslo_config import cfg
from oslo_policy import policy

from vmove import exception, policies

_ENFORCER = None
_LOCK = threading.Lock()


def get_enforcer():
    """The enforcer of this process, on the global configuration."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            _ENFORCER = policy.Enforcer(cfg.CONF)
            _ENFORCER.register_defaults(policies.list_rules())
        return _ENFORCER


def reset():
    global _ENFORCER
    with _LOCK:
        _ENFORCER = None


def authorize(context, rule, target=None, do_raise=True) -> bool:
    """Check ``rule`` for ``context``; the default target is the caller's project."""
    target = target if target is not None else {"project_id": context.project_id}
    try:
        return get_enforcer().authorize(rule, target, context, do_raise=do_raise, exc=exception.Forbidden, action=rule)
    except policy.InvalidScope as e:
        raise exception.Forbidden(action=rule) from e


def get_policy_tool_enforcer():
    """The ``oslo.policy.enforcer`` entry point, for the oslopolicy-* tools."""
    conf = cfg.ConfigOpts()
    conf([], project="vmove")
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer
