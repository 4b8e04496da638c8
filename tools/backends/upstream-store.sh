#!/bin/bash
# Upstream glance_store from PyPI, in a venv of its own under
# .backends/upstream-store, with every requirement of our glance
# (setup.cfg's install_requires) beside it, but not our glance itself: the
# interoperation tests (tests/functional/interop/) put the checkout's
# glance package, and only it, on PYTHONPATH, so our glance-api runs on
# upstream's store library. Nothing of it is imported by this project.
#   bash tools/backends/upstream-store.sh install   # idempotent
set -eu
cd "$(dirname "$0")/../.."
STORE_VERSION=5.7.0
VENV=.backends/upstream-store
STAMP="$VENV/installed-$STORE_VERSION"

usable() {
    [ -e "$STAMP" ] && "$VENV/bin/python" -c '
import importlib.metadata, sys
import glance_store, oslo_db, routes, webob
version = importlib.metadata.version("glance_store")
sys.exit(version != sys.argv[1])' "$STORE_VERSION"
}

requirements() {
    # Our glance's install_requires, one per line.
    python3 - <<'EOF'
import configparser
config = configparser.ConfigParser()
config.read('setup.cfg')
for line in config['options']['install_requires'].splitlines():
    if line.strip():
        print(line.strip())
EOF
}

case "${1:-install}" in
install)
    if usable 2>/dev/null; then
        echo "upstream glance_store $STORE_VERSION already installed in $VENV"
        exit 0
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    mapfile -t REQUIREMENTS < <(requirements)
    "$VENV/bin/pip" install -q "glance_store==$STORE_VERSION" \
        "${REQUIREMENTS[@]}" >"$VENV/pip.log" 2>&1 ||
        { tail -20 "$VENV/pip.log" >&2; exit 1; }
    touch "$STAMP"
    usable
    echo "upstream glance_store $STORE_VERSION installed in $VENV"
    ;;
*)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
