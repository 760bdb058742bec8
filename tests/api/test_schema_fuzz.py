"""Schema-driven fuzzing of the API against the live app (schemathesis over real HTTP): every
operation, with data generated from the OpenAPI schema and a contractor's token, answers
without a server error, with a status, content type and body that the schema documents.

Bounded for CI: a few examples per operation, derandomized (the same cases on every run).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import create_api_token
from tests import factories
from workers.services import enroll_worker

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def contractor_token(live_server, contractor_a_user, project_of_contractor_a):
    """Contractor A with a project that has a registration, a worker and a flag, so lists and
    details have something to answer."""
    factories.make_registration(project_of_contractor_a)
    enroll_worker(
        project=project_of_contractor_a,
        nik=factories.make_nik(),
        full_name="Budi Santoso",
        started_on=project_of_contractor_a.start_date,
    )
    _token, secret = create_api_token(user=contractor_a_user, name="fuzz")
    return secret


FUZZ_SETTINGS = settings(
    max_examples=8,  # per operation and mode: 16 cases per operation
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz(operation, mode, secret):
    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

    run()


def test_the_api_conforms_to_its_schema(live_server, contractor_token):
    """Data that fits the schema and data that does not, for every operation; all failures
    are reported together, each with the operation and the smallest failing case."""
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, contractor_token)
            except Exception as error:
                failures.append(f"{operation.label} ({mode}): {error}")
    assert not failures, "\n\n".join(failures)
