# shellcheck shell=bash
# Sourced by scripts/demo and scripts/test (from the repository root).
# ensure_venv: create the virtualenv if missing and install the locked dependencies
# plus the project (editable). Skips the install when the lock file and
# pyproject.toml are unchanged since the last successful install.
#
# The defaults are .venv and requirements/lock.txt (Python 3.11+, Django 5.2).
# VENV_DIR and LOCK_FILE choose others, and PYTHON the interpreter for a new
# virtualenv; CI tests the newest combination (Python 3.13, Django 6.1) with
#   PYTHON=python3.13 VENV_DIR=.venv-newest LOCK_FILE=requirements/lock-newest.txt

VENV_DIR="${VENV_DIR:-.venv}"
LOCK_FILE="${LOCK_FILE:-requirements/lock.txt}"

# Prints the first interpreter that runs and is at least the given version
# (default 3.11): $PYTHON, python3.11 ... python3.13, python3, then pyenv's.
find_python() {
    local minimum="${1:-3.11}" candidate
    local major="${minimum%%.*}" minor="${minimum#*.}"
    local candidates=("${PYTHON:-}" python3.11 python3.12 python3.13 python3)
    if [[ -d "${PYENV_ROOT:-$HOME/.pyenv}/versions" ]]; then
        candidates+=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[1-9]*/bin/python3)
    fi
    for candidate in "${candidates[@]}"; do
        [[ -n "$candidate" ]] || continue
        # A pyenv shim exists for every version pyenv has, but runs only the selected
        # ones: running it is the test.
        if "$candidate" -c "import sys; sys.exit(sys.version_info < ($major, $minor))" \
            >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    echo "error: Python $minimum or newer is required (set PYTHON=/path/to/python3)" >&2
    return 1
}

ensure_venv() {
    local venv="$PWD/$VENV_DIR" python stamp wanted
    if [[ ! -x "$venv/bin/python" ]]; then
        python="$(find_python)"
        echo "==> Creating $VENV_DIR with $python"
        "$python" -m venv "$venv"
    fi
    stamp="$venv/.workflows-installed"
    wanted="$(cat "$LOCK_FILE" pyproject.toml | cksum)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return 0
    fi
    echo "==> Installing $LOCK_FILE and the project into $VENV_DIR"
    "$venv/bin/python" -m pip install --quiet -r "$LOCK_FILE"
    "$venv/bin/python" -m pip install --quiet --no-deps -e .
    echo "$wanted" >"$stamp"
}

# Prints the newest interpreter from 3.13 down to the given minimum (default 3.12,
# what Django 6.x needs): python3.13, python3.12, then pyenv's.
find_newest_python() {
    local minimum="${1:-12}" minor candidate root="${PYENV_ROOT:-$HOME/.pyenv}"
    for minor in 13 12 11; do
        [[ $minor -ge $minimum ]] || continue
        for candidate in "python3.$minor" "$root"/versions/3."$minor".*/bin/python3."$minor"; do
            if "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != (3, $minor))" \
                >/dev/null 2>&1; then
                echo "$candidate"
                return 0
            fi
        done
    done
    echo "error: Python 3.$minimum or newer is required for the newest combination" >&2
    return 1
}
