"""The BPJS Ketenagakerjaan contribution (iuran) of a construction project.

Permenaker 5/2021 (tiers unchanged since KEP-196/MEN/1999): JKK + JKM on marginal slices of the
contract value before PPN, like income-tax brackets (domain.md §2.2, §2.3). Each program's part
is rounded to whole rupiah, half up, and the total is their sum (domain.md part 0; BPJS's own
rounding rule is not published). An edge value belongs to the lower tier.

The functions here are pure: they take the tiers, so tests and the API need no database; the
Tariff model supplies the tiers in force on a project's SPK date.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from reference.rupiah import round_rupiah

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tier:
    """One slice: up to `upper` (None = no limit), with JKK and JKM rates in percent."""

    upper: Decimal | None
    jkk_rate: Decimal
    jkm_rate: Decimal


@dataclass(frozen=True)
class Slice:
    lower: Decimal
    upper: Decimal | None
    amount: Decimal
    jkk_rate: Decimal
    jkm_rate: Decimal


@dataclass(frozen=True)
class Contribution:
    base_value: Decimal
    jkk: Decimal
    jkm: Decimal
    slices: tuple[Slice, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        return self.jkk + self.jkm


# The tiers of Permenaker 5/2021 (domain.md §2.2): what the first Tariff row holds.
STANDARD_TIERS = (
    Tier(Decimal("100000000"), Decimal("0.21"), Decimal("0.03")),
    Tier(Decimal("500000000"), Decimal("0.17"), Decimal("0.02")),
    Tier(Decimal("1000000000"), Decimal("0.13"), Decimal("0.02")),
    Tier(Decimal("5000000000"), Decimal("0.11"), Decimal("0.01")),
    Tier(None, Decimal("0.09"), Decimal("0.01")),
)
# Wage basis, when the wage component is known: 1.74 % JKK + 0.30 % JKM (domain.md §2.1).
STANDARD_WAGE_RATES = (Decimal("1.74"), Decimal("0.30"))


def contribution_on_value(value: Decimal, tiers=STANDARD_TIERS) -> Contribution:
    """JKK and JKM on marginal tiers of `value` (the DPP)."""
    value = Decimal(value)
    if value < 0:
        raise ValueError("a contract value cannot be negative")
    lower = Decimal(0)
    jkk = jkm = Decimal(0)
    slices = []
    for tier in tiers:
        top = value if tier.upper is None else min(value, tier.upper)
        amount = max(top - lower, Decimal(0))
        if amount:
            jkk += amount * tier.jkk_rate / HUNDRED
            jkm += amount * tier.jkm_rate / HUNDRED
            slices.append(Slice(lower, tier.upper, amount, tier.jkk_rate, tier.jkm_rate))
        if tier.upper is None or value <= tier.upper:
            break
        lower = tier.upper
    return Contribution(value, round_rupiah(jkk), round_rupiah(jkm), tuple(slices))


def contribution_on_wages(wages: Decimal, rates=STANDARD_WAGE_RATES) -> Contribution:
    """JKK and JKM as a percentage of wages (the alternative basis of §2.1)."""
    wages = Decimal(wages)
    if wages < 0:
        raise ValueError("wages cannot be negative")
    jkk_rate, jkm_rate = rates
    return Contribution(
        wages,
        round_rupiah(wages * jkk_rate / HUNDRED),
        round_rupiah(wages * jkm_rate / HUNDRED),
    )


def extra_contribution(old_value: Decimal, new_value: Decimal, tiers=STANDARD_TIERS) -> Decimal:
    """What an addendum adds: f(new DPP) - f(old DPP), never below zero (§3.5).

    A reduction (kerja kurang) owes nothing back.
    """
    difference = (
        contribution_on_value(new_value, tiers).total
        - contribution_on_value(old_value, tiers).total
    )
    return max(difference, Decimal(0))
