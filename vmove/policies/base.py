"""Personas shared by every resource's rules.

- admin: everything, every project.
- project member: acts on its own project's resources.
- project reader: reads its own project's resources.
A user of another project never learns that a resource exists (404).
"""

from oslo_policy import policy

ADMIN = "rule:context_is_admin"
PROJECT_READER = "role:reader and project_id:%(project_id)s"
PROJECT_MEMBER = "role:member and project_id:%(project_id)s"
ADMIN_OR_PROJECT_READER = f"({ADMIN}) or ({PROJECT_READER})"
ADMIN_OR_PROJECT_MEMBER = f"({ADMIN}) or ({PROJECT_MEMBER})"


def rule(name: str, check: str, description: str, path: str, method: str):
    """The documented default of rule ``name``: who passes (``check``), and the one API operation it guards."""
    return policy.DocumentedRuleDefault(
        name=name,
        check_str=check,
        description=description,
        operations=[{"path": path, "method": method}],
        scope_types=["project"],
    )


rules = [
    policy.RuleDefault("context_is_admin", "role:admin", description="Who is an administrator of vmove."),
]


def list_rules():
    return rules
