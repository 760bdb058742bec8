"""Small pieces shared by the API's routers: scope of the caller, typed query parameters."""

from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Path, Schema

from projects.models import Contractor

from .api_errors import ApiError
from .api_pagination import DEFAULT_LIMIT, MAX_LIMIT

# Ids fit a 64-bit column: a larger number is a 400, never a database error.
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{2}\.[0-9]{2}$", examples=["32.75"])]


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
