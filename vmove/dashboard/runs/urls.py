from django.urls import re_path

from vmove.dashboard.runs import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^(?P<run_id>[^/]+)/$", views.DetailView.as_view(), name="detail"),
    re_path(r"^(?P<run_id>[^/]+)/deny/$", views.DenyView.as_view(), name="deny"),
    re_path(r"^(?P<run_id>[^/]+)/items/(?P<item_id>[^/]+)/deny/$", views.DenyItemView.as_view(), name="deny_item"),
]
