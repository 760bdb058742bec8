"""bin/backup and bin/restore bring back the database and the uploaded files.

Run as a user would run them (subprocesses), on throwaway databases beside the test database:
never the test database itself, which the other tests use at the same time.
"""

import os
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
ROWS = [(1, "SPK 027/2026"), (2, "Bukti bayar Maret"), (3, "Daftar pekerja")]
EVIDENCE = b"%PDF-1.7 bukti pembayaran iuran"


def run(script: str, *args: str, **env_changes) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    env.update(env_changes)
    result = subprocess.run(
        [str(ROOT / "bin" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def media(tmp_path):
    folder = tmp_path / "media"
    (folder / "evidence" / "2026").mkdir(parents=True)
    (folder / "evidence" / "2026" / "bukti.pdf").write_bytes(EVIDENCE)
    return folder


def assert_media_restored(target: Path):
    assert (target / "evidence" / "2026" / "bukti.pdf").read_bytes() == EVIDENCE
    assert not (target / "stale.txt").exists()


def stale_media(tmp_path) -> Path:
    target = tmp_path / "restored-media"
    target.mkdir()
    (target / "stale.txt").write_text("left over from before the restore")
    return target


# --- PostgreSQL -----------------------------------------------------------------------------


def server_url(database: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


@pytest.fixture
def throwaway_databases():
    """<name>_backup_src with a few rows and an empty <name>_backup_dst, dropped afterwards."""
    base = settings.DATABASES["default"]["NAME"]
    names = [f"{base}_backup_src", f"{base}_backup_dst"]
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(server_url(names[0])) as source:
        source.execute("CREATE TABLE evidence (id int PRIMARY KEY, title text NOT NULL)")
        source.cursor().executemany("INSERT INTO evidence VALUES (%s, %s)", ROWS)
    yield [server_url(name) for name in names]
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def rows_in(url: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT id, title FROM evidence ORDER BY id").fetchall()


@pytest.mark.services("postgres")
def test_a_postgresql_backup_restores_rows_and_files(throwaway_databases, media, tmp_path):
    source, target = throwaway_databases
    folder = Path(run("backup", str(tmp_path / "backups"), DATABASE_URL=source, MEDIA_ROOT=media))
    assert folder.name.startswith("pantau-") and not folder.name.endswith(".partial")
    assert {path.name for path in folder.iterdir()} == {"database.dump", "media.tar.gz"}

    restored_media = stale_media(tmp_path)
    run("restore", str(folder), DATABASE_URL=target, MEDIA_ROOT=restored_media)
    assert rows_in(target) == ROWS
    assert_media_restored(restored_media)

    # Restoring over a database that changed since puts the backup's rows back (--clean).
    with psycopg.connect(target) as connection:
        connection.execute("UPDATE evidence SET title = 'changed'")
        connection.execute("INSERT INTO evidence VALUES (4, 'new')")
    run("restore", str(folder), DATABASE_URL=target, MEDIA_ROOT=restored_media)
    assert rows_in(target) == ROWS


# --- SQLite (the embedded default) ----------------------------------------------------------


def test_a_sqlite_backup_restores_rows_and_files(media, tmp_path):
    database = tmp_path / "pantau.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE evidence (id int PRIMARY KEY, title text NOT NULL)")
        connection.executemany("INSERT INTO evidence VALUES (?, ?)", ROWS)
    url = f"sqlite:///{database}"
    folder = Path(run("backup", str(tmp_path / "backups"), DATABASE_URL=url, MEDIA_ROOT=media))
    assert {path.name for path in folder.iterdir()} == {"database.sqlite3", "media.tar.gz"}

    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM evidence")
    restored_media = stale_media(tmp_path)
    run("restore", str(folder), DATABASE_URL=url, MEDIA_ROOT=restored_media)
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT id, title FROM evidence ORDER BY id").fetchall() == ROWS
    assert_media_restored(restored_media)
