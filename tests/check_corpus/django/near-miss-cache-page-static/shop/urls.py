from django.urls import path
from django.views.decorators.cache import cache_page

from . import views

urlpatterns = [
    path("", views.home),
    path("about/", cache_page(60 * 60)(views.about)),
]
