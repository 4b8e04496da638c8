"""Print 'N passed, N failed, N skipped' for the last stestr run."""

import subprocess
import sys


def main():
    out = subprocess.run(
        ['stestr', 'last', '--subunit'], capture_output=True, check=False
    ).stdout
    stats = subprocess.run(
        ['subunit-stats', '--no-passthrough'],
        input=out,
        capture_output=True,
        check=False,
    ).stdout.decode()
    counts = {}
    for line in stats.splitlines():
        key, _, value = line.partition(':')
        if value.strip().isdigit():
            counts[key.strip().lower()] = int(value)
    passed = counts.get('passed tests', 0)
    failed = counts.get('failed tests', 0)
    skipped = counts.get('skipped tests', 0)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
