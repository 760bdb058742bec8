from django.contrib import admin
from django.urls import include, path

from . import views
from .api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("projects/", include("projects.urls")),
    path("projects/", include("compliance.urls")),
    path("workers/", include("workers.urls")),
    path("office/procurement/", include("procurement.urls")),
    path("office/", include("monitoring.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler500 = "config.views.server_error"
