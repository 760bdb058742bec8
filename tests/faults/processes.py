"""The processes the fault tests start for themselves: a private redis-server, a throwaway
PostgreSQL cluster, Celery workers and a gunicorn web server, each addressed by its PID, so
stopping or freezing one never touches the shared services. Every wait polls with a deadline.
"""

import contextlib
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from glob import glob
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PG_PORTS = range(15440, 15450)
REDIS_PORTS = range(16390, 16400)


def wait_until(condition, *, timeout: float, message: str, interval: float = 0.05):
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(interval)


def free_port(candidates) -> int:
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {candidates}")


def child_pids(pid: int) -> list[int]:
    pids = []
    for path in glob(f"/proc/{pid}/task/*/children"):
        pids += [int(child) for child in Path(path).read_text().split()]
    return pids


def is_running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _end(process: subprocess.Popen, *, grace: float = 5.0) -> None:
    """SIGCONT (it may be frozen), SIGTERM, then SIGKILL of its whole group after `grace`."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGCONT, signal.SIGTERM):
        process.send_signal(sig)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            process.kill()
        process.wait(5)


# --- Redis ------------------------------------------------------------------------------------


class RedisServer:
    """redis-server on 127.0.0.1:port, no persistence: a restart comes back empty, as a Redis
    that lost its memory would."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, timeout=10, message=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def queue_length(self, queue: str = "celery") -> int:
        import redis

        with redis.Redis.from_url(self.url, socket_timeout=2) as client:
            return client.llen(queue)

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process)

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    if found := shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


class PostgresCluster:
    """A cluster made with initdb in a throwaway folder, on 127.0.0.1:port, trust auth, fsync
    off. initdb refuses to run as root: then it runs as the `postgres` user (runuser)."""

    def __init__(self, bindir: Path, folder: Path, port: int):
        self.bindir, self.folder, self.port = bindir, folder, port
        self.data = folder / "data"
        self.run_as = "postgres" if os.geteuid() == 0 else None

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bindir / program), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 50\n"
            )

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "postgres.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    @property
    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def execute(self, sql: str, params=None, *, name: str = "postgres"):
        """One statement in autocommit (CREATE DATABASE cannot run in a transaction)."""
        import psycopg

        with psycopg.connect(self.url(name), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else None


# --- App processes ----------------------------------------------------------------------------


class AppProcess:
    """A Django process of this project (worker or web) with its own environment and log."""

    name = "app"

    def __init__(self, env: dict, folder: Path, label: str):
        self.env, self.label = env, label
        self.log_path = folder / f"{label}.log"
        self.process: subprocess.Popen | None = None
        self.started: list[subprocess.Popen] = []  # every start, for the final cleanup

    @property
    def pid(self) -> int:
        return self.process.pid

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, *, wait: bool = True) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: cleanup reaches its children
            )
        self.started.append(self.process)
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        wait_until(self.ready, timeout=90, message=f"{self.name} {self.label} to start")

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} {self.label} exited:\n{self.log()[-3000:]}")
        return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """At the end of a test: each process group at once, nothing to keep."""
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


class CeleryWorker(AppProcess):
    """`celery -A config worker`, prefork pool, as deployed."""

    name = "celery worker"

    def __init__(self, env, folder, label, *, concurrency: int = 1):
        super().__init__(env, folder, label)
        self.concurrency = concurrency
        self._starts = 0

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(self.concurrency),
            "--loglevel",
            "INFO",
            "--hostname",
            f"{self.label}@faults",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]

    def start(self, *, wait: bool = True) -> None:
        self._starts += 1
        super().start(wait=wait)

    def ready(self) -> bool:
        super().ready()
        return self.log().count(f"{self.label}@faults ready.") >= self._starts

    def is_idle(self, broker: RedisServer) -> bool:
        """Nothing queued, and every task it received has ended."""
        log = self.log()
        ended = log.count("] succeeded in ") + log.count("] raised unexpected: ")
        return broker.queue_length() == 0 and log.count("] received") == ended

    def pool_pids(self) -> list[int]:
        return [pid for pid in child_pids(self.pid) if is_running(pid)]


class WebServer(AppProcess):
    """gunicorn on a Unix socket (no TCP port to pick), one sync worker, as in the Dockerfile."""

    name = "gunicorn"

    def __init__(self, env, folder, label="web"):
        super().__init__(env, folder, label)
        self.socket_path = folder / f"{label}.sock"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"unix:{self.socket_path}",
            "--workers",
            "1",
            "--timeout",
            "30",
            "--graceful-timeout",
            "2",
            "--no-control-socket",  # its default path is shared by every gunicorn of the user
        ]

    def ready(self) -> bool:
        super().ready()
        try:
            return self.request("GET", "/healthz", timeout=2).status == 200
        except OSError:
            return False

    def request(self, method, path, *, body=None, headers=None, timeout=15.0):
        """One HTTP request; the response has .status, .headers, .text and .seconds."""
        conn = UnixHTTPConnection(str(self.socket_path), timeout=timeout)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers={"Host": "localhost", **(headers or {})})
            response = conn.getresponse()
            response.text = response.read().decode(errors="replace")
        finally:
            conn.close()
        response.seconds = time.monotonic() - started
        return response


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)
