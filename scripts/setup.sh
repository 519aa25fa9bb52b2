#!/usr/bin/env bash
# Idempotent set-up for `make demo` and `make test`: Debian's PostGIS when missing, a virtual
# environment, and the locked packages and the project installed into it. Fast when everything
# is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=.make/installed

need_apt=()
if [ -z "${DATABASE_URL:-}" ]; then
  if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
    if [ -z "$major" ]; then
      need_apt+=(postgresql postgresql-contrib postgis)
    else
      need_apt+=("postgresql-${major}-postgis-3")
    fi
  fi
fi
if [ "${HUB_BROWSER_TESTS:-1}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  # A CJK font so the console's Chinese labels render in headless screenshots.
  [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
fi
# Debian's docker-compose: tests/deploy lint docker-compose.yml with `docker-compose config`
# (no container engine needed).
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install: ${need_apt[*]} (needs root: sudo apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi
mkdir -p .make
install() {  # pip, failing when it fails, without its notes on absent local package indexes
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" \
    2> >(grep -v '^WARNING: Location' >&2)
}
# What is installed is requirements.lock (every package pinned with its hashes; `make lock`
# writes it from pyproject.toml), then the hub itself without dependencies. Nothing to do when
# neither file changed since the last install.
fingerprint=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$fingerprint" ]; then
  echo "setup: installing requirements.lock and the hub into $VENV" >&2
  install --require-hashes --no-deps -r requirements.lock
  install --no-deps -e .
  "$VENV/bin/python" -m pip check >&2
  "$VENV/bin/python" -c "import hub.cli, strawberry, ortools, psycopg, python_calamine"
  echo "$fingerprint" > "$STAMP"
fi
if [ -f console/package.json ] && [ ! -f hub/static/console/index.html ]; then
  (cd console && npm ci --no-audit --no-fund --silent && npm run --silent build)
fi
