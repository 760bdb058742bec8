"""The production gunicorn settings (docker/gunicorn.conf.py) spread keep-alive connections over
all worker processes. With one shared listening socket a burst of connections lands on the first
worker to wake, which then serves them all on one core while the other idles: the load test's
office list ran at 25 req/s that way, and at 43 req/s with a socket per worker (bench/README.md).

A real gunicorn with that file serves a tiny app that answers with its process id."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_load_test_smoke import free_port

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 32

PID_APP = """
import os, time


def app(environ, start_response):
    time.sleep(0.01)  # a little work, as a page has
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def read_pid(connection: socket.socket) -> int:
    received = b""
    while b"\r\n\r\n" not in received or not received.split(b"\r\n\r\n", 1)[1]:
        chunk = connection.recv(4096)
        if not chunk:
            raise AssertionError(f"connection closed: {received!r}")
        received += chunk
    return int(received.split(b"\r\n\r\n", 1)[1])


def ask_pid(connection: socket.socket) -> int:
    connection.sendall(REQUEST)
    return read_pid(connection)


def start(tmp_path: Path, port: int, **environment) -> subprocess.Popen:
    (tmp_path / "pid_app.py").write_text(PID_APP)
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--config", str(ROOT / "docker" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--pythonpath", str(tmp_path), "pid_app:app",
        ],
        env={
            **os.environ,
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
            "GUNICORN_LOG_LEVEL": "warning",
            **environment,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    pids: set[int] = set()
    while len(pids) < 2:  # both workers listening
        if time.monotonic() > deadline or server.poll() is not None:
            stop(server)
            raise AssertionError(f"gunicorn did not start two workers (saw {pids})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                pids.add(ask_pid(connection))
        except OSError:
            time.sleep(0.2)
    return server


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def connections_per_worker(port: int) -> dict[int, int]:
    """Open CONNECTIONS keep-alive connections at once, each sending its request as it opens (as
    wrk or a proxy does), then a second request on each: which process serves each?"""
    connections = []
    try:
        for _ in range(CONNECTIONS):
            connections.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            connections[-1].sendall(REQUEST)
        first = [read_pid(connection) for connection in connections]
        second = [ask_pid(connection) for connection in connections]
        assert first == second  # each connection was kept alive on its process
        served: dict[int, int] = {}
        for pid in first:
            served[pid] = served.get(pid, 0) + 1
        return served
    finally:
        for connection in connections:
            connection.close()


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT is Linux/BSD only")
def test_keep_alive_connections_are_spread_over_both_workers(tmp_path):
    port = free_port()
    server = start(tmp_path, port)
    try:
        served = connections_per_worker(port)
    finally:
        stop(server)
    # The kernel hashes each connection to a worker's socket: 32 over 2 give fewer than 6 on
    # one side about once in 50,000 runs.
    assert len(served) == 2, served
    assert min(served.values()) >= 6, served
