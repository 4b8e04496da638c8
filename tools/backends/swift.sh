#!/bin/bash
# Swift All-In-One for the swift driver's tests: PyPI's swift (and the
# keystonemiddleware its proxy uses in front of Keystone) in a venv of its
# own under .backends/swift, memcached from Debian. tests/fixtures/swift.py
# starts and stops the servers.
#   bash tools/backends/swift.sh install   # idempotent; exit 0 when usable
set -eu
cd "$(dirname "$0")/../.."
SWIFT_VERSION=2.38.3
KEYSTONEMIDDLEWARE_VERSION=13.0.1
VENV=.backends/swift
STAMP="$VENV/installed-$SWIFT_VERSION-$KEYSTONEMIDDLEWARE_VERSION"

usable() {
    [ -e "$STAMP" ] && command -v memcached >/dev/null &&
        "$VENV/bin/python" -c 'import swift.proxy.server, keystonemiddleware'
}

# pip's output goes to a log, shown when the install fails.
pip_install() {
    "$VENV/bin/pip" install -q "$@" >"$VENV/pip.log" 2>&1 ||
        { tail -20 "$VENV/pip.log" >&2; return 1; }
}

case "${1:-install}" in
install)
    if usable 2>/dev/null; then
        echo "swift $SWIFT_VERSION already installed in $VENV"
        exit 0
    fi
    if ! command -v memcached >/dev/null; then
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends memcached >/dev/null
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    pip_install "swift==$SWIFT_VERSION" \
        "keystonemiddleware==$KEYSTONEMIDDLEWARE_VERSION"
    touch "$STAMP"
    usable
    echo "swift $SWIFT_VERSION installed in $VENV"
    ;;
*)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
