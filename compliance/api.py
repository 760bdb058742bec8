"""Compliance endpoints of the public API (/api/v1)."""

from datetime import date

from ninja import Query, Router, Schema

from config.api_errors import ApiError, ErrorResponse
from reference.rupiah import round_rupiah, value_before_ppn

from .forms import ContributionQueryForm

router = Router(tags=["contribution"])


class ContributionQuery(Schema):
    contract_value: str | None = None
    includes_ppn: str | None = None
    ppn_rate: str | None = None
    spk_date: str | None = None
    start_date: str | None = None


class SliceOut(Schema):
    lower: int
    upper: int | None
    amount: int
    jkk_rate: str
    jkm_rate: str


class ContributionOut(Schema):
    contract_value: int
    base_value: int
    jkk: int
    jkm: int
    total: int
    tariff: str
    slices: list[SliceOut]
    registration_due_on: date | None


@router.get(
    "/contribution",
    response={200: ContributionOut, 400: ErrorResponse},
    auth=None,
    summary="BPJS Ketenagakerjaan contribution of a construction contract",
    description=(
        "JKK and JKM on marginal tiers of the contract value before PPN (Permenaker 5/2021). "
        "`contract_value` in rupiah (digits, or Indonesian format such as 1.250.000.000); "
        "`includes_ppn` true/false (default false); `ppn_rate` in percent (default 11); "
        "`spk_date` (YYYY-MM-DD, default today) chooses the tariff. Amounts are whole rupiah; "
        "`slices` are the tiers used. With `spk_date` and `start_date`, `registration_due_on` "
        "is the registration deadline (working days, holidays skipped)."
    ),
)
def contribution(request, params: Query[ContributionQuery]):
    form = ContributionQueryForm(params.dict(exclude_none=True))
    if not form.is_valid():
        raise ApiError.from_form(form)
    data = form.cleaned_data
    tariff = data["tariff"]
    base = value_before_ppn(
        data["contract_value"], includes_ppn=data["includes_ppn"], ppn_rate=data["ppn_rate"]
    )
    result = tariff.contribution_for_value(base)
    return {
        # Whole rupiah like the other amounts: rounded half up, not truncated (1,5 -> 2).
        "contract_value": int(round_rupiah(data["contract_value"])),
        "base_value": int(base),
        "jkk": int(result.jkk),
        "jkm": int(result.jkm),
        "total": int(result.total),
        "tariff": str(tariff),
        "slices": [
            {
                "lower": int(piece.lower),
                "upper": None if piece.upper is None else int(piece.upper),
                "amount": int(piece.amount),
                "jkk_rate": f"{piece.jkk_rate.normalize():f}",
                "jkm_rate": f"{piece.jkm_rate.normalize():f}",
            }
            for piece in result.slices
        ],
        "registration_due_on": data.get("registration_due_on"),
    }
