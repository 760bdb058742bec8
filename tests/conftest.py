"""Shared fixtures: reference data and personas, like healthchecks' alice/bob/charlie.

- contractor A and contractor B, each with a company-admin user and projects in Kota Bekasi
  (32.75) and Kabupaten Tanah Bumbu (63.10);
- the labour office of Kota Bekasi (editor), of Tanah Bumbu (editor), of the province Jawa
  Barat (32), and a read-only inspectorate in Kota Bekasi.
"""

import io
import os

import pytest
from django.core.management import call_command

from . import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    """Hash test passwords with MD5: PBKDF2 at production strength costs 0.3 s per user here,
    and the suite creates hundreds of users. Production keeps Django's default hashers."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_runtest_setup(item):
    """A test marked `services("postgres", "redis")` needs those servers. Without them it is
    skipped, unless REQUIRE_SERVICES=1 (CI): then it fails, so CI cannot pass by skipping."""
    marker = item.get_closest_marker("services")
    if marker is None:
        return
    from django.conf import settings

    available = {
        "postgres": settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "redis": bool(settings.REDIS_URL),
    }
    missing = [name for name in (marker.args or ("postgres",)) if not available[name]]
    if missing:
        reason = f"needs {', '.join(missing)} (set DATABASE_URL / REDIS_URL)"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def fresh_flag_rankings():
    """Each test starts under a new flags version: a ranking cached by an earlier test (whose
    rows were rolled back without an engine run) is never read again."""
    from compliance.flag_version import _bump

    _bump()


def ensure_reference_data():
    """Regions, holidays and the tariff: loaded once, and again after a transactional test
    flushed the tables."""
    from compliance.models import Tariff
    from reference.models import Holiday, Region

    if not Region.objects.filter(code="63.10").exists():
        call_command("load_regions", verbosity=0, stdout=io.StringIO())
    if not Holiday.objects.exists():
        call_command("load_holidays", from_year=2024, to_year=2027, stdout=io.StringIO())
    if not Tariff.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("compliance.migrations.0002_standard_tariff").create_tariff(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data once per test database (tests roll back around it)."""
    with django_db_blocker.unblock():
        ensure_reference_data()


@pytest.fixture
def reference_data(db):
    """Regions, holidays and the tariff (reloaded if a transactional test flushed them)."""
    ensure_reference_data()


@pytest.fixture
def contractor_a(reference_data):
    return factories.make_contractor(name="PT Karya Bekasi Utama", regency="32.75")


@pytest.fixture
def contractor_b(reference_data):
    return factories.make_contractor(name="CV Tanah Bumbu Jaya", regency="63.10")


@pytest.fixture
def contractor_a_user(contractor_a):
    return factories.make_contractor_user("kontraktor.a", contractor=contractor_a)


@pytest.fixture
def contractor_b_user(contractor_b):
    return factories.make_contractor_user("kontraktor.b", contractor=contractor_b)


@pytest.fixture
def bekasi_office_user(reference_data):
    return factories.make_office_user("dinas.bekasi", region_code="32.75")


@pytest.fixture
def tanbu_office_user(reference_data):
    return factories.make_office_user("dinas.tanbu", region_code="63.10")


@pytest.fixture
def jabar_office_user(reference_data):
    return factories.make_office_user("dinas.jabar", region_code="32")


@pytest.fixture
def bekasi_readonly_user(reference_data):
    from accounts.models import User

    return factories.make_office_user(
        "inspektorat.bekasi",
        region_code="32.75",
        role=User.OfficeRole.READ_ONLY,
        name="Inspektorat Kota Bekasi",
    )


@pytest.fixture
def superuser(reference_data):
    from accounts.models import User

    return User.objects.create_superuser("admin", "admin@example.org", "test-pass-2026")


@pytest.fixture
def project_of_contractor_a(contractor_a):
    return factories.make_project(contractor=contractor_a, regency="32.75")


@pytest.fixture
def tanbu_project_of_contractor_a(contractor_a):
    return factories.make_project(contractor=contractor_a, regency="63.10")


@pytest.fixture
def project_of_contractor_b(contractor_b):
    return factories.make_project(contractor=contractor_b, regency="63.10")
