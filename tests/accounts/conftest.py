"""Helpers for the account tests: a valid sign-up, links read from the mail outbox."""

import re

from reference.identifiers import format_npwp
from tests import factories

PASSWORD = "Bata-merah-2026!"


def sign_up_data(**overrides) -> dict:
    """A complete, valid sign-up; the NPWP in its printed 15-digit shape."""
    data = {
        "legal_name": "PT Beton Bekasi Sejahtera",
        "npwp": format_npwp(factories.make_npwp()),
        "nib": "1234567890123",
        "qualification": "small",
        "address": "Jl. Ahmad Yani No. 1, Bekasi",
        "regency": "32.75",
        "full_name": "Siti Rahayu",
        "email": "siti@beton-bekasi.co.id",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in a mail that starts with `path_prefix`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)", message.body)
    assert match, f"no link to {path_prefix} in:\n{message.body}"
    return match.group(1)
