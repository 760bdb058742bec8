"""Small pieces shared by the API's routers: scope of the caller, typed query parameters."""

from datetime import UTC, datetime
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema
from pydantic import AfterValidator

from projects.models import Contractor
from reference.models import REGENCY_CODE_PATTERN

from .api_errors import ApiError
from .api_pagination import DEFAULT_LIMIT, MAX_LIMIT

# Ids fit a 64-bit column: a larger number is a 400, never a database error.
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
RegionCode = Annotated[str, Field(pattern=REGENCY_CODE_PATTERN, examples=["32.75"])]


def _in_utc(value: datetime) -> datetime:
    # PostgreSQL refuses offsets beyond ±15:59 (ISO allows up to ±23:59) and Django warns on
    # naive values: compare in UTC, a naive value being the site's time.
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("date/time out of range") from None


# A moment in a filter (updated_since): any ISO 8601 date-time, compared in UTC.
Since = Annotated[datetime, AfterValidator(_in_utc)]


class PageParams(Schema):
    """`cursor` and `limit` of every list, as fields of each list's filter schema."""

    cursor: str | None = Field(
        None, max_length=500, description="The `next` of the previous page; empty for the first."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def user_of(request):
    return request.auth.user


def contractor_of(request) -> Contractor:
    """The company whose system calls: writes through the API are contractors' (offices read)."""
    membership = getattr(user_of(request), "contractor_membership", None)
    if membership is None:
        raise ApiError(
            status=403,
            code="forbidden",
            message=_("Only a contractor's users can write through the API; offices read."),
        )
    return membership.contractor
