"""Reference endpoints of the API (/api/v1): the kecamatan of a kab/kota. Kemendagri's region
codes are public data, so no token is needed (the project form asks while a person types)."""

from typing import Annotated

from ninja import Path, Router, Schema

from config.api_errors import ERRORS, not_found

from .models import REGENCY_CODE_PATTERN, Region

router = Router(tags=["regions"])


RegencyCode = Annotated[str, Path(pattern=REGENCY_CODE_PATTERN, examples=["32.75"])]


class DistrictOut(Schema):
    code: str
    name: str


@router.get(
    "/regions/{code}/districts",
    response={200: list[DistrictOut], **ERRORS},
    auth=None,
    url_name="region_districts",
    summary="The kecamatan of a kab/kota",
    description="`code` is the kab/kota's Kemendagri code (for example 32.75). The kecamatan "
    "come in name order, each with its code (32.75.01).",
)
def region_districts(request, code: RegencyCode):
    if not Region.objects.regencies().filter(code=code).exists():
        raise not_found()
    return list(Region.objects.districts_of(code))
