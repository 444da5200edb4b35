from django.urls import re_path

from vmove.dashboard.recovery import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^report/$", views.ReportView.as_view(), name="report"),
    re_path(r"^(?P<notification_id>[^/]+)/$", views.DetailView.as_view(), name="detail"),
]
