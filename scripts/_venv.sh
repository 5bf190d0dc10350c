# shellcheck shell=bash
# Sourced by scripts/demo and scripts/test (from the repository root).
# ensure_venv: create .venv if missing and install the locked dependencies plus the
# project (editable). Skips the install when requirements/lock.txt and pyproject.toml
# are unchanged since the last successful install.

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [[ -n "$candidate" ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "error: Python 3.11 or newer is required (set PYTHON=/path/to/python3)" >&2
    return 1
}

ensure_venv() {
    local venv="$PWD/.venv" python stamp wanted
    if [[ ! -x "$venv/bin/python" ]]; then
        python="$(find_python)"
        echo "==> Creating .venv with $python"
        "$python" -m venv "$venv"
    fi
    stamp="$venv/.workflows-installed"
    wanted="$(cat requirements/lock.txt pyproject.toml | cksum)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return 0
    fi
    echo "==> Installing locked dependencies and the project into .venv"
    "$venv/bin/python" -m pip install --quiet -r requirements/lock.txt
    "$venv/bin/python" -m pip install --quiet --no-deps -e .
    echo "$wanted" >"$stamp"
}
