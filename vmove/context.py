"""The request context: who asks, plus the enginefacade transaction state."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """A security context carried from the API through RPC to the engine."""

    def to_policy_values(self):
        values = super().to_policy_values()
        values["project_id"] = self.project_id
        return values


def get_admin_context() -> RequestContext:
    """Context of vmove itself (the engine acting on its own)."""
    return RequestContext(is_admin=True, roles=["admin", "member", "reader"], overwrite=False)
