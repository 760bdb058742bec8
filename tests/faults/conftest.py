"""Fixtures of the fault tests: private services, the app's processes on them, and this test
process pointed at the same private database.

- `postgres_cluster` (once per session): initdb in a throwaway folder, the project's migrations
  and reference data in a template database;
- `database`: a fresh copy of the template for one test; this process's default connection is
  switched to it for the test, so factories, services and assertions work on the rows the
  web and worker processes see;
- `redis_server`: a private redis-server (SIGSTOP/SIGCONT, stop and restart on its port);
- `start_worker` / `start_web`: `celery -A config worker` (prefork) and gunicorn, started as
  subprocesses with DATABASE_URL / REDIS_URL pointing at the private services.

Everything started here is ended by its fixture, also when the test fails. Without the
binaries (initdb, pg_ctl, redis-server) the tests are skipped, unless REQUIRE_SERVICES=1 (CI).
"""

import itertools
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import environ
import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from config.celery import app as celery_app

from .processes import (
    PG_PORTS,
    REDIS_PORTS,
    CeleryWorker,
    PostgresCluster,
    RedisServer,
    WebServer,
    free_port,
    postgres_bindir,
)

TEMPLATE = "faults_template"
_numbers = itertools.count(1)


def _missing_binaries() -> list[str]:
    bindir = postgres_bindir()
    missing = [] if bindir and (bindir / "pg_ctl").exists() else ["initdb/pg_ctl"]
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        missing.append("runuser (initdb refuses to run as root)")
    return missing


@pytest.fixture(scope="session")
def fault_tools():
    if missing := _missing_binaries():
        reason = f"fault tests start their own servers and need {', '.join(missing)}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@contextmanager
def default_connection_to(url: str):
    """Point this thread's default database connection at `url` (another server, another
    engine even), then back."""
    config = connections.configure_settings({"default": environ.Env.db_url_config(url)})
    wrapper = load_backend(config["default"]["ENGINE"]).DatabaseWrapper(config["default"])
    previous = connections["default"]
    connections["default"] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        connections["default"] = previous


@pytest.fixture(scope="session")
def postgres_cluster(fault_tools, django_db_blocker):
    """A throwaway cluster with the template database: migrations and reference data."""
    from django.core.management import call_command

    from tests.conftest import ensure_reference_data

    folder = Path(tempfile.mkdtemp(prefix="pj-pg-"))
    cluster = PostgresCluster(postgres_bindir(), folder, free_port(PG_PORTS))
    try:
        cluster.init()
        cluster.start()
        cluster.execute(f"CREATE DATABASE {TEMPLATE}")
        with django_db_blocker.unblock(), default_connection_to(cluster.url(TEMPLATE)):
            call_command("migrate", verbosity=0, interactive=False)
            ensure_reference_data()
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


class Database:
    """One test's database in the private cluster, used by this process while the test runs."""

    def __init__(self, cluster: PostgresCluster, name: str):
        self.cluster, self.name = cluster, name

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)

    def copy(self, name: str) -> "Database":
        """A copy of this database as it is now (nobody may be connected to it)."""
        connections["default"].close()
        self.cluster.execute(f"CREATE DATABASE {name} TEMPLATE {self.name}")
        return Database(self.cluster, name)

    def drop(self) -> None:
        self.cluster.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture
def database(postgres_cluster, django_db_blocker, settings, tmp_path):
    """A fresh copy of the template, this process's default connection for the test. Engine
    nudges from this process are off: its own broker is not the private one."""
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    number = next(_numbers)
    postgres_cluster.execute(f"CREATE DATABASE faults_{number} TEMPLATE {TEMPLATE}")
    main = Database(postgres_cluster, f"faults_{number}")
    try:
        with django_db_blocker.unblock(), default_connection_to(main.url):
            yield main
    finally:
        for name in (main.name, f"{main.name}_clean"):
            Database(postgres_cluster, name).drop()


@contextmanager
def using(db: Database):
    """Run this block on another database of the cluster (a clean copy)."""
    with default_connection_to(db.url):
        yield


@pytest.fixture
def redis_server(fault_tools, tmp_path):
    server = RedisServer(free_port(REDIS_PORTS), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_env(database, redis_server, settings, tmp_path):
    """The environment of the app's processes: the private services, mails on stdout."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database.url,
        REDIS_URL=redis_server.url,
        EMAIL_URL="consolemail://",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        CELERY_DATA_FOLDER=str(tmp_path / "celery"),
        CACHE_FOLDER=str(tmp_path / "cache"),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        STATIC_MANIFEST="false",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    return env


@pytest.fixture
def start_worker(app_env, tmp_path):
    """Start a Celery worker: start_worker(concurrency=1, wait=True, **extra_env). With
    wait=False the test prepares its data while the worker boots, then calls wait_ready()."""
    workers = []

    def start(label="w1", *, concurrency=1, wait=True, **extra_env) -> CeleryWorker:
        worker = CeleryWorker({**app_env, **extra_env}, tmp_path, label, concurrency=concurrency)
        workers.append(worker)
        worker.start(wait=wait)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def start_web(app_env, tmp_path):
    """Start gunicorn on a Unix socket (short path: a socket's name is at most 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="pj-web-"))
    servers = []

    def start() -> WebServer:
        server = WebServer(app_env, folder)
        server.log_path = tmp_path / "web.log"
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def send_task(redis_server):
    """Publish a task to the private broker by name, as beat or a view would."""

    def send(name: str, *args) -> None:
        with celery_app.connection_for_write(redis_server.url) as conn:
            celery_app.send_task(name, args=args, connection=conn)

    return send


@contextmanager
def table_lock(database: Database, table: str):
    """Hold a SHARE lock on `table` (readers pass, writers wait) until the block ends: a task
    that writes to it stops there, inside its transaction."""
    import psycopg

    with psycopg.connect(database.url) as conn:
        conn.execute(f"LOCK TABLE {table} IN SHARE MODE")
        yield
        conn.commit()


def waiting(database: Database, wait_event: str) -> int:
    """Sessions of the database waiting for a lock: on a table (`relation`), a row
    (`transactionid`) or an advisory lock (`advisory`)."""
    [(count,)] = database.cluster.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND wait_event = %s AND datname = %s",
        [wait_event, database.name],
    )
    return count


class Browser:
    """A signed-in contractor's browser against the gunicorn process: cookies and CSRF."""

    def __init__(self, web, user):
        client = Client()
        client.force_login(user)  # the session row goes to the private database
        self.web = web
        self.cookies = {name: morsel.value for name, morsel in client.cookies.items()}

    def request(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.web.request(method, path, headers=headers, **kwargs)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response

    def post_form(self, path, data):
        data = {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        body = encode_multipart(BOUNDARY, data)
        return self.request("POST", path, body=body, headers={"Content-Type": MULTIPART_CONTENT})
