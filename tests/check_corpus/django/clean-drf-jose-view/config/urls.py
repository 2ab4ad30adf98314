from accounts.api import WidgetTokenView
from django.urls import path

urlpatterns = [path("api/v1/widget-token/", WidgetTokenView.as_view())]
