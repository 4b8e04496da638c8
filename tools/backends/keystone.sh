#!/bin/bash
# Keystone for the tests (swift single-tenant stores, the keystone paste
# flavor, tempest-style tests): PyPI's keystone served by uWSGI, in a venv
# of its own under .backends/keystone. tests/fixtures/keystone.py sets up a
# fresh sqlite database and fernet keys and starts and stops the server.
#   bash tools/backends/keystone.sh install   # idempotent; exit 0 when usable
set -eu
cd "$(dirname "$0")/../.."
KEYSTONE_VERSION=30.0.0
UWSGI_VERSION=2.0.31
VENV=.backends/keystone
STAMP="$VENV/installed-$KEYSTONE_VERSION-$UWSGI_VERSION"

usable() {
    [ -e "$STAMP" ] && [ -x "$VENV/bin/uwsgi" ] &&
        [ -x "$VENV/bin/keystone-manage" ] &&
        "$VENV/bin/python" -c 'import keystone.wsgi'
}

# pip's output goes to a log, shown when the install fails.
pip_install() {
    "$VENV/bin/pip" install -q "$@" >"$VENV/pip.log" 2>&1 ||
        { tail -20 "$VENV/pip.log" >&2; return 1; }
}

case "${1:-install}" in
install)
    if usable 2>/dev/null; then
        echo "keystone $KEYSTONE_VERSION already installed in $VENV"
        exit 0
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    # uWSGI builds from source (gcc and the Python headers are needed).
    pip_install "keystone==$KEYSTONE_VERSION" \
        "uWSGI==$UWSGI_VERSION"
    touch "$STAMP"
    usable
    echo "keystone $KEYSTONE_VERSION installed in $VENV"
    ;;
*)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
