"""``/v1/plans`` (microversion 1.4): migration plans, and ordering their runs."""

from vmove.client import base

APPROVALS = ("auto", "manual")
SORT_KEYS = ("created_at", "updated_at", "name")
MAPPING_KEYS = ("hosts", "volume_types", "backends", "flavors")
LIMIT_KEYS = ("max_in_flight", "per_source_host", "per_dest_host", "per_backend")
#: fields a plan is made of (each replaced as a whole by an update)
FIELDS = ("name", "description", "mapping", "items", "limits", "window", "approval", "drains", "cold_fallback")
MIN_VERSION = "1.4"
#: drains, cold fallback, recurring windows, flavor mapping; per-item approval, estimates, run events
DRAIN_VERSION = "1.5"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def needs(fields) -> str:
    """The API version a plan's ``fields`` need: the newer one when they use what it brought."""
    newer = (
        fields.get("drains") is not None
        or "cold_fallback" in fields
        or (fields.get("window") or {}).get("recurring")
        or (fields.get("mapping") or {}).get("flavors")
    )
    return DRAIN_VERSION if newer else MIN_VERSION


def _id(plan) -> str:
    return plan["uuid"] if isinstance(plan, dict) else str(plan)


def item(resource_type, resource_id, move_type, priority=None) -> dict:
    """One item of a plan's ``items``."""
    entry = {"resource_type": resource_type, "resource_id": resource_id, "type": move_type}
    if priority is not None:
        entry["priority"] = priority
    return entry


def _body(fields) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"not a field of a plan: {', '.join(sorted(unknown))}")
    return {"plan": dict(fields)}


class PlanManager(base.Manager):
    def list(self, *, name=None, project_id=None, sort_key=None, sort_dir=None, limit=None, marker=None):
        """Plans (of the caller's project; an admin's: every project's unless ``project_id``)."""
        params = base.query(name=name, project_id=project_id, sort_key=sort_key, sort_dir=sort_dir)
        return self._list("/v1/plans", "plans", params=params, limit=limit, marker=marker, min_version=MIN_VERSION)

    def get(self, plan):
        """One plan with its ``items`` (each with its migration status and attempts)."""
        return self._get(f"/v1/plans/{_id(plan)}", "plan", min_version=MIN_VERSION)

    def create(self, name, **fields):
        """A new plan; ``fields`` are description, mapping, items, limits, window, approval, drains, cold_fallback."""
        body = _body(fields)
        body["plan"]["name"] = name
        return self._post("/v1/plans", "plan", body, min_version=needs(fields))

    def update(self, plan, **fields):
        """Change a plan; each of mapping, limits, window, drains and items is replaced as a whole."""
        answer = self.http.request("PATCH", f"/v1/plans/{_id(plan)}", body=_body(fields), min_version=needs(fields))
        return base.Resource(answer["plan"])

    def delete(self, plan):
        self.http.request("DELETE", f"/v1/plans/{_id(plan)}", min_version=MIN_VERSION)

    def run(self, plan, dry_run=False):
        """Order a run of ``plan`` (a dry run only validates it); the API answers at once with the run."""
        return self._post(f"/v1/plans/{_id(plan)}/runs", "run", {"dry_run": bool(dry_run)}, min_version=MIN_VERSION)

    def runs(self, plan, **filters):
        """The runs of ``plan``; the filters of :meth:`vmove.client.runs.RunManager.list`."""
        from vmove.client import runs

        return runs.RunManager(self.http).list(plan_id=_id(plan), **filters)
