from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from django.db.models.signals import pre_delete

        from .scanning import lock_engine_for_project_delete

        pre_delete.connect(
            lock_engine_for_project_delete,
            sender="projects.Project",
            dispatch_uid="compliance.lock_engine_for_project_delete",
        )
