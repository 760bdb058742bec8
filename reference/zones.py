"""Indonesia's three time zones, by province (Keppres 41/1987 on the time zones of Indonesia):
WIB (UTC+7) for Sumatra, Java, West and Central Kalimantan; WITA (UTC+8) for Bali, Nusa
Tenggara, South, East and North Kalimantan and Sulawesi; WIT (UTC+9) for Maluku and Papua. Keyed
by the province's Kemendagri code, the first two digits of every region code below it."""

import zoneinfo

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"

_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


def zone_name(region_code: str) -> str:
    """The zone of a province, kab/kota or kecamatan code (32.75 → WIB, 63.10 → WITA)."""
    province = region_code[:2]
    if province in _WITA_PROVINCES:
        return WITA
    if province in _WIT_PROVINCES:
        return WIT
    return WIB


def zone_of(region_code: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(zone_name(region_code))
