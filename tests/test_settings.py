"""Settings: production refuses to start without its secrets; the defaults need no server."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_django(**env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = start_django(DEBUG="false", ALLOWED_HOSTS="pantau.example.go.id")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = start_django(DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_both():
    result = start_django(DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="pantau.example.go.id")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_debug_mode_starts_with_no_environment_at_all():
    result = start_django(DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_the_embedded_defaults_are_sqlite_and_the_filesystem_broker():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
        "settings.DATABASES['default']['OPTIONS']['transaction_mode'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "IMMEDIATE"]


def test_a_sqlite_file_database_runs_in_wal_mode_so_web_and_worker_do_not_block(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); "
        "print(cursor.fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "wal", result.stderr


LOG_SOMETHING = (
    "import django, logging; django.setup(); "
    "logging.getLogger('pantau.test').warning('scan took %s s', 3)"
)


def run_with(code: str, **env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_FORMAT", "SENTRY_DSN"}}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings", **env_changes)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_json_logs_are_one_object_per_line_with_time_level_logger_and_message():
    result = run_with(LOG_SOMETHING, LOG_FORMAT="json")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    record = json.loads(lines[-1])
    assert record["level"] == "WARNING"
    assert record["logger"] == "pantau.test"
    assert record["message"] == "scan took 3 s"
    assert record["time"].endswith("+00:00")


def test_logs_are_human_readable_by_default():
    result = run_with(LOG_SOMETHING)
    # "[none]": the request id's place (django-log-request-id), outside a request here.
    assert (
        result.stderr.strip().splitlines()[-1].endswith("WARNING pantau.test [none] scan took 3 s")
    )


A_REQUEST_THAT_LOGS = (
    "import django; django.setup(); from django.test import Client; "
    "response = Client().get('/no-such-page/'); print(response['X-Request-ID'])"
)


def test_the_log_lines_of_a_request_carry_the_id_its_response_names(tmp_path):
    result = run_with(
        A_REQUEST_THAT_LOGS,
        LOG_FORMAT="json",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    request_id = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), result.stderr[-2000:]
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    not_found = [record for record in records if record["logger"] == "django.request"]
    assert not_found, result.stderr[-2000:]
    assert not_found[-1]["message"] == "Not Found: /no-such-page/"
    assert not_found[-1]["request_id"] == request_id


SENTRY_OPTIONS = (
    "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
    "print(client.is_active(), bool(client.options['send_default_pii']))"
)


def test_sentry_is_off_without_a_dsn():
    assert run_with(SENTRY_OPTIONS).stdout.split() == ["False", "False"]


def test_sentry_starts_with_a_dsn_and_sends_no_personal_data():
    # Nothing is sent at start-up: the DSN's host is never contacted here.
    result = run_with(SENTRY_OPTIONS, SENTRY_DSN="https://public@127.0.0.1:9/1")
    assert result.stdout.split() == ["True", "False"], result.stderr
