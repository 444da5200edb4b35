"""What every panel of the plugin shares: policy rules, statuses, the pieces of its tables
(actions making one vmove call, rows refreshing themselves, columns), progress bars,
vmove's error messages beside form fields (the kinds of page are in ``pages``)."""

import operator

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions, tables
from horizon.utils import filters as hfilters
from openstack_auth import policy

from vmove import vocabulary
from vmove.client import exceptions as vmove_exc
from vmove.dashboard import api

SCOPE = "vmove"

#: how long a detail page of something still in progress waits before reloading itself
REFRESH_MS = 5000


def status_table(**statuses) -> tuple:
    """A table of statuses, ``(status, final, shown as)`` each, from ``status=(final, shown as)``:
    final is True (ended well), False (failed) or None (not over: its row refreshes itself); shown
    as is the label, a literal marked for translation where the table is declared
    (``pending=(None, _("Pending"))``) so that makemessages finds it."""
    return tuple((status, final, shown) for status, (final, shown) in statuses.items())


#: a move's statuses
MOVE_STATUSES = status_table(
    pending=(None, _("Pending")),
    ongoing=(None, _("Ongoing")),
    succeeded=(True, _("Succeeded")),
    failed=(False, _("Failed")),
    cancelled=(True, _("Cancelled")),
    ignored=(True, _("Ignored")),
)

MOVE_TYPE_DISPLAY = (
    ("live_migration", _("Live migration")),
    ("cold_migration", _("Cold migration")),
    ("evacuation", _("Evacuation")),
    ("migration", _("Cold migration")),  # Masakari's name, in notifications' vmoves
    ("volume_migration", _("Volume migration")),
    ("volume_retype", _("Volume retype")),
    ("volume_swap", _("Volume swap")),
)


def status_choices(statuses) -> tuple:
    """A status column's ``status_choices`` from a table of ``(status, final, shown as)``."""
    return tuple((status, final) for status, final, _shown in statuses)


def display_choices(statuses) -> tuple:
    """A status column's ``display_choices`` from a table of ``(status, final, shown as)``."""
    return tuple((status, shown) for status, _final, shown in statuses)


MOVE_STATUS_CHOICES = status_choices(MOVE_STATUSES)
MOVE_STATUS_DISPLAY = display_choices(MOVE_STATUSES)
ACTIVE_MOVE_STATUSES = vocabulary.MOVE_ACTIVE


def rules(*names):
    """Horizon ``policy_rules`` for vmove's rules ``names``."""
    return tuple((SCOPE, name) for name in names)


def allowed(request, rule, project_id=None) -> bool:
    """Whether vmove's policy lets the user do ``rule`` (on ``project_id``'s resources)."""
    target = {"project_id": project_id} if project_id else {}
    return policy.check(rules(rule), request, target)


class ProjectTarget:
    """Policy target of a table action: the project of the row's object."""

    def get_policy_target(self, request, datum=None):
        project_id = datum.get("project_id") if datum else None
        return {"project_id": project_id or request.user.project_id}


def detail_url(panel, uuid, dashboard="project"):
    """The URL of the page of the object ``uuid`` in the plugin's ``panel`` (``moves``...) of ``dashboard``."""
    return reverse(f"horizon:{dashboard}:vmove_{panel}:detail", args=(uuid,))


class ModalLink(tables.LinkAction):
    """A link action opening its form in a modal."""

    classes = ("ajax-modal",)


def modal_link(name, verbose_name, url, icon, rule, *mixins):
    """A ModalLink class: the action ``name`` shown as ``verbose_name`` with ``icon``, opening the
    form at ``url`` (a URL's name), offered where vmove's policy ``rule`` allows it; ``mixins``
    come before ModalLink (``ProjectTarget``)."""
    attrs = dict(
        name=name, verbose_name=verbose_name, url=url, icon=icon, policy_rules=rules(rule), __module__=__name__
    )
    return type(ModalLink)(name.title().replace("_", ""), (*mixins, ModalLink), attrs)


#: ``counted(texts, count)``: ``texts % count``, made when shown (in the language of the page showing
#: it); ``texts`` is a lazy plural, ``ngettext_lazy(singular, plural)``, whose ``% count`` picks the form
#: for ``count`` (a form without ``%d`` is kept as it is)
counted = lazy(operator.mod, str)


class ApiAction:
    """A confirmed table action (before a BatchAction) making one vmove call, ``call(request, obj_id)``:
    by default the method of the action's ``name`` of the manager of its table (``runs.approve``);
    vmove's refusal is shown in vmove's words, after ``refusal(obj_id)`` ("Cancel Run: <message>").
    Offered on a row whose status is one of ``statuses`` (on every row without them). A subclass
    declares its ``texts``: what its button says, then what its message says once done, each a lazy
    plural made where it is declared, so that makemessages finds its literals
    (``(ngettext_lazy("Approve Run", "Approve Runs"), ngettext_lazy("Approved Run", "Approved Runs"))``).

    Horizon makes its actions once per table class and keeps the names a POST made on them: the
    names are lazy, translated when shown."""

    statuses = ()
    texts = ()

    def action_present(self, count):
        return counted(self.texts[0], count)

    def action_past(self, count):
        return counted(self.texts[1], count)

    def allowed(self, request, datum=None):
        return not self.statuses or datum is None or datum["status"] in self.statuses

    def call(self, request, obj_id):
        getattr(api.objects(request, self.table), self.name)(obj_id)

    def refusal(self, obj_id):
        return self._get_action_name(past=False)

    def action(self, request, obj_id):
        try:
            self.call(request, obj_id)
        except vmove_exc.ApiError as e:
            exceptions.handle(request, f"{self.refusal(obj_id)}: {e.message}", escalate=True, details="")


class ApiRow(tables.Row):
    """A row that refreshes itself while its status is not final: one GET of its object from
    the manager of its table (``moves``...) per poll."""

    ajax = True

    def get_data(self, request, obj_id):
        return api.objects(request, self.table).get(obj_id)


class ObjectsTable(tables.DataTable):
    """A table of what vmove answers, each row known by its field ``id_field``. A table of the
    objects of one of the client's managers is named as it (``moves``): its ApiActions, ApiRows and
    list page call that manager."""

    id_field = "uuid"

    def get_object_id(self, datum):
        return str(datum[self.id_field])


def progress_bar(progress, active, failed=False, label=None):
    """A Bootstrap progress bar (striped and animated while ``active``)."""
    context = "danger" if failed else ("success" if not active else "info")
    return render_to_string(
        "vmove_dashboard/_progress.html",
        {
            "progress": int(progress or 0),
            "active": active,
            "context": context,
            "label": label if label is not None else f"{int(progress or 0)}%",
        },
    )


def move_progress(move):
    status = move.get("status")
    return progress_bar(move.get("progress"), status in ACTIVE_MOVE_STATUSES, status == "failed")


def seconds(value):
    """A datetime to the second, in the user's time zone (moves take seconds: minutes are too coarse)."""
    from django.template import defaultfilters

    if not value:
        return "-"
    return defaultfilters.date(timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i:s")


def api_time(text):
    """An API timestamp (ISO 8601) shown to the second; "-" when none."""
    return seconds(hfilters.parse_isotime(text)) if text else "-"


#: column filters of an API timestamp shown to the second
TIME = (hfilters.parse_isotime, seconds)


def timesince_column(field, verbose_name):
    """A column of an API timestamp shown as "5 minutes" (sortable)."""
    return tables.Column(
        field,
        verbose_name=verbose_name,
        filters=(hfilters.parse_isotime, hfilters.timesince_sortable),
        attrs={"data-type": "timesince"},
    )


def move_type_column(verbose_name=_("Type")):
    """A column of a move's type, as the forms name it."""
    return tables.Column("type", verbose_name=verbose_name, display_choices=MOVE_TYPE_DISPLAY)


def status_column(field, statuses, verbose_name=_("Status"), **overrides):
    """A column of a status in ``statuses`` (``(status, final, shown as)`` each), which its table
    refreshes while the status is not final."""
    options = {
        "verbose_name": verbose_name,
        "status": True,
        "status_choices": status_choices(statuses),
        "display_choices": display_choices(statuses),
    }
    return tables.Column(field, **{**options, **overrides})


def move_status_column(field="status", **overrides):
    """A column of a move's status, which its table refreshes while the move is not over."""
    return status_column(field, MOVE_STATUSES, **overrides)


def openstack_list(request, failure, call, *args, **kwargs):
    """``call(request, *args, **kwargs)``, a list read from Nova or Cinder through Horizon's
    API; or none once ``failure`` is reported (the form or the page works without it)."""
    try:
        return call(request, *args, **kwargs)
    except Exception:
        exceptions.handle(request, failure)
        return []


def refresh_context(active: bool) -> dict:
    """Template context for ``vmove_dashboard/_refresh.html``: reload the page while ``active``."""
    return {"vmove_refresh_ms": REFRESH_MS if active else 0}


def attach_api_error(form, exc, fields) -> None:
    """Show vmove's message ``exc.message`` beside the field it names, else above the form.

    ``fields`` maps a form field to the words vmove uses for it in its
    messages (``{"destination_type": ("destination type", "destination_type")}``).
    """
    message = getattr(exc, "message", None) or str(exc)
    lowered = message.lower()
    for name, words in fields.items():
        if name in form.fields and any(word in lowered for word in words):
            form.add_error(name, message)
            return
    form.api_error(message)
