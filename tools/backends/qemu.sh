#!/bin/bash
# qemu-img (Debian's qemu-utils): the format-inspection tests make their
# qcow2, vmdk, vhd and vhdx images with it at run time (no binary image is
# committed).
#   bash tools/backends/qemu.sh install   # idempotent
set -eu

case "${1:-install}" in
install)
    if command -v qemu-img >/dev/null; then
        echo "qemu-img already installed"
        exit 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends qemu-utils >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq \
            --no-install-recommends qemu-utils >/dev/null; }
    command -v qemu-img >/dev/null
    ;;
*)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
