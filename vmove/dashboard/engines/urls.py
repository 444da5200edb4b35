from django.urls import re_path

from vmove.dashboard.engines import views

urlpatterns = [re_path(r"^$", views.IndexView.as_view(), name="index")]
