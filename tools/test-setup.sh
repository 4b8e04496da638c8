#!/bin/bash
# Install what the tests need: the package with its test extra, then every
# real backend that tools/backends/ knows how to install (Ceph, Swift,
# Keystone, ...). Each backend script is idempotent and may fail: the tests
# of a backend that could not be installed skip and say why.
set -u
cd "$(dirname "$0")/.."
pip install -q -e '.[test]' || exit 1
for script in tools/backends/*.sh; do
    [ -e "$script" ] || continue
    echo "backend: $script"
    start=$(date +%s)
    bash "$script" install || echo "backend $script could not be installed"
    echo "backend: $script took $(( $(date +%s) - start )) s"
done
exit 0
