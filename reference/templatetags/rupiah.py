from django import template

from reference.rupiah import format_rupiah

register = template.Library()


@register.filter(name="rupiah")
def rupiah_filter(amount):
    """{{ project.contract_value|rupiah }} -> Rp1.250.000.000 (Indonesian) or Rp1,250,000,000."""
    return format_rupiah(amount)
