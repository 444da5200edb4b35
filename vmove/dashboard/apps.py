from django.apps import AppConfig


class VmoveDashboardConfig(AppConfig):
    name = "vmove.dashboard"
    #: "dashboard" alone is too common a label to be unique in Horizon
    label = "vmove_dashboard"
    verbose_name = "vmove"
