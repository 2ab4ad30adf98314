from django.shortcuts import render
from django.views.decorators.cache import cache_page


def home(request):
    return render(request, "home.html")


def about(request):
    return render(request, "about.html")


@cache_page(60 * 15)
def landing(request):
    # a standalone page without the layout: no widget, no token on it
    return render(request, "landing/static.html")
