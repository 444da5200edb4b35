"""What the plugin's tables show is marked for translation where it is declared.

makemessages (xgettext) finds only literals given to a gettext function: the
texts of every ApiAction are lazy plurals (``ngettext_lazy(singular, plural)``)
and the labels of every status table lazy translations, never plain strings
made into translations later. The names an action shows stay lazy too, so that
Horizon's actions (made once per table class) show them in each page's language.
"""

import importlib
import pkgutil

from django.utils.functional import Promise
from django.utils.translation import ngettext_lazy
from horizon import tables
import pytest

import vmove.dashboard
from vmove.dashboard import common
from vmove.dashboard.engines import views as engine_views
from vmove.dashboard.moves import tables as move_tables
from vmove.dashboard.plans import tables as plan_tables
from vmove.dashboard.recovery import tables as recovery_tables
from vmove.dashboard.runs import tables as run_tables

for _module in pkgutil.walk_packages(vmove.dashboard.__path__, "vmove.dashboard."):
    importlib.import_module(_module.name)  # every table and action of the plugin is known below


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


#: each ApiAction with texts: what its button says for one and for two, what its message says for one and for two
TEXTS = {
    move_tables.CancelMove: ("Cancel Move", "Cancel Moves", "Cancelled Move", "Cancelled Moves"),
    plan_tables.ValidatePlan: ("Validate Plan", "Validate Plans", "Validation ordered", "Validations ordered"),
    plan_tables.RunPlan: ("Run Plan", "Run Plans", "Run ordered", "Runs ordered"),
    plan_tables.DeletePlan: ("Delete Plan", "Delete Plans", "Deleted Plan", "Deleted Plans"),
    recovery_tables.Restore: ("Restore Host", "Restore Hosts", "Restore requested", "Restores requested"),
    recovery_tables.Retry: ("Retry Recovery", "Retry Recoveries", "Retry requested", "Retries requested"),
    run_tables.Approve: ("Approve Run", "Approve Runs", "Approved Run", "Approved Runs"),
    run_tables.ApproveItems: ("Approve Item", "Approve Items", "Approved Item", "Approved Items"),
    run_tables.CancelRun: ("Cancel Run", "Cancel Runs", "Cancelled Run", "Cancelled Runs"),
    run_tables.RunAgain: ("Run Failures Again", "Run Failures Again", "Ordered a new run", "Ordered new runs"),
}
API_ACTIONS = [cls for cls in subclasses(common.ApiAction) if cls.texts]
TABLES = [cls for cls in subclasses(tables.DataTable) if cls.__module__.startswith("vmove.")]
STATUS_TABLES = {
    "moves": common.MOVE_STATUSES,
    "notifications": recovery_tables.STATUSES,
    "runs": run_tables.STATUSES,
    "engines": engine_views.STATES,
}


def is_lazy(text) -> bool:
    return isinstance(text, Promise) and not isinstance(text, str)


def test_every_api_action_a_table_offers_declares_its_texts():
    offered = {type(a) for t in TABLES for a in t.base_actions.values() if isinstance(a, common.ApiAction)}
    assert offered <= set(API_ACTIONS)
    assert set(API_ACTIONS) == set(TEXTS)


@pytest.mark.parametrize("action_class", API_ACTIONS, ids=lambda c: c.__qualname__)
def test_api_action_texts_are_lazy_plurals(action_class):
    assert len(action_class.texts) == 2
    assert all(is_lazy(text) for text in action_class.texts)
    one, several, done_one, done_several = TEXTS[action_class]
    action = action_class()
    shown = {n: (action.action_present(n), action.action_past(n)) for n in (0, 1, 2, 6)}
    assert all(is_lazy(text) for texts in shown.values() for text in texts)  # translated when shown
    assert [tuple(map(str, shown[n])) for n in (1, 2, 0, 6)] == [(one, done_one)] + [(several, done_several)] * 3
    # Horizon's names of the action: its button, its button over several rows, its message
    assert (action._get_action_name(), action._get_action_name("plural")) == (one, several)
    assert action._get_action_name(past=True) == done_one


def test_counted_keeps_a_texts_count():
    assert str(common.counted(ngettext_lazy("%d move", "%d moves"), 1)) == "1 move"
    assert str(common.counted(ngettext_lazy("%d move", "%d moves"), 3)) == "3 moves"


@pytest.mark.parametrize("name", STATUS_TABLES)
def test_status_table_labels_are_lazy_and_read_as_the_statuses(name):
    statuses = STATUS_TABLES[name]
    assert all(is_lazy(shown) for _status, _final, shown in statuses)
    assert [str(shown) for _status, _final, shown in statuses] == [
        status.replace("_", " ").capitalize() for status, _final, _shown in statuses
    ]


@pytest.mark.parametrize("table", TABLES, ids=lambda c: c.__qualname__)
def test_every_columns_display_choices_are_lazy(table):
    for column in table._columns.values():
        for value, shown in column.display_choices or ():
            assert is_lazy(shown), (column.name, value, shown)
