"""Deny a run awaiting approval (or one of its items), saying why."""

from django.utils.translation import gettext_lazy as _
from horizon import forms, messages

from vmove.client import exceptions as vmove_exc
from vmove.dashboard import api, common


class DenyForm(forms.SelfHandlingForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the run and shown to the plan's members."),
    )

    def __init__(self, request, *args, **kwargs):
        self.run_id = kwargs.pop("run_id")
        super().__init__(request, *args, **kwargs)

    def deny(self, request, reason):
        return api.client(request).runs.deny(self.run_id, reason=reason)

    def denied(self):
        return _("Denied run %s.") % self.run_id

    def handle(self, request, data):
        try:
            run = self.deny(request, data.get("reason") or None)
        except (vmove_exc.BadRequest, vmove_exc.Conflict) as e:
            common.attach_api_error(self, e, {"reason": ("reason",)})
            return False
        except Exception:
            api.fail(request, _("Unable to deny the run"))
            return False
        messages.success(request, self.denied())
        return run


class DenyItemForm(DenyForm):
    """Deny one item of a run awaiting approval: its move is not made."""

    def __init__(self, request, *args, **kwargs):
        self.item_id = kwargs.pop("item_id")
        super().__init__(request, *args, **kwargs)

    def deny(self, request, reason):
        return api.client(request).runs.deny(self.run_id, reason=reason, items=[self.item_id])

    def denied(self):
        return _("Denied item %(item)s of run %(run)s.") % {"item": self.item_id, "run": self.run_id}
