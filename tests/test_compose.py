"""The container files (Dockerfile, docker-compose.yml, .env.example, docker/) are consistent.

No Docker engine runs where the tests do, so the files are checked structurally: services,
health checks, start order, volumes, and that every variable is documented. When the docker CLI
with Compose v2 is installed, `docker compose config` validates the file as well.
"""

import http.server
import importlib.util
import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "config" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
SERVICES = ("postgres", "redis", *APP_SERVICES)

# env("NAME"), env.bool("NAME", ...), env.int(\n    "NAME", ...) and the other casts.
SETTINGS_VARIABLE = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# ${NAME}, ${NAME:-default}, ${NAME:?error} and $NAME; "$$" is a literal dollar sign.
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
ENV_LINE = re.compile(r"^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile():
    return parse_dockerfile(DOCKERFILE.read_text())


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            keyword, _, arguments = current.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
        current = ""
    return instructions


def instruction_words(arguments: str) -> list[str]:
    """Exec form (a JSON list) or shell form."""
    if arguments.startswith("["):
        return json.loads(arguments)
    return shlex.split(arguments)


def documented_variables() -> dict[str, str]:
    """NAME -> example value for every `NAME=...` or `# NAME=...` line of .env.example."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := ENV_LINE.match(line):
            found[match[2]] = match[3]
    return found


def settings_variables() -> set[str]:
    return set(SETTINGS_VARIABLE.findall(SETTINGS.read_text()))


def compose_variables() -> set[str]:
    return {a or b for a, b in COMPOSE_VARIABLE.findall(COMPOSE_FILE.read_text())}


def depends_on(service: dict) -> dict:
    """depends_on in its long form: {name: {"condition": ...}}."""
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return {name: {"condition": "service_started"} for name in value}
    return value


def command_words(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def volume_mounts(service: dict) -> dict[str, str]:
    """target path -> source, for short ("source:target[:mode]") and long syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source"), volume["target"]
        mounts[target] = source
    return mounts


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_file_follows_the_compose_specification_without_a_version_key(compose):
    assert "version" not in compose
    assert "services" in compose


def test_compose_defines_postgres_redis_web_worker_and_beat(services):
    assert set(SERVICES) <= set(services)


@pytest.mark.parametrize("name", ["postgres", "redis"])
def test_database_and_broker_have_a_health_check_and_a_named_volume(compose, services, name):
    service = services[name]
    assert service["healthcheck"]["test"]
    assert not service["healthcheck"].get("disable")
    named = [source for source in volume_mounts(service).values() if source in compose["volumes"]]
    assert named, f"{name} keeps its data in no named volume"


def test_postgres_is_version_16_or_17_and_checked_with_pg_isready(services):
    assert re.fullmatch(r"postgres:1[67](\b.*)?", services["postgres"]["image"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "/var/lib/postgresql/data" in volume_mounts(services["postgres"])


def test_redis_is_version_7_with_append_only_persistence_checked_with_ping(services):
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert "--appendonly yes" in " ".join(command_words(redis))
    assert "/data" in volume_mounts(redis)
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


def test_web_worker_and_beat_run_the_same_image_built_from_this_repository(services):
    builds = {json.dumps(services[name].get("build"), sort_keys=True) for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(builds) == 1 and len(images) == 1
    build = services["web"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    assert (COMPOSE_FILE.parent / context / "Dockerfile").resolve() == DOCKERFILE


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_a_healthy_postgres_and_redis(services, name):
    dependencies = depends_on(services[name])
    for server in ("postgres", "redis"):
        assert dependencies[server]["condition"] == "service_healthy", (name, server)


def test_migrations_run_in_a_one_shot_service_before_web_worker_and_beat_start(services):
    migrators = [
        name
        for name, service in services.items()
        if command_words(service)[:3] == ["python", "manage.py", "migrate"]
    ]
    assert len(migrators) == 1
    migrate = migrators[0]
    assert services[migrate].get("restart", "no") == "no"
    assert depends_on(services[migrate])["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        assert depends_on(services[name])[migrate]["condition"] == "service_completed_successfully"


def test_web_publishes_port_8000_and_has_a_health_check(services, dockerfile):
    web = services["web"]
    container_ports = [str(port).rsplit(":", 1)[-1] for port in web["ports"]]
    assert "8000" in container_ports
    in_compose = "healthcheck" in web and not web["healthcheck"].get("disable")
    in_image = any(keyword == "HEALTHCHECK" for keyword, _ in dockerfile)
    assert in_compose or in_image
    if in_compose:
        assert "healthcheck.py" in " ".join(web["healthcheck"]["test"])


def test_web_runs_gunicorn_on_the_wsgi_application(services):
    words = command_words(services["web"])
    assert words[0] == "gunicorn"
    assert "config.wsgi" in words
    config = words[words.index("--config") + 1]
    assert (ROOT / config).is_file()


def test_web_is_healthy_only_when_ready_database_and_broker(services):
    test = services["web"]["healthcheck"]["test"]
    assert test[-2:] == ["docker/healthcheck.py", "/readyz"]


def test_flower_is_optional_pinned_local_only_and_password_protected(services):
    flower = services["flower"]
    assert flower["profiles"] == ["monitoring"]
    image, _, tag = flower["image"].partition(":")
    assert image == "mher/flower" and re.fullmatch(r"\d+\.\d+\.\d+", tag)
    assert all(str(port).startswith("127.0.0.1:") for port in flower["ports"])
    assert flower["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH")
    assert 'test -n "$$FLOWER_BASIC_AUTH" ||' in " ".join(command_words(flower))
    assert depends_on(flower)["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_run_celery_with_the_config_app(services, name, subcommand):
    words = command_words(services[name])
    assert words[:4] == ["celery", "-A", "config", subcommand]


def test_worker_health_check_pings_its_own_celery_node(services):
    test = " ".join(services["worker"]["healthcheck"]["test"])
    assert "celery -A config inspect ping" in test
    # $$ leaves $HOSTNAME for the container's shell instead of compose's interpolation.
    assert "celery@$$HOSTNAME" in test


def test_services_without_a_web_server_do_not_inherit_the_images_http_health_check(services):
    for name in ("worker", "beat", "migrate"):
        healthcheck = services[name]["healthcheck"]
        assert healthcheck.get("disable") or "healthcheck.py" not in " ".join(healthcheck["test"])


def test_uploaded_files_live_in_one_volume_shared_by_web_and_worker(compose, services):
    media_root = services["web"]["environment"]["MEDIA_ROOT"]
    web_source = volume_mounts(services["web"])[media_root]
    assert web_source in compose["volumes"]
    assert volume_mounts(services["worker"])[media_root] == web_source


def test_beat_keeps_its_schedule_file_in_a_volume(compose, services):
    folder = services["beat"]["environment"]["CELERY_DATA_FOLDER"]
    assert volume_mounts(services["beat"])[folder] in compose["volumes"]


def test_compose_paths_match_the_images_paths(services, dockerfile):
    image_env = {}
    for keyword, arguments in dockerfile:
        if keyword == "ENV":
            image_env.update(word.split("=", 1) for word in shlex.split(arguments))
    environment = services["web"]["environment"]
    for name in ("STATIC_ROOT", "MEDIA_ROOT", "CELERY_DATA_FOLDER"):
        assert environment[name] == image_env[name], name


@pytest.mark.parametrize("name", ("migrate", *APP_SERVICES))
def test_app_services_read_dot_env_and_use_the_stacks_own_database_and_broker(services, name):
    service = services[name]
    env_files = service["env_file"]
    assert ".env" in ([env_files] if isinstance(env_files, str) else env_files)
    environment = service["environment"]
    assert re.fullmatch(
        r"postgres://pantau:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432/pantau",
        environment["DATABASE_URL"],
    )
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DEBUG"] == "${DEBUG:-false}"
    assert environment["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-false}"


def test_compose_refuses_to_start_without_the_secrets_and_allowed_hosts():
    text = COMPOSE_FILE.read_text()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert re.search(r"\$\{" + name + r":\?[^}]+\}", text), name


def test_every_variable_compose_interpolates_is_documented_in_env_example():
    missing = compose_variables() - set(documented_variables())
    assert not missing


# --- .env.example ---------------------------------------------------------------------------


def test_settings_variable_pattern_finds_one_line_and_wrapped_calls():
    found = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS"} <= found
    assert "PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS" in found  # env.int(\n    "NAME", ...)


def test_every_variable_settings_reads_is_documented_in_env_example():
    missing = settings_variables() - set(documented_variables())
    assert not missing


def test_every_variable_in_env_example_has_a_comment_above_it():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if not ENV_LINE.match(line):
            continue
        above = number - 1
        while above >= 0 and ENV_LINE.match(lines[above]):
            above -= 1  # a group of variables under one comment
        assert above >= 0 and lines[above].lstrip().startswith("#"), line


def test_env_example_ships_no_secret():
    documented = documented_variables()
    assert documented["SECRET_KEY"] == ""
    assert documented["POSTGRES_PASSWORD"] == ""


# --- Dockerfile -----------------------------------------------------------------------------


def test_image_is_based_on_python_3_12_slim(dockerfile):
    assert dockerfile[0] == ("FROM", "python:3.12-slim")


def test_image_installs_the_pinned_runtime_lock_file_only(dockerfile):
    installs = [
        arguments for keyword, arguments in dockerfile if keyword == "RUN" and "pip" in arguments
    ]
    assert any(re.search(r"pip install .*-r requirements\.lock\b", run) for run in installs)
    assert not any("requirements-dev" in run or "--group" in run for run in installs)
    requirements = [
        line.strip()
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert requirements
    for requirement in requirements:
        assert re.fullmatch(r"[A-Za-z0-9._-]+(\[[\w,-]+\])?==[\w.+!-]+", requirement), requirement


def test_image_runs_as_a_non_root_user_created_in_the_image(dockerfile):
    users = [arguments for keyword, arguments in dockerfile if keyword == "USER"]
    assert users
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    creates = " ".join(arguments for keyword, arguments in dockerfile if keyword == "RUN")
    assert re.search(
        r"useradd .*(--uid " + re.escape(user) + r"\b|\b" + re.escape(user) + r"$)", creates
    )


def test_static_files_are_collected_at_build_with_a_throwaway_key_not_kept_in_the_image(dockerfile):
    runs = [arguments for keyword, arguments in dockerfile if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert len(collect) == 1
    assert re.match(r"SECRET_KEY=\S+ ALLOWED_HOSTS=\S+ python manage.py collectstatic", collect[0])
    for keyword, arguments in dockerfile:
        if keyword in ("ENV", "ARG"):
            assert "SECRET_KEY" not in arguments


def test_image_exposes_port_8000(dockerfile):
    assert ("EXPOSE", "8000") in dockerfile


def test_image_commands_refer_to_files_in_the_repository(dockerfile):
    commands = [
        (keyword, arguments.split("CMD", 1)[1].strip() if keyword == "HEALTHCHECK" else arguments)
        for keyword, arguments in dockerfile
        if keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK")
    ]
    assert {keyword for keyword, _ in commands} >= {"CMD", "HEALTHCHECK"}
    for _, arguments in commands:
        for word in instruction_words(arguments):
            if re.fullmatch(r"[\w./-]+\.(py|sh)", word):
                assert (ROOT / word).is_file(), word
            elif re.fullmatch(r"[a-z_]+\.wsgi(:\w+)?", word):
                module = ROOT / (word.split(":")[0].replace(".", "/") + ".py")
                assert "application" in module.read_text(), word
    cmd = instruction_words(dict(commands)["CMD"])
    assert cmd[0] == "gunicorn" and "config.wsgi" in cmd


def test_dockerignore_keeps_secrets_and_local_state_out_but_lets_the_app_in():
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", "var", ".git"} <= ignored
    for needed in ("config", "docker", "manage.py", "requirements.lock", "static", "locale"):
        assert needed not in ignored, needed


# --- docker/ scripts ------------------------------------------------------------------------


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    config = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))
    assert (config["workers"], config["threads"], config["timeout"]) == (3, 8, 45)
    assert config["worker_class"] == "gthread"
    assert config["bind"] == "0.0.0.0:8000"


def test_gunicorn_settings_file_uses_only_names_gunicorn_knows(monkeypatch):
    from gunicorn.config import KNOWN_SETTINGS

    for name in ("GUNICORN_WORKERS", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))
    names = {name for name in config if not name.startswith("_") and name != "os"}
    assert names <= {setting.name for setting in KNOWN_SETTINGS}
    assert (config["workers"], config["threads"], config["timeout"]) == (2, 4, 30)


@pytest.fixture
def healthcheck():
    return load_module(ROOT / "docker" / "healthcheck.py", "pantau_container_healthcheck")


@pytest.mark.parametrize(
    "allowed_hosts, host",
    [
        ("pantau.example.go.id,localhost", "pantau.example.go.id"),
        (" .example.go.id", "example.go.id"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_health_check_sends_a_host_that_allowed_hosts_accepts(healthcheck, allowed_hosts, host):
    assert healthcheck.host_header(allowed_hosts) == host


def test_health_check_passes_only_when_healthz_answers_ok(healthcheck, monkeypatch):
    answers = {"body": b"ok"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            good = (
                self.path in ("/healthz", "/readyz")
                and self.headers["Host"] == "pantau.example.go.id"
            )
            body = answers["body"] if good else b"bad host"
            self.send_response(200 if good else 400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("HEALTHCHECK_PORT", str(server.server_port))
        monkeypatch.setenv("ALLOWED_HOSTS", "pantau.example.go.id")
        assert healthcheck.main() == 0
        assert healthcheck.main("/readyz") == 0
        answers["body"] = b"starting"
        assert healthcheck.main() == 1
        monkeypatch.setenv("ALLOWED_HOSTS", "other.example.go.id")
        assert healthcheck.main() == 1
        assert healthcheck.main("/readyz") == 1
    finally:
        server.shutdown()
        server.server_close()
    assert healthcheck.main() == 1  # nothing listening


# --- docker compose config (only where the Compose v2 CLI is installed) -------------------------


def compose_cli() -> list[str] | None:
    """`docker compose` (the CLI plugin), or a standalone Compose v2 `docker-compose`."""
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    for candidate in (
        shutil.which("docker-compose"),
        Path(sys.executable).parent / "docker-compose",
    ):
        if candidate and Path(candidate).is_file():
            version = subprocess.run([str(candidate), "version"], capture_output=True, text=True)
            if re.search(r"version v?([2-9]|\d\d)\.", version.stdout):
                return [str(candidate)]
    return None


COMPOSE_CLI = compose_cli()
needs_compose_cli = pytest.mark.skipif(
    COMPOSE_CLI is None, reason="no docker CLI with Compose v2 installed"
)


def run_compose_config(project: Path) -> subprocess.CompletedProcess:
    """`compose config -q` with only the project's .env: the variables pytest-env sets for the
    settings must not stand in for the ones the file asks for."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in documented_variables() and not name.startswith("COMPOSE_")
    }
    return subprocess.run(
        [*COMPOSE_CLI, "-f", "docker-compose.yml", "config", "-q"],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
    )


@pytest.fixture
def compose_project(tmp_path):
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    return tmp_path


@needs_compose_cli
def test_docker_compose_accepts_the_file_with_a_complete_env(compose_project):
    (compose_project / ".env").write_text(
        "SECRET_KEY=compose-config-test-only\nPOSTGRES_PASSWORD=test\nALLOWED_HOSTS=localhost\n"
    )
    result = run_compose_config(compose_project)
    assert result.returncode == 0, result.stderr


@needs_compose_cli
def test_docker_compose_refuses_an_env_without_secret_key(compose_project):
    (compose_project / ".env").write_text("POSTGRES_PASSWORD=test\nALLOWED_HOSTS=localhost\n")
    result = run_compose_config(compose_project)
    assert result.returncode != 0
    assert "set SECRET_KEY in .env" in result.stderr
