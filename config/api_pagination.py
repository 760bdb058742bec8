"""Keyset pagination of the API's lists: rows in id order, the `next` cursor is the last id of
the page, signed so it stays opaque. Rows inserted between two pages get higher ids: they come
on a later page, never shift or repeat the ones already read (no OFFSET)."""

from django.core import signing
from django.utils.translation import gettext as _

from .api_errors import ApiError

CURSOR_SALT = "pantau.api.cursor"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def encode_cursor(last_id: int) -> str:
    return signing.dumps(last_id, salt=CURSOR_SALT)


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        last_id = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        last_id = None
    if not isinstance(last_id, int) or isinstance(last_id, bool):
        raise ApiError(
            status=400,
            code="invalid_parameters",
            message=_("Invalid parameters: %(names)s.") % {"names": "cursor"},
            fields={"cursor": [_("This cursor is not valid; start again from the first page.")]},
        )
    return last_id


def reject_unknown_parameters(request, filters) -> None:
    """A misspelt filter (updated_after for updated_since) is a 400, not the whole list."""
    unknown = sorted(set(request.GET) - set(type(filters).model_fields))
    if unknown:
        raise ApiError(
            status=400,
            code="invalid_parameters",
            message=_("Invalid parameters: %(names)s.") % {"names": ", ".join(unknown)},
            fields={name: [_("Unknown parameter.")] for name in unknown},
        )


def keyset_page(request, queryset, filters) -> dict:
    """One page of `queryset` after the cursor of `filters` (a PageParams):
    {"items": [...], "next": cursor or None}."""
    reject_unknown_parameters(request, filters)
    limit = filters.limit
    after = decode_cursor(filters.cursor)
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": encode_cursor(rows[-1].pk) if more else None}
