from django.urls import path

from . import views

urlpatterns = [
    path("api/widget-token/", views.widget_token, name="widget-token"),
]
