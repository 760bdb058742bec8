"""Indonesian identifiers: NIK, NPWP, NIB, KPJ, NPP and BPJS project numbers (domain.md §4.1, §5).

Each `validate_*` normalises and returns the canonical form or raises a translated
ValidationError. Problems that real, valid numbers can have (a NIK issued in a region that was
later split, an unusual age) are warnings from `nik_warnings`, never errors.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError

_SEPARATORS = re.compile(r"[\s.\-/]")


def digits_only(value: str) -> str:
    return _SEPARATORS.sub("", str(value or "")).strip()


@dataclass(frozen=True)
class NikParts:
    """What a NIK says: `PP KK CC DD MM YY SSSS` (women's day of birth + 40)."""

    nik: str
    district_prefix: str  # 6 digits: province, kab/kota, kecamatan where the NIK was issued
    birth_day: int
    birth_month: int
    birth_year_2d: int
    is_female: bool
    serial: int

    @property
    def region_codes(self) -> tuple[str, str, str]:
        """Dotted Kemendagri codes of the issuing province, kab/kota and kecamatan."""
        p = self.district_prefix
        return p[:2], f"{p[:2]}.{p[2:4]}", f"{p[:2]}.{p[2:4]}.{p[4:6]}"

    def birth_date(self, *, today: date | None = None) -> date:
        """The birth date, taking the century that gives an age under 100 and over ~15."""
        today = today or date.today()
        year = 2000 + self.birth_year_2d
        if year > today.year - 14:
            year -= 100
        try:
            return date(year, self.birth_month, self.birth_day)
        except ValueError:  # 29 February of a year that is only a leap year in the other century
            return date(year + 100 if year < 2000 else year - 100, self.birth_month, self.birth_day)


def parse_nik(value: str) -> NikParts:
    """Validate the structure of a NIK and return its parts (domain.md §4.1)."""
    nik = digits_only(value)
    if not nik.isdigit() or len(nik) != 16:
        raise ValidationError(
            _("A NIK has exactly 16 digits (this one has %(count)d).") % {"count": len(nik)}
            if nik.isdigit()
            else _("A NIK contains digits only."),
            code="nik_format",
        )
    if nik[:2] == "00" or nik[2:4] == "00" or nik[4:6] == "00":
        raise ValidationError(
            _("The first six digits of a NIK are a region code."), code="nik_region"
        )
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    is_female = day > 40
    if is_female:
        day -= 40
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValidationError(
            _(
                "Digits 7 to 12 of a NIK are the birth date (DDMMYY, women's day + 40); "
                "%(digits)s is not a date."
            )
            % {"digits": nik[6:12]},
            code="nik_birth_date",
        )
    if not any(_is_date(century + year2, month, day) for century in (1900, 2000)):
        raise ValidationError(
            _(
                "Digits 7 to 12 of a NIK are the birth date (DDMMYY, women's day + 40); "
                "%(digits)s is not a date."
            )
            % {"digits": nik[6:12]},
            code="nik_birth_date",
        )
    serial = int(nik[12:])
    if serial == 0:
        raise ValidationError(_("The last four digits of a NIK cannot be 0000."), code="nik_serial")
    return NikParts(nik, nik[:6], day, month, year2, is_female, serial)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def validate_nik(value: str) -> str:
    return parse_nik(value).nik


def nik_matches_person(parts: NikParts, *, birth_date: date | None, sex: str | None) -> list[str]:
    """Errors where the NIK disagrees with the birth date or sex given beside it."""
    errors = []
    if birth_date is not None and (
        birth_date.day != parts.birth_day
        or birth_date.month != parts.birth_month
        or birth_date.year % 100 != parts.birth_year_2d
    ):
        errors.append(
            _(
                "The birth date does not match the NIK: its 7th to 12th digits give "
                "%(day)02d-%(month)02d-%(year)02d (day-month-year)."
            )
            % {"day": parts.birth_day, "month": parts.birth_month, "year": parts.birth_year_2d}
        )
    if sex and sex != ("F" if parts.is_female else "M"):
        errors.append(
            _("The sex does not match the NIK (the day of birth of women is increased by 40).")
        )
    return errors


def nik_warnings(
    parts: NikParts, *, known_district_codes: set[str] | None = None, today: date | None = None
) -> list[str]:
    """Things worth a second look that do not make the NIK invalid (domain.md §4.1 caveats)."""
    warnings = []
    if known_district_codes is not None and parts.region_codes[2] not in known_district_codes:
        # Regions split after a NIK was issued keep their old prefix: warn, never reject.
        warnings.append(
            _(
                "The region code %(code)s of this NIK is not in today's list of kecamatan; "
                "check it if the person was not registered before a region split."
            )
            % {"code": parts.region_codes[2]}
        )
    today = today or date.today()
    born = parts.birth_date(today=today)
    # Whole years, as on a birthday (days // 365 drifts by a day every four years).
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not 15 <= age <= 80:
        warnings.append(
            _("The NIK gives an age of %(age)d years; check the number.") % {"age": age}
        )
    return warnings


def validate_npwp(value: str) -> str:
    """Validate an NPWP and return it in the 16-digit form.

    15 digits (old form) and 16 digits starting with 0 carry a Luhn check digit over the
    taxpayer number; any other 16-digit NPWP is a person's NIK and is validated as one (§5).
    """
    npwp = digits_only(value)
    if not npwp.isdigit():
        raise ValidationError(_("An NPWP contains digits only."), code="npwp_format")
    if len(npwp) == 15:
        npwp = "0" + npwp
    if len(npwp) != 16:
        raise ValidationError(
            _("An NPWP has 15 or 16 digits (this one has %(count)d).") % {"count": len(npwp)},
            code="npwp_length",
        )
    if npwp.startswith("0"):
        try:
            luhn.validate(npwp[1:10])
        except StdnumError:
            raise ValidationError(
                _("This NPWP's check digit is wrong: check for a typing error."),
                code="npwp_checksum",
            ) from None
        return npwp
    try:
        parse_nik(npwp)
    except ValidationError as error:
        raise ValidationError(
            _(
                "A 16-digit NPWP that does not start with 0 is a NIK, and this one is not valid: "
                "%(reason)s"
            )
            % {"reason": " ".join(error.messages)},
            code="npwp_nik",
        ) from None
    return npwp


def format_npwp(npwp16: str) -> str:
    """The familiar 15-digit `XX.XXX.XXX.X-XXX.XXX` shape for an entity NPWP (16 digits starting
    with 0, or the old 15 digits); a NIK-NPWP, or anything else, stays as is."""
    number = digits_only(npwp16)
    if len(number) == 16 and number.startswith("0"):
        number = number[1:]
    if len(number) == 15 and number.isdigit():
        n = number
        return f"{n[:2]}.{n[2:5]}.{n[5:8]}.{n[8]}-{n[9:12]}.{n[12:]}"
    return npwp16


def _fixed_digits(value: str, length: int, label: str, code: str) -> str:
    number = digits_only(value)
    if not number.isdigit() or len(number) != length:
        raise ValidationError(
            _("%(label)s has exactly %(length)d digits.") % {"label": label, "length": length},
            code=code,
        )
    return number


def validate_nib(value: str) -> str:
    """NIB (OSS business identification number): 13 digits (domain.md §5)."""
    return _fixed_digits(value, 13, _("A NIB"), "nib_format")


def validate_kpj(value: str) -> str:
    """KPJ (BPJS Ketenagakerjaan participant card number): 11 digits (domain.md §4)."""
    return _fixed_digits(value, 11, _("A KPJ number"), "kpj_format")


def validate_npp(value: str) -> str:
    """NPP (BPJS company registration number): observed as 8 characters, letters or digits."""
    npp = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{8}", npp):
        raise ValidationError(_("An NPP has 8 letters or digits."), code="npp_format")
    return npp


def validate_bpjs_project_number(value: str) -> str:
    """BPJS project number: observed as 13 digits; only length and characters are checked (§5)."""
    number = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{8,20}", number):
        raise ValidationError(
            _("A BPJS project number has 8 to 20 letters or digits (usually 13 digits)."),
            code="bpjs_project_number_format",
        )
    return number
