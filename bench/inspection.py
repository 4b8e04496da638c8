"""python -m bench.inspection: what format inspection costs on the data
path, in-process and free of the machine's load.

One upload's data path without the HTTP server: the body read through
``image_data.LimitedReader``, glance_store's ``HashingReader`` (md5 on a
helper thread, sha512) in the store's read size, each chunk written to
/dev/null; ``not inspected`` reads the body directly, ``inspected``
through ``format_inspection.InspectingReader`` and ``InspectWrapper``
through oslo.utils' wrapper alone (the reference). With ``--callgrind``
each run is counted in instructions by valgrind (the same count whatever
else the machine runs); otherwise in CPU seconds, the median of
``--repeat`` runs. The ratio is not inspected / inspected: the share of
the throughput inspection leaves (target >= 0.97).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from oslo_utils.imageutils import format_inspector

from bench import report
from glance import domain
from glance import format_inspection
from glance import image_data
from glance_store.common import utils

MIB = 1024 * 1024
MODES = ('not inspected', 'inspected', 'InspectWrapper')


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m bench.inspection', description=__doc__
    )
    parser.add_argument('--size-mib', default=256, type=int)
    parser.add_argument(
        '--read-sizes',
        default='4194304,65536',
        help="bytes per read, comma-separated (4 MiB: the file store's)",
    )
    parser.add_argument('--formats', default='raw,qcow2')
    parser.add_argument('--repeat', default=5, type=int)
    parser.add_argument(
        '--callgrind',
        action='store_true',
        help='count instructions with valgrind --tool=callgrind',
    )
    parser.add_argument('--run', nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.run:
        mode, disk_format, read_size = args.run
        run(mode, disk_format, int(read_size), args.size_mib)
        return
    rows = []
    for disk_format in args.formats.split(','):
        for read_size in map(int, args.read_sizes.split(',')):
            costs = {
                mode: _measure(args, mode, disk_format, read_size)
                for mode in MODES
            }
            base = costs['not inspected']
            rows.append(
                (
                    disk_format,
                    read_size,
                    *('%.4g' % costs[mode] for mode in MODES),
                    '%.4f' % (base / costs['inspected']),
                    '%.4f' % (base / costs['InspectWrapper']),
                )
            )
    unit = 'instructions' if args.callgrind else 'CPU s'
    print('%d MiB per run, %s' % (args.size_mib, unit))
    print(
        report.format_table(
            (
                'format',
                'read size',
                *MODES,
                'not inspected / inspected',
                'not inspected / InspectWrapper',
            ),
            rows,
        )
    )


def _measure(args, mode, disk_format, read_size):
    command = [
        sys.executable,
        '-m',
        'bench.inspection',
        '--size-mib',
        str(args.size_mib),
        '--run',
        mode,
        disk_format,
        str(read_size),
    ]
    if not args.callgrind:
        runs = [
            float(subprocess.run(command, check=True, **_OUT).stdout)
            for _ in range(args.repeat)
        ]
        return statistics.median(runs)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'callgrind.out')
        # The run calls getppid() right before and after the data path:
        # dump 2 holds the data path alone.
        subprocess.run(
            [
                'valgrind',
                '--tool=callgrind',
                '--dump-before=getppid',
                '--callgrind-out-file=' + out,
                *command,
            ],
            check=True,
            **_OUT,
        )
        with open(out + '.2') as dump:
            return int(re.search(r'^summary: (\d+)', dump.read(), re.M)[1])


_OUT = {'capture_output': True, 'text': True}


def run(mode, disk_format, read_size, size_mib):
    """One data path; prints its CPU seconds."""
    image = domain.Image(
        id='bench', disk_format=disk_format, container_format='bare'
    )
    body = image_data.LimitedReader(
        _Body(_head(disk_format, size_mib), size_mib * MIB), 1 << 50
    )
    if mode == 'inspected':
        body = format_inspection.InspectingReader(body, image)
    elif mode == 'InspectWrapper':
        body = format_inspector.InspectWrapper(body)
    sink = os.open(os.devnull, os.O_WRONLY)
    os.getppid()
    cpu = time.process_time()
    for chunk in utils.HashingReader(body, 'sha512').chunks(read_size):
        os.write(sink, chunk)
    if mode == 'inspected':
        body.verdict()
    elif mode == 'InspectWrapper':
        body.close()
        body.format.safety_check()
    cpu = time.process_time() - cpu
    os.getppid()
    os.close(sink)
    print(cpu)


def _head(disk_format, size_mib):
    """The first bytes of an image of ``disk_format`` (qemu-img's)."""
    if disk_format == 'raw':
        return b''
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'image')
        subprocess.run(
            [
                'qemu-img',
                'create',
                '-q',
                '-f',
                disk_format,
                path,
                '%dM' % size_mib,
            ],
            check=True,
        )
        with open(path, 'rb') as f:
            return f.read()


class _Body:
    """``size`` bytes: ``head``, then one random 4 MiB block repeated."""

    def __init__(self, head, size):
        self._head = head
        self._block = os.urandom(4 * MIB)
        self._left = size - len(head)

    def read(self, size):
        if self._head:
            data, self._head = self._head[:size], self._head[size:]
            return data
        size = min(size, self._left, len(self._block))
        self._left -= size
        return self._block[:size]


if __name__ == '__main__':
    main()
