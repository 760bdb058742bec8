"""The versioned JSON API (/api/v1). Every error has the shape of config.api_errors.

Authentication is a personal API token (accounts.api_auth); the contribution calculator and
the kecamatan of a kab/kota are public. Scope is the web pages': each endpoint reads through the models' visible_to().
"""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from accounts.api_auth import ApiTokenAuth
from compliance.api import router as compliance_router
from projects.api import router as projects_router
from reference.api import router as reference_router
from workers.api import router as workers_router

from .api_errors import ApiError


class _RateFromSettings:
    """The rate is read from settings on each request (tests and operators change it)."""

    setting = ""

    def __init__(self):
        super().__init__(rate=getattr(settings, self.setting))

    def allow_request(self, request):
        self.num_requests, self.duration = self.parse_rate(getattr(settings, self.setting))
        return super().allow_request(request)


class TokenRateThrottle(_RateFromSettings, AuthRateThrottle):
    """Per token (its id), whichever address it comes from."""

    setting = "PANTAU_API_RATE_TOKEN"

    def get_cache_key(self, request):
        token = getattr(request, "auth", None)
        if token is None:
            return None  # AnonymousRateThrottle counts these
        return self.cache_format % {"scope": "token", "ident": token.token_hash[:32]}


class AnonymousRateThrottle(_RateFromSettings, AnonRateThrottle):
    """Per address, for the public endpoints (calculator, kecamatan). The portal's project form
    calls them while a signed-in person types (an office behind one NAT address): those calls are not counted."""

    setting = "PANTAU_API_RATE_ANONYMOUS"

    def get_cache_key(self, request):
        if request.user.is_authenticated:
            return None
        return super().get_cache_key(request)


DESCRIPTION = """
Projects, contractors, BPJS Ketenagakerjaan registrations, worker enrollments and compliance
flags of Pantau Jakon, with the same scope as the web pages: a contractor's token sees its own
company's data, an office's token the projects of its region.

**Authentication**: `Authorization: Bearer <token>`, a personal token created on the page
*API tokens* (/accounts/tokens/) of the web application. The contribution calculator and the
kecamatan of a kab/kota need none.

**Lists** are in id order with keyset pagination: pass the `next` of a page as `cursor` to get
the following one (`limit` at most 200). Rows added meanwhile come on later pages.

**Errors** are JSON: `{"error": {"code", "message", "fields": {"name": ["message"]}}}`, in the
language of `Accept-Language` (or the token user's language). Rate limits answer 429 with
`Retry-After`.
"""

api = NinjaAPI(
    title="Pantau Jakon API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/schema",
    auth=ApiTokenAuth(),
    throttle=[TokenRateThrottle(), AnonymousRateThrottle()],
)
api.add_router("/", compliance_router)
api.add_router("/", projects_router)
api.add_router("/", workers_router)
api.add_router("/", reference_router)

# pydantic's checks of types and shapes, in the words (and translations) of Django's forms.
_PYDANTIC_MESSAGES = {
    "missing": "This field is required.",
    "date": "Enter a valid date.",
    "datetime": "Enter a valid date/time.",
    "int": "Enter a whole number.",
    "float": "Enter a number.",
    "decimal": "Enter a number.",
    "bool": "Enter a valid value.",
}


def _field_message(error: dict) -> str:
    kind = str(error.get("type", ""))
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        limit = next(iter((error.get("ctx") or {}).values()), "")
        if kind.startswith("less"):
            return _("Ensure this value is less than or equal to %(limit_value)s.") % {
                "limit_value": limit
            }
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": limit
        }
    for prefix, message in _PYDANTIC_MESSAGES.items():
        if kind == prefix or kind.startswith(prefix + "_"):
            return _(message)
    return _("Enter a valid value.")


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(request, exc.as_body(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ["request"]) if part != "payload"]
        # ("query", "limit") -> "limit"; ("body", "payload", "payment", "amount") -> "payment.amount"
        name = ".".join(location[1:]) or location[0] if location else "request"
        fields.setdefault(name, []).append(_field_message(error))
    error = ApiError(
        status=400,
        code="invalid_parameters",
        message=_("Invalid parameters: %(names)s.") % {"names": ", ".join(fields)},
        fields=fields,
    )
    return api.create_response(request, error.as_body(), status=400)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    error = ApiError(
        status=401,
        code="not_authenticated",
        message=_("Authentication required: send a valid API token as Authorization: Bearer."),
    )
    return api.create_response(request, error.as_body(), status=401)


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    error = ApiError(
        status=429, code="rate_limited", message=_("Too many requests; try again later.")
    )
    return api.create_response(request, error.as_body(), status=429)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    error = ApiError(status=exc.status_code, code="error", message=str(exc))
    return api.create_response(request, error.as_body(), status=exc.status_code)
