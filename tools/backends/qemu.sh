#!/bin/bash
# qemu-img (Debian's qemu-utils), sgdisk (gdisk) and parted: the
# format-inspection tests make their qcow2, vmdk, vhd and vhdx images and
# their GPT and MBR disks with them at run time (no binary image is
# committed).
#   bash tools/backends/qemu.sh install   # idempotent
set -eu

case "${1:-install}" in
install)
    if command -v qemu-img >/dev/null && command -v sgdisk >/dev/null &&
        command -v parted >/dev/null; then
        echo "qemu-img, sgdisk and parted already installed"
        exit 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    packages="qemu-utils gdisk parted"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $packages >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq \
            --no-install-recommends $packages >/dev/null; }
    command -v qemu-img >/dev/null && command -v sgdisk >/dev/null &&
        command -v parted >/dev/null
    ;;
*)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
