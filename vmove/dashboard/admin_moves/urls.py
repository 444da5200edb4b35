from django.urls import re_path

from vmove.dashboard.admin_moves import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^(?P<move_id>[^/]+)/$", views.DetailView.as_view(), name="detail"),
]
