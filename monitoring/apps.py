from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """The labour office's workspace: lists, filters and exports over its region's projects.
    It owns no tables; it reads projects, registrations and the engine's flags."""

    name = "monitoring"
    verbose_name = _("Monitoring")
