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


def keyset_page(queryset, *, cursor: str | None, limit: int) -> dict:
    """One page of `queryset` after the cursor: {"items": [...], "next": cursor or None}."""
    rows = list(queryset.filter(pk__gt=decode_cursor(cursor)).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": encode_cursor(rows[-1].pk) if more else None}
