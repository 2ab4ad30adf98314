from django.urls import path

from .api import widget_token

urlpatterns = [path("api/widget-token/", widget_token)]
