"""One JSON error shape for the whole API:

{"error": {"code": "invalid_parameters", "message": "...", "fields": {"name": ["..."]}}}
"""

from django.utils.translation import gettext as _
from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorResponse(Schema):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, *, status: int, code: str, message: str, fields=None):
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}

    @classmethod
    def from_form(cls, form) -> "ApiError":
        fields = {name: list(errors) for name, errors in form.errors.items()}
        names = ", ".join(fields)
        return cls(
            status=400,
            code="invalid_parameters",
            message=_("Invalid parameters: %(names)s.") % {"names": names},
            fields=fields,
        )

    def as_body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


# The error statuses every operation may answer, documented in the schema (the fuzz test
# checks that no other status comes back).
ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    429: ErrorResponse,
}


def not_found() -> ApiError:
    """Another tenant's object answers like one that does not exist."""
    return ApiError(status=404, code="not_found", message=_("Not found."))


def object_or_not_found(queryset, pk):
    """The object of a caller's scoped queryset, or the 404 of not_found()."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise not_found()
    return found
