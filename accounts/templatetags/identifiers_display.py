from django import template

from reference.identifiers import format_npwp

register = template.Library()


@register.filter(name="npwp")
def npwp(value: str) -> str:
    """An entity NPWP in the printed shape 01.234.567.8-901.000."""
    return format_npwp(value or "")
