"""The site's URLs plus one view that crashes: for the 500 page's tests."""

from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [path("crash/", crash), *site_urlpatterns]
