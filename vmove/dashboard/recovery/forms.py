"""Report a host failure (or a host back) to vmove, as a host monitor would."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from horizon import forms, messages
from openstack_dashboard.api import nova

from vmove.client import exceptions as vmove_exc
from vmove.dashboard import api, common

#: form field -> the words of vmove's messages about it
FIELDS = {
    "hostname": ("hostname", "host "),
    "generated_time": ("generated_time", "generated time"),
    "event": ("event",),
    "host_status": ("host_status",),
    "cluster_status": ("cluster_status",),
}


class ReportForm(forms.SelfHandlingForm):
    hostname = forms.ThemableChoiceField(label=_("Host"), help_text=_("The compute host that failed."))
    event = forms.ThemableChoiceField(
        label=_("Event"),
        choices=(("STOPPED", _("STOPPED: the host failed")), ("STARTED", _("STARTED: the host is back"))),
    )
    generated_time = forms.CharField(label=_("Generated at"), max_length=64, help_text=_("ISO 8601, UTC."))
    host_status = forms.ThemableChoiceField(
        label=_("Host status"), required=False, choices=(("", "-"), ("NORMAL", "NORMAL"), ("UNKNOWN", "UNKNOWN"))
    )
    cluster_status = forms.ThemableChoiceField(
        label=_("Cluster status"), required=False, choices=(("", "-"), ("ONLINE", "ONLINE"), ("OFFLINE", "OFFLINE"))
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["generated_time"].initial = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        failure = _("Unable to list the compute hosts.")
        services = common.openstack_list(request, failure, nova.service_list, binary="nova-compute")
        hosts = sorted({s.host: s for s in services}.values(), key=lambda s: s.host)
        self.fields["hostname"].choices = [("", _("Select a host"))] + [
            (s.host, f"{s.host} ({s.state}, {s.status})") for s in hosts
        ]

    def handle(self, request, data):
        try:
            notification = api.client(request).notifications.create(
                data["hostname"],
                data["generated_time"],
                data["event"],
                host_status=data.get("host_status") or None,
                cluster_status=data.get("cluster_status") or None,
            )
        except (vmove_exc.BadRequest, vmove_exc.Conflict) as e:
            common.attach_api_error(self, e, FIELDS)
            return False
        except Exception:
            api.fail(request, _("Unable to report the host failure"))
            return False
        messages.success(request, _("Reported %(event)s of host %(host)s.") % {"event": data["event"],
                                                                               "host": data["hostname"]})  # fmt: skip
        return notification
