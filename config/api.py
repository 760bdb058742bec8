"""The versioned JSON API (/api/v1). Every error has the shape of config.api_errors."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from compliance.api import router as compliance_router

from .api_errors import ApiError

api = NinjaAPI(
    title="Pantau Jakon API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/schema",
)
api.add_router("/", compliance_router)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(request, exc.as_body(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        name = str(error.get("loc", ["", "request"])[-1])
        fields.setdefault(name, []).append(str(error.get("msg", _("Invalid value."))))
    error = ApiError(
        status=400,
        code="invalid_parameters",
        message=_("Invalid parameters: %(names)s.") % {"names": ", ".join(fields)},
        fields=fields,
    )
    return api.create_response(request, error.as_body(), status=400)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    error = ApiError(status=401, code="not_authenticated", message=_("Authentication required."))
    return api.create_response(request, error.as_body(), status=401)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    error = ApiError(status=exc.status_code, code="error", message=str(exc))
    return api.create_response(request, error.as_body(), status=exc.status_code)
