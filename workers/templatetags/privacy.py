from django import template

from workers.privacy import display_nik

register = template.Library()


@register.filter(name="nik_for")
def nik_for(nik: str, user) -> str:
    """{{ worker.nik|nik_for:request.user }}: full or masked by workers.privacy.display_nik."""
    return display_nik(nik, user)
