from django.urls import path

from chat.views import widget_token

urlpatterns = [path("api/widget-token/", widget_token)]
