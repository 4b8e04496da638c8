#!/bin/bash
# Upstream Glance from PyPI, in a venv of its own under
# .backends/upstream-glance, for interoperation tests only: its
# glance-manage fills a database with its own db_load_metadefs, which ours
# must then serve unchanged (tests/functional/test_upstream_metadefs.py),
# and takes a database back after ours migrated it, on SQLite, MariaDB and
# PostgreSQL, where its glance-api serves it again
# (tests/functional/db/test_upstream_door.py, tests/fixtures/upstream_glance.py).
# Nothing of it is imported by this project.
#   bash tools/backends/upstream-glance.sh install   # idempotent
set -eu
cd "$(dirname "$0")/../.."
GLANCE_VERSION=33.0.0
VENV=.backends/upstream-glance
STAMP="$VENV/installed-$GLANCE_VERSION"

usable() {
    [ -e "$STAMP" ] && [ -x "$VENV/bin/glance-manage" ] &&
        "$VENV/bin/python" -c 'import glance.cmd.manage, pymysql, psycopg2'
}

case "${1:-install}" in
install)
    if usable 2>/dev/null; then
        echo "upstream glance $GLANCE_VERSION already installed in $VENV"
        exit 0
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "glance==$GLANCE_VERSION" PyMySQL \
        psycopg2-binary \
        >"$VENV/pip.log" 2>&1 || { tail -20 "$VENV/pip.log" >&2; exit 1; }
    touch "$STAMP"
    usable
    echo "upstream glance $GLANCE_VERSION installed in $VENV"
    ;;
*)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
