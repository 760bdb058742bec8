# Shared by bin/dev and bin/test: find Python 3.12+, make .venv, install the pinned lock file.
# Sourced, not run. Re-installs only when requirements-dev.lock changed.

cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.12 python3.13 python3 python; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  # pyenv keeps other versions out of PATH; .python-version names the one to use.
  if command -v pyenv >/dev/null 2>&1; then
    local root version
    root=$(pyenv root)
    for version in $(cat .python-version 2>/dev/null) 3.12 3.13; do
      for candidate in "$root"/versions/"$version"*/bin/python3; do
        [ -x "$candidate" ] && echo "$candidate" && return 0
      done
    done
  fi
  return 1
}

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    local python
    python=$(find_python) || { echo "Pantau Jakon needs Python 3.12 or newer (set PYTHON=/path/to/python3.12)." >&2; exit 1; }
    echo "Creating .venv with $python"
    "$python" -m venv .venv
  fi
  local wanted
  wanted=$(sha256sum requirements-dev.lock | cut -d' ' -f1)
  if [ "$(cat .venv/.installed-lock 2>/dev/null)" != "$wanted" ]; then
    echo "Installing pinned dependencies (requirements-dev.lock)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
    echo "$wanted" > .venv/.installed-lock
  fi
  export PATH="$PWD/.venv/bin:$PATH"
  mkdir -p var
}
