"""Does a procurement package name the same work as a project? (domain.md §7, matching strategy)

First by code: kode RUP or kode tender. Then by the supplier's NPWP (both forms normalised to
16 digits) together with the package name and the value: a name nearly the same and a value
within 10 %. Pure functions: the database lookups happen once per batch in importing.py.
"""

import difflib
import functools
import re
from decimal import Decimal

from workers.importing import comparable_name

NAME_RATIO = 0.85  # difflib ratio of the comparable names
TYPO_RATIO = 0.95  # above this, a different word is a typing variant ("Meutia"/"Mutia")
VALUE_TOLERANCE = Decimal("0.10")
_NUMBER = re.compile(r"\d+")


def name_similarity(first: str, second: str) -> float:
    return difflib.SequenceMatcher(None, _comparable(first), _comparable(second)).ratio()


def names_match(first: str, second: str) -> tuple[bool, float | None]:
    """Nearly the same name, and the same numbers in it ("Segmen 1" is not "Segmen 2").

    Below TYPO_RATIO one name's words must all be in the other's: a word left out ("Gedung")
    is the same package, a different place name ("Jatiasih"/"Jatimekar") is not. The ratio is
    None when a cheap test already rules the pair out (difflib's ratio is the costly part).
    """
    a, b = _comparable(first), _comparable(second)
    if _NUMBER.findall(a) != _NUMBER.findall(b):
        return False, None
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < NAME_RATIO or matcher.quick_ratio() < NAME_RATIO:
        return False, None
    ratio = matcher.ratio()
    if ratio < NAME_RATIO:
        return False, ratio
    words_a, words_b = set(a.split()), set(b.split())
    return ratio >= TYPO_RATIO or words_a <= words_b or words_b <= words_a, ratio


@functools.lru_cache(maxsize=65536)
def _comparable(name: str) -> str:
    return comparable_name(name)


def value_gap(row_value: Decimal, project_gross: Decimal) -> Decimal:
    """How far the project's value (with PPN, as procurement data states it) is from the row's,
    as a fraction of the row's value."""
    return abs(project_gross - row_value) / row_value


def gross_value(contract_value: Decimal, *, includes_ppn: bool, ppn_rate: Decimal) -> Decimal:
    """A project's value as procurement data states it: with PPN (LKPP values include it)."""
    if includes_ppn:
        return contract_value
    return (contract_value * (1 + ppn_rate / 100)).quantize(Decimal("1"))


def best_candidate(
    row, candidates: list[dict]
) -> tuple[dict | None, dict | None, float | None, Decimal]:
    """(the matching project or None, the closest project tried, its name ratio (None when
    no value was near enough to compare names), its value gap) among the NPWP's
    `candidates`, so the screen can say why it matched or did not.

    Names are compared only for values within the tolerance (difflib is the costly part);
    failing those, the project nearest in value is the one explained.
    """
    best = closest = None
    best_ratio = closest_ratio = 0.0
    best_gap = closest_gap = Decimal(0)
    nearest, nearest_gap = None, None
    for candidate in candidates:
        if _codes_conflict(row, candidate):
            continue  # another package of the same company
        gap = value_gap(row.value, candidate["gross"])
        if gap > VALUE_TOLERANCE:
            if nearest_gap is None or gap < nearest_gap:
                nearest, nearest_gap = candidate, gap
            continue
        is_match, ratio = names_match(row.name, candidate["name"])
        if closest is None or (ratio or 0.0) > closest_ratio:
            closest, closest_ratio, closest_gap = candidate, ratio or 0.0, gap
        if is_match and ratio > best_ratio:
            best, best_ratio, best_gap = candidate, ratio, gap
    if best is not None:
        return best, best, best_ratio, best_gap
    if closest is not None:  # the ratio shown on screen, computed for this one only
        return None, closest, name_similarity(row.name, closest["name"]), closest_gap
    # No value within the tolerance: the nearest value is explained, names not compared.
    return None, nearest, None, nearest_gap


def _codes_conflict(row, candidate: dict) -> bool:
    return bool(
        (row.kd_rup and candidate["kode_rup"] and row.kd_rup != candidate["kode_rup"])
        or (
            row.kd_tender and candidate["kode_tender"] and row.kd_tender != candidate["kode_tender"]
        )
    )
