# Sourced by scripts/demo, scripts/test and scripts/record-cassettes: make .venv ready for one
# set of extras, reusing what an earlier run installed.
#
# .venv/.grok-stamp records the Python version and a hash of pyproject.toml the venv was built
# for, then one line per extras set installed into it. When both still match, a re-run costs a
# fraction of a second instead of a new venv and a reinstall. When either changed, the venv is
# rebuilt from scratch, so a dependency dropped from pyproject.toml is gone too. A .venv made by
# hand (no stamp) is kept and installed into. CI deletes .venv first (.ci/run).

export PIP_DISABLE_PIP_VERSION_CHECK=1

ensure_venv() {  # ensure_venv EXTRAS, e.g. ensure_venv "all,test"
    local extras="$1" stamp=".venv/.grok-stamp" built_for
    built_for="$(python3 -c 'import hashlib, sys
print("python", sys.version.split()[0], "pyproject", hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
    if [ "$(sed -n 1p "$stamp" 2>/dev/null)" != "$built_for" ]; then
        if [ -f "$stamp" ] || [ ! -x .venv/bin/python ]; then
            echo "Creating .venv and installing the project (once; later runs reuse it)..." >&2
            python3 -m venv --clear .venv
            # The pip bundled with an early 3.10 predates editable installs from pyproject.toml.
            .venv/bin/python -m pip install --quiet --upgrade pip
        fi
        printf '%s\n' "$built_for" > "$stamp"
    fi
    if ! grep -qxF "extras=$extras" "$stamp"; then
        .venv/bin/python -m pip install --quiet -e ".[$extras]"
        printf 'extras=%s\n' "$extras" >> "$stamp"
    fi
}

ensure_redis_server() {  # the budget tests run a real redis-server (tests/redis_server.py)
    if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "redis-server is missing and apt-get is not available: install redis-server yourself" >&2
        return 0  # the tests then skip, or fail under CI=true
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing redis-server (once)..." >&2
    $sudo apt-get install -y -qq redis-server >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && $sudo apt-get install -y -qq redis-server >/dev/null; } \
        || echo "could not install redis-server" >&2
}
