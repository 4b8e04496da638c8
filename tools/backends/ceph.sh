#!/bin/bash
# Ceph for the rbd driver's tests: Debian's own Ceph (mon, osd, mgr, CLI
# tools) and its Python bindings. The test fixtures create and start the
# clusters themselves (tests/fixtures/ceph.py).
#
# PyPI has no rados/rbd distribution, so Debian's two extension modules are
# made importable for the Python that runs the tests ($PYTHON, default
# python3 on PATH, as tools/test-setup.sh's pip): a folder holding only
# symlinks to them, named by a .pth file in that Python's site-packages.
# All of dist-packages is never put on the path: its requests, urllib3...
# would shadow the test environment's own.
#
# Usage: bash tools/backends/ceph.sh install
set -eu

PYTHON=${PYTHON:-python3}
PACKAGES="ceph-mon ceph-osd ceph-mgr ceph-common python3-rados python3-rbd"
DIST_PACKAGES=/usr/lib/python3/dist-packages
LINKS=glance-ceph-bindings

installed() {
    for binary in ceph-mon ceph-osd ceph-mgr ceph-authtool monmaptool; do
        command -v "$binary" >/dev/null || return 1
    done
    ls "$DIST_PACKAGES"/rados.cpython-*.so "$DIST_PACKAGES"/rbd.cpython-*.so \
        >/dev/null 2>&1
}

install_packages() {
    installed && return 0
    export DEBIAN_FRONTEND=noninteractive
    # The "System has not been booted with systemd" lines are harmless.
    apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq \
            --no-install-recommends $PACKAGES >/dev/null; }
}

link_bindings() {
    local tag site folder
    # The extension modules are built for one CPython version (3.11 on
    # Debian 12): link the ones matching the test Python's ABI tag.
    tag=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
    site=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    folder="$site/$LINKS"
    for module in rados rbd; do
        if [ ! -e "$DIST_PACKAGES/$module$tag" ]; then
            echo "ceph: no $module$tag in $DIST_PACKAGES for $PYTHON" >&2
            return 1
        fi
    done
    mkdir -p "$folder"
    for module in rados rbd; do
        ln -sfn "$DIST_PACKAGES/$module$tag" "$folder/$module$tag"
    done
    echo "$LINKS" > "$site/$LINKS.pth"
}

case "${1:-}" in
install)
    install_packages
    link_bindings
    "$PYTHON" -c 'import rados, rbd' ;;
*)
    echo "usage: $0 install" >&2
    exit 2 ;;
esac
