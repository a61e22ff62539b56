#!/usr/bin/env bash
# Set up everything the platform needs on a Debian machine (as root for the system packages):
# Debian packages, the Python virtual environment (pinned), the front-end packages (pinned),
# compiled translations, the database and the course content. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(redis-server bubblewrap chromium gettext nodejs npm postgresql)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node and npm may come from elsewhere than Debian (the machine image has its own).
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "need root to install ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "== installing Python packages (pinned)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt -c constraints.txt
  rm -f .venv/.installed-*; touch "$stamp"
fi

# CodeMirror 6 and axe-core from npm (pinned in package-lock.json); esbuild (pinned) bundles the
# editor into static/build/ (gitignored), rebuilt when its source or the lock file changes.
if [ ! -f node_modules/@codemirror/view/package.json ] || [ ! -x node_modules/.bin/esbuild ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "== installing front-end packages (pinned)"
  npm ci --no-audit --no-fund --silent
fi
if [ ! -f static/build/editor.js ] || [ static/src/editor.js -nt static/build/editor.js ] || [ package-lock.json -nt static/build/editor.js ]; then
  echo "== bundling the code editor (esbuild)"
  npm run --silent build
fi

mkdir -p var
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_content
