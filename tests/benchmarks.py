"""Running a bench/ script from a smoke test: in a child process, with none of the test run's
Django settings (each script configures Django itself), and its figures read from the JSON
object on the last line of its output."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEAKING = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY"}


def run_bench_script(script: str, *args: str, timeout: int = 600) -> dict:
    """Run bench/<script> with args; fail with the end of its output unless it exits 0."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKING}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
