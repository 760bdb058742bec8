# Shared by bin/backup and bin/restore (sourced, not run): where the database and the uploaded
# files are, read as config/settings.py reads them: the environment first, then .env, then the
# embedded defaults (SQLite and media under var/). Relative paths are from the repository, where
# bin/dev runs the app; the folder arguments of the scripts stay relative to the caller.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# setting NAME DEFAULT: the environment's value, else the last NAME=... line of .env, else DEFAULT.
setting() {
  local value="${!1:-}"
  if [ -z "$value" ] && [ -f "$REPO/.env" ]; then
    value=$(sed -n "s/^$1=//p" "$REPO/.env" | tail -n 1)
  fi
  echo "${value:-$2}"
}

# in_repo PATH: PATH, made absolute from the repository when relative.
in_repo() { case "$1" in /*) echo "$1" ;; *) echo "$REPO/$1" ;; esac; }

DATABASE_URL=$(setting DATABASE_URL "sqlite:///$REPO/var/pantau_jakon.sqlite3")
MEDIA_ROOT=$(in_repo "$(setting MEDIA_ROOT "$REPO/var/media")")
# Stand-ins for the PostgreSQL tools, e.g. PG_DUMP="docker compose exec -T postgres pg_dump".
PG_DUMP=${PG_DUMP:-pg_dump}
PG_RESTORE=${PG_RESTORE:-pg_restore}
PYTHON=${PYTHON:-python3}

case "$DATABASE_URL" in
  sqlite:*)
    # As django-environ reads it: sqlite:////abs/path is absolute, sqlite:///rel/path relative.
    SQLITE_PATH=${DATABASE_URL#sqlite://}
    SQLITE_PATH=$(in_repo "${SQLITE_PATH#/}")
    ;;
  postgres://* | postgresql://*) ;;
  pgsql://* | psql://* | postgis://*) DATABASE_URL="postgresql://${DATABASE_URL#*://}" ;;
  *) echo "unsupported DATABASE_URL scheme: ${DATABASE_URL%%:*}" >&2; exit 2 ;;
esac

# sqlite_copy FROM TO: a consistent copy through SQLite's online backup API (safe while the
# app writes; a plain cp of a WAL database is not).
sqlite_copy() {
  "$PYTHON" - "$1" "$2" <<'PY'
import sqlite3, sys
source, target = (sqlite3.connect(path) for path in sys.argv[1:3])
with target:
    source.backup(target)
source.close()
target.close()
PY
}
