"""Who sees a worker's NIK in full: the one rule, used by every page, export and admin list
that shows a NIK (UU 27/2022 on personal data protection: data minimisation).

- The contractor's own users see their workers' NIKs in full on the pages and in the export:
  they collected them from the KTP, report them to BPJS Ketenagakerjaan, and the export is a
  file they import again.
- Editors of a labour office see them in full on the pages: they correct a worker's identity
  and check a name against its NIK when a contractor reports a mismatch.
- Everyone else sees 3275********0001 (the first 4 digits, the regency, and the last 4): office
  read-only staff, inspectorates, BPJS branch users (they look the person up in BPJS's own
  system), and every export an office downloads (a file leaves the application's access rules).
- Superusers see the full NIK (they act through the admin, which keeps its own log).
"""

MASK = "*" * 8


def mask_nik(nik: str) -> str:
    """3275********0001: the regency and the serial, never the district or the birth date."""
    return f"{nik[:4]}{MASK}{nik[-4:]}" if nik else ""


def sees_full_nik(user, *, export: bool = False) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or getattr(user, "contractor_membership", None) is not None:
        return True
    if export:
        return False
    return user.can_change_project_data


def display_nik(nik: str, user, *, export: bool = False) -> str:
    """The NIK as `user` may see it on a page, or in a file they download (export=True)."""
    return nik if sees_full_nik(user, export=export) else mask_nik(nik)
