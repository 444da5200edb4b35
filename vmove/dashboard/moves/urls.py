from django.urls import re_path

from vmove.dashboard.moves import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^instance/$", views.MoveInstanceView.as_view(), name="move_instance"),
    re_path(r"^volume/$", views.MoveVolumeView.as_view(), name="move_volume"),
    re_path(r"^(?P<move_id>[^/]+)/$", views.DetailView.as_view(), name="detail"),
]
