from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "reference"
    verbose_name = _("Reference data")

    def ready(self):
        # Django 6.1's empty choice of a select has no Indonesian translation in Django's own
        # catalog; the label is ours so that our catalog carries it (Django allows this here).
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("- Select an option -")
