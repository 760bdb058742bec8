"""Rupiah as people type and read it: "Rp 1.250.000.000,00" in, "Rp1.250.000.000" out."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import translation
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The largest amount any rupiah field stores: Rp100 trillion (10^14). The contract value, its
# wages, a contribution or a payment on it never come near it (the biggest single construction
# contracts are in the trillions; a contribution is at most a few percent of the value), yet a
# slip of the keyboard (9.999.999.999.999.999, a figure pasted twice) is refused before it skews
# the dashboards' totals and the exposure score (compliance.scanning.weight_expression). The
# constraints' messages say "Rp100 trillion": change them with it.
MAX_AMOUNT = Decimal(10**14)

_ALLOWED = re.compile(r"^[0-9.,]+$")
# An optional minus sign before or after "Rp": "-Rp1.500" is how format_rupiah writes it.
_PREFIX = re.compile(r"(?i)^(?P<minus>-?)(?:rp\.?)?(?P<minus_after>-?)")


def _format_error() -> ValidationError:
    return ValidationError(
        _("Enter an amount in rupiah, for example 1.250.000.000."), code="rupiah_format"
    )


def parse_rupiah(text: str | int | Decimal) -> Decimal:
    """Read an amount typed the Indonesian way (or the English way) into a Decimal.

    "1.250.000.000", "Rp 1.250.000.000,00", "1250000000", "1,250,000,000.00" all give
    1250000000. A lone separator followed by exactly three digits groups thousands; otherwise
    it is the decimal mark. When both appear, the last one is the decimal mark and the other
    must group thousands. At most two decimals (sen); a negative amount is refused.
    """
    if isinstance(text, (int, Decimal)):
        amount = Decimal(text)
    else:
        cleaned = re.sub(r"\s", "", str(text))  # also the no-break spaces of copied figures
        prefix = _PREFIX.match(cleaned)
        is_negative = bool(prefix["minus"] or prefix["minus_after"])
        cleaned = cleaned[prefix.end() :]
        if not cleaned or not _ALLOWED.match(cleaned):
            raise _format_error()
        amount = _to_decimal(cleaned)
        if is_negative:
            amount = -amount
    if amount < 0:
        raise ValidationError(_("An amount cannot be negative."), code="rupiah_negative")
    return amount


def _to_decimal(cleaned: str) -> Decimal:
    last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        groups = cleaned.split(mark)
        is_grouping = all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
        decimal_mark = None if is_grouping else mark
    else:
        decimal_mark = None
    integer, _sep, fraction = cleaned.partition(decimal_mark) if decimal_mark else (cleaned, "", "")
    thousands = {".": ",", ",": "."}.get(decimal_mark)
    # With a decimal mark, the other separator may only group thousands: "1.2.3,5" is a typo.
    if thousands and not re.fullmatch(rf"[0-9]{{1,3}}(\{thousands}[0-9]{{3}})*|[0-9]+", integer):
        raise _format_error()
    integer = integer.replace(".", "").replace(",", "")
    if not integer.isdigit() or (fraction and (not fraction.isdigit() or len(fraction) > 2)):
        raise _format_error()
    return Decimal(f"{integer}.{fraction}" if fraction else integer)


@deconstructible
class MaxRupiahValidator(MaxValueValidator):
    """A MaxValueValidator that writes its limit in rupiah, in the reader's language."""

    message = gettext_lazy("Enter an amount of at most %(limit)s.")

    def __call__(self, value):
        if value is not None and value > self.limit_value:
            limit = format_rupiah(self.limit_value)
            raise ValidationError(self.message, code=self.code, params={"limit": limit})


def round_rupiah(amount: Decimal) -> Decimal:
    """Whole rupiah, half up (domain.md part 0)."""
    return Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def format_rupiah(amount, *, language: str | None = None) -> str:
    """ "Rp1.250.000.000" in Indonesian, "Rp1,250,000,000" in English; cents only when present."""
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    language = (language or translation.get_language() or "id")[:2]
    thousands, decimal_mark = (".", ",") if language == "id" else (",", ".")
    sign = "-" if amount < 0 else ""
    amount = abs(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = divmod(amount, 1)
    text = f"{int(whole):,}".replace(",", thousands)
    if cents:
        text += decimal_mark + f"{int(cents * 100):02d}"
    return f"{sign}Rp{text}"


def value_before_ppn(value, *, includes_ppn: bool, ppn_rate) -> Decimal:
    """The value before PPN (DPP), in whole rupiah: contribution tiers apply to it (domain.md
    §2.4, §2.5). A value entered with PPN is divided by (1 + rate); the caller keeps the value
    as entered too, so nothing is guessed silently."""
    value = Decimal(value)
    if includes_ppn:
        value = value * 100 / (100 + Decimal(ppn_rate))
    return round_rupiah(value)
