"""``/v1/runs`` (microversion 1.4): runs of migration plans, their verdicts, moves and decisions."""

from vmove import vocabulary
from vmove.client import base
from vmove.client.plans import DRAIN_VERSION as ITEMS_VERSION

STATUSES, TERMINAL_STATUSES = vocabulary.RUN_STATUSES, vocabulary.RUN_FINISHED
#: the statuses a run ends as asked in (a dry run: validated)
GOOD_STATUSES = ("validated", "succeeded")
SORT_KEYS = ("created_at", "updated_at", "status")
MIN_VERSION = "1.4"


def _id(run) -> str:
    return run["uuid"] if isinstance(run, dict) else str(run)


def is_terminal(run) -> bool:
    return run["status"] in TERMINAL_STATUSES


class RunManager(base.Manager):
    def list(self, *, plan_id=None, status=None, dry_run=None, project_id=None, sort_key=None, sort_dir=None,
             limit=None, marker=None):  # fmt: skip
        """Runs, oldest first; ``status`` takes one value or a list (any of them)."""
        params = base.query(plan_id=plan_id, status=status, project_id=project_id, sort_key=sort_key,
                            sort_dir=sort_dir)  # fmt: skip
        if dry_run is not None:
            params["dry_run"] = "true" if dry_run else "false"
        return self._list("/v1/runs", "runs", params=params, limit=limit, marker=marker, min_version=MIN_VERSION)

    def get(self, run):
        """One run: status, counts per move status, progress, and the verdict on each item (``items``)."""
        return self._get(f"/v1/runs/{_id(run)}", "run", min_version=MIN_VERSION)

    def moves(self, run, *, status=None, sort_key=None, sort_dir=None, limit=None, marker=None, page_size=None):
        """The moves a run made (``page_size`` per request when reading them all)."""
        params = base.query(status=status, sort_key=sort_key, sort_dir=sort_dir)
        return self._list(f"/v1/runs/{_id(run)}/moves", "moves", params=params, limit=limit, marker=marker,
                          page_size=page_size, min_version=MIN_VERSION)  # fmt: skip

    def approve(self, run, items=None):
        """Approve a run awaiting approval (its plan's approval is manual): ``items`` (item or resource IDs)
        one by one, or every item left undecided."""
        args = {"items": list(items)} if items else None
        version = ITEMS_VERSION if items else MIN_VERSION
        return self._action(f"/v1/runs/{_id(run)}", "approve", args, key="run", min_version=version)

    def deny(self, run, reason=None, items=None):
        """Deny a run awaiting approval (or only its ``items``), saying why if ``reason``."""
        args = {k: v for k, v in (("reason", reason), ("items", list(items or []))) if v} or None
        version = ITEMS_VERSION if items else MIN_VERSION
        return self._action(f"/v1/runs/{_id(run)}", "deny", args, key="run", min_version=version)

    def events(self, run, item=None):
        """The run's history (approvals, drains, hosts disabled, pauses...); ``item``: one item's only."""
        params = base.query(item=item)
        body = self.http.request("GET", f"/v1/runs/{_id(run)}/events", params=params, min_version=ITEMS_VERSION)
        return [base.Resource(e) for e in body["events"]]

    def cancel(self, run):
        """Cancel a run: no more moves start, the ones under way are aborted where they can be (``cancel``)."""
        return self._action(f"/v1/runs/{_id(run)}", "cancel", key="run", min_version=MIN_VERSION)
