"""The access-control matrix: every URL pattern that takes an id or a token, tried as every
persona with GET and POST against an object of tenant A (contractor A, Kota Bekasi).

The rules the views follow (and this file holds them to):
- another tenant's object is a 404, as if it did not exist (the views fetch through
  visible_to()/editable_by(); a 403 would confirm that the id exists);
- an action reserved to a role answers 403 to the other role before any object is looked up
  (verification, waivers and letters are the office's; 'being handled' is the contractor's;
  confirming a company is the office's), so the 403 says nothing about the object;
- a company's team (invitations, members) exists only for its members: a 404 to everyone else;
- anonymous visitors are sent to the login page; token pages (sign-up confirmation,
  invitation, password reset, upload link) are the capability themselves and open to all;
  the JSON API answers 401/403 in JSON instead of a redirect;
- a POST-only action answers GET with 405 once logged in.

A new URL pattern with a parameter fails test_every_url_with_a_parameter_is_in_the_matrix until
it gets its entry here.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse

from .conftest import PERSONAS
from .patterns import url_patterns

OK, NOT_FOUND, FORBIDDEN, LOGIN, NOT_ALLOWED = "ok", "404", "403", "login", "405"
API_DENIED = ("401", "403")

# Tenant A's object: its company and the offices over its region may, the others get a 404.
SCOPED = {
    "contractor_a": OK,
    "contractor_b": NOT_FOUND,
    "office_a": OK,
    "office_b": NOT_FOUND,
    "province": OK,
    "anonymous": LOGIN,
}
# The same through the JSON API: no login page to send anonymous callers to.
API_SCOPED = SCOPED | {"anonymous": API_DENIED}
# The API's writes are the contractor's: offices get 403 before any object is looked up (the
# owner's body reaches validation: a 400 counts as let through).
API_CONTRACTOR_WRITE = API_SCOPED | dict.fromkeys(["office_a", "office_b", "province"], FORBIDDEN)
API_WRONG_METHOD = dict.fromkeys(PERSONAS, NOT_ALLOWED)
# An office's own records (procurement imports): 403 for contractors before any lookup, 404 for
# every other office, the province's included.
OFFICE_OWN = dict.fromkeys(PERSONAS, NOT_FOUND) | {
    "contractor_a": FORBIDDEN,
    "contractor_b": FORBIDDEN,
    "office_a": OK,
    "anonymous": LOGIN,
}
# A POST-only action opened with GET (or a GET-only download posted to).
WRONG_METHOD = dict.fromkeys(PERSONAS, NOT_ALLOWED) | {"anonymous": LOGIN}
# The office's actions (verify, reject, waive, letters, confirm a company): 403 for contractors.
OFFICE_ACTION = SCOPED | {"contractor_a": FORBIDDEN, "contractor_b": FORBIDDEN}
# The contractor's own action on its finding: 403 for offices.
CONTRACTOR_ACTION = SCOPED | {"office_a": FORBIDDEN, "office_b": FORBIDDEN, "province": FORBIDDEN}
# A company's team: nobody outside the company sees it, offices included.
COMPANY_ONLY = dict.fromkeys(PERSONAS, NOT_FOUND) | {
    "contractor_a": OK,
    "anonymous": LOGIN,
}
# The token is the capability (mailed to a person who may have no account yet).
PUBLIC = dict.fromkeys(PERSONAS, OK)
# A parameter that names no object (a file format): any logged-in user.
ANY_USER = dict.fromkeys(PERSONAS, OK) | {"anonymous": LOGIN}


@dataclass(frozen=True)
class Entry:
    url: Callable[[dict], str]
    get: dict
    post: dict
    # JSON posted to an API write: well-formed, so the request gets past the schema to the
    # view's scope check (an empty body is refused before it for everyone).
    body: dict | None = None


REGISTRATION_BODY = {
    "bpjs_project_number": "2400000000001",
    "registered_on": "2026-04-01",
    "coverage_start": "2026-04-01",
    "coverage_end": "2026-12-31",
}
ENROLLMENT_BODY = {"nik": "3275011708900009", "full_name": "Andi", "started_on": "2026-04-01"}


def _to(name: str, key: str, *extra) -> Callable[[dict], str]:
    return lambda objects: reverse(name, args=[objects[key].pk, *extra])


def _api(path: str, key: str) -> Callable[[dict], str]:
    return lambda objects: "/api/v1" + path.format(objects[key].pk)


def _token(name: str, *keys: str) -> Callable[[dict], str]:
    return lambda objects: reverse(name, args=[objects[key] for key in keys])


MATRIX: dict[str, Entry] = {
    # accounts
    "accounts:sign_up_confirm": Entry(
        _token("accounts:sign_up_confirm", "sign_up_token"), PUBLIC, PUBLIC
    ),
    "accounts:invitation_accept": Entry(
        _token("accounts:invitation_accept", "invitation_token"), PUBLIC, PUBLIC
    ),
    "accounts:password_reset_confirm": Entry(
        _token("accounts:password_reset_confirm", "reset_uid", "reset_token"), PUBLIC, PUBLIC
    ),
    "accounts:invitation_revoke": Entry(
        _to("accounts:invitation_revoke", "invitation"), WRONG_METHOD, COMPANY_ONLY
    ),
    "accounts:member_remove": Entry(
        _to("accounts:member_remove", "membership"), WRONG_METHOD, COMPANY_ONLY
    ),
    "accounts:contractor_confirm": Entry(
        _to("accounts:contractor_confirm", "contractor"), WRONG_METHOD, OFFICE_ACTION
    ),
    # projects
    "projects:detail": Entry(_to("projects:detail", "project"), SCOPED, SCOPED),
    "projects:edit": Entry(_to("projects:edit", "project"), SCOPED, SCOPED),
    "projects:history": Entry(_to("projects:history", "project"), SCOPED, WRONG_METHOD),
    "projects:amendment_create": Entry(_to("projects:amendment_create", "project"), SCOPED, SCOPED),
    "projects:note_create": Entry(_to("projects:note_create", "project"), WRONG_METHOD, SCOPED),
    # compliance
    "compliance:registration_create": Entry(
        _to("compliance:registration_create", "project"), SCOPED, SCOPED
    ),
    "compliance:registration_edit": Entry(
        _to("compliance:registration_edit", "registration"), SCOPED, SCOPED
    ),
    "compliance:payment_create": Entry(
        _to("compliance:payment_create", "registration"), SCOPED, SCOPED
    ),
    "compliance:evidence_download": Entry(
        _to("compliance:evidence_download", "evidence"), SCOPED, WRONG_METHOD
    ),
    "compliance:upload_by_link": Entry(
        _token("compliance:upload_by_link", "upload_token"), PUBLIC, PUBLIC
    ),
    "compliance:registration_verify": Entry(
        _to("compliance:registration_verify", "registration"), WRONG_METHOD, OFFICE_ACTION
    ),
    "compliance:registration_reject": Entry(
        _to("compliance:registration_reject", "registration"), WRONG_METHOD, OFFICE_ACTION
    ),
    "compliance:flag_waive": Entry(
        _to("compliance:flag_waive", "flag"), WRONG_METHOD, OFFICE_ACTION
    ),
    "compliance:flag_undo_waiver": Entry(
        _to("compliance:flag_undo_waiver", "flag"), WRONG_METHOD, OFFICE_ACTION
    ),
    "compliance:flag_handling": Entry(
        _to("compliance:flag_handling", "flag"), WRONG_METHOD, CONTRACTOR_ACTION
    ),
    "compliance:warning_letter": Entry(
        _to("compliance:warning_letter", "flag"), WRONG_METHOD, OFFICE_ACTION
    ),
    # workers
    "workers:list": Entry(_to("workers:list", "project"), SCOPED, SCOPED),
    "workers:add": Entry(_to("workers:add", "project"), SCOPED, SCOPED),
    "workers:import": Entry(_to("workers:import", "project"), SCOPED, SCOPED),
    "workers:export": Entry(_to("workers:export", "project", "csv"), SCOPED, SCOPED),
    "workers:end": Entry(_to("workers:end", "enrollment"), SCOPED, SCOPED),
    "workers:import_detail": Entry(_to("workers:import_detail", "import"), SCOPED, SCOPED),
    "workers:import_confirm": Entry(_to("workers:import_confirm", "import"), WRONG_METHOD, SCOPED),
    "workers:import_status": Entry(_to("workers:import_status", "import"), SCOPED, SCOPED),
    # the JSON API (a token per persona; the same scope as the pages)
    "api:project_detail": Entry(_api("/projects/{}", "project"), API_SCOPED, API_WRONG_METHOD),
    "api:contractor_detail": Entry(
        _api("/contractors/{}", "contractor"), API_SCOPED, API_WRONG_METHOD
    ),
    "api:registration_detail": Entry(
        _api("/registrations/{}", "registration"), API_SCOPED, API_WRONG_METHOD
    ),
    "api:enrollment_detail": Entry(
        _api("/enrollments/{}", "enrollment"), API_SCOPED, API_WRONG_METHOD
    ),
    "api:flag_detail": Entry(_api("/flags/{}", "flag"), API_SCOPED, API_WRONG_METHOD),
    # Kemendagri's region codes are public reference data.
    "api:region_districts": Entry(
        lambda objects: "/api/v1/regions/32.75/districts", PUBLIC, API_WRONG_METHOD
    ),
    "api:registration_create": Entry(
        _api("/projects/{}/registrations", "project"),
        API_WRONG_METHOD,
        API_CONTRACTOR_WRITE,
        REGISTRATION_BODY,
    ),
    "api:enrollment_create": Entry(
        _api("/projects/{}/enrollments", "project"),
        API_WRONG_METHOD,
        API_CONTRACTOR_WRITE,
        ENROLLMENT_BODY,
    ),
    # procurement imports: an office's own runs (labour office editors)
    "procurement:detail": Entry(
        _to("procurement:detail", "procurement_import"), OFFICE_OWN, OFFICE_OWN
    ),
    "procurement:confirm": Entry(
        _to("procurement:confirm", "procurement_import"), WRONG_METHOD, OFFICE_OWN
    ),
    "procurement:status": Entry(
        _to("procurement:status", "procurement_import"), OFFICE_OWN, OFFICE_OWN
    ),
    # a person's own API token
    "accounts:api_token_revoke": Entry(
        _to("accounts:api_token_revoke", "api_token"), WRONG_METHOD, COMPANY_ONLY
    ),
    "workers:import_template": Entry(
        lambda objects: reverse("workers:import_template", args=["xlsx"]), ANY_USER, ANY_USER
    ),
}


def outcome(response) -> str:
    """What a user notices: the login page, a refusal, or the page (or its redirect)."""
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN
    if response.status_code in (401, 403, 404, 405):
        return str(response.status_code)
    if response.status_code == 400 and response["Content-Type"].startswith("application/json"):
        return OK  # the API let the caller through to validating the (empty) body
    assert response.status_code < 400, f"unexpected {response.status_code}"
    return OK


def request_and_undo(client, method: str, url: str, body: dict | None = None):
    """One request whose changes are rolled back, so every persona meets the same world."""
    with transaction.atomic():
        if body is not None and method == "post":
            response = client.post(url, json.dumps(body), content_type="application/json")
        else:
            response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def expected_matches(expected, actual: str) -> bool:
    return actual in expected if isinstance(expected, tuple) else actual == expected


def test_every_url_with_a_parameter_is_in_the_matrix():
    with_parameters = {p.name for p in url_patterns() if p.takes_parameters}
    missing = sorted(with_parameters - MATRIX.keys())
    assert not missing, (
        f"URL patterns with an id or token that the access matrix does not cover: {missing}. "
        "Add an Entry to MATRIX in tests/security/test_access_matrix.py saying who may open it."
    )


def test_the_matrix_names_only_existing_url_patterns():
    names = {p.name for p in url_patterns()}
    assert not sorted(MATRIX.keys() - names)


def test_every_entry_says_what_each_persona_gets():
    for name, entry in MATRIX.items():
        assert set(entry.get) == set(PERSONAS) == set(entry.post), name


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_what_the_rules_allow(in_world, name):
    entry = MATRIX[name]
    url = entry.url(in_world.objects)
    wrong = []
    for persona in PERSONAS:
        client = in_world.client(persona, api=name.startswith("api:"))
        for method, expected in (("get", entry.get[persona]), ("post", entry.post[persona])):
            actual = outcome(request_and_undo(client, method, url, entry.body))
            if not expected_matches(expected, actual):
                wrong.append(f"{persona} {method.upper()} {url}: expected {expected}, got {actual}")
    assert not wrong, "\n".join(wrong)
