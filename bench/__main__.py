"""python -m bench: measure glance-api against its targets (DESIGN 6).

Starts glance-api twice over one database and one file store directory
(multi-store mode, and legacy single-store mode with the lazy update off),
loads synthetic legacy images, runs every case ``--repeat`` times and
prints the medians and the ratios the targets are quoted in, then writes
them as JSON.
"""

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys

import fixtures
import sqlalchemy as sa

from bench import cases
from bench import profiles
from bench import rbd
from bench import report
from bench import servers
from tests.functional.db import base as db_fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JSON = os.path.join(HERE, 'results', 'latest.json')


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m bench', description=__doc__
    )
    parser.add_argument(
        '--db', choices=('sqlite', 'mysql', 'postgresql'), default='sqlite'
    )
    parser.add_argument('--images', default='1000,10000', type=_numbers)
    parser.add_argument('--size-mib', default=1024, type=int)
    parser.add_argument('--repeat', default=5, type=int)
    parser.add_argument(
        '--locations',
        default=100000,
        type=int,
        help='legacy locations for glance-manage',
    )
    parser.add_argument('--parallel', default='1,2,4,8', type=_numbers)
    parser.add_argument('--workers', default=os.cpu_count(), type=int)
    parser.add_argument('--json', default=DEFAULT_JSON)
    parser.add_argument(
        '--rbd',
        action='store_true',
        help='also upload and download through an rbd store on a real '
        'Ceph cluster (tools/backends/ceph.sh install), beside the rbd '
        'bindings alone',
    )
    parser.add_argument(
        '--profile',
        metavar='DIR',
        help='record py-spy profiles of the API workers per case into DIR '
        'and print the busiest functions (slows the figures down)',
    )
    parser.add_argument(
        '--quick',
        action='store_true',
        help='smoke run: 200 and 1000 images, 64 MiB, 2 repetitions',
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.size_mib, args.repeat = [200, 1000], 64, 2
        args.locations, args.parallel = 10000, [1, 2]
    return args


def _numbers(text):
    return [int(item) for item in text.split(',')]


def main(argv=None):
    args = parse_args(argv)
    with contextlib.ExitStack() as stack:
        bench = start(args, stack)
        command = sys.argv[1:] if argv is None else argv
        about = _about(args, command, bench.static.name)
        print(json.dumps(about), flush=True)
        run_cases(bench, args)
    print()
    print(report.measurement_table(bench.measurements))
    print()
    print(report.ratio_table(bench.ratios, bench.measurements))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, 'w') as output:
        output.write(report.as_json(bench.measurements, bench.ratios, about))
    print('\nwritten to %s' % args.json)
    if args.profile:
        print('\n' + profiles.summary(args.profile))


def start(args, stack):
    """A Bench over a fresh database, both glance-api servers and the
    static server; ``stack`` stops them (and drops the database)."""
    database = stack.enter_context(db_fixtures.Database(args.db))
    workspace = stack.enter_context(fixtures.TempDir()).path
    datadir = os.path.join(workspace, 'fast')
    os.mkdir(datadir)
    multi, legacy = (
        stack.enter_context(
            servers.BenchServer(
                database.url, datadir, multi_store, args.workers
            )
        )
        for multi_store in (True, False)
    )
    static = stack.enter_context(servers.StaticServer(datadir))
    engine = sa.create_engine(database.url)
    stack.callback(engine.dispose)
    return cases.Bench(engine, datadir, multi, legacy, static, args.repeat)


def run_cases(bench, args):
    """Metadata reads first (they need the DB free of other images),
    then the data path, then the eager update (it grows the DB)."""
    for count in args.images:
        with _case(bench, args, 'list-%d' % count, 'list, %d images' % count):
            ids = bench.list_latency(count)
    with _case(bench, args, 'get', 'single GET'):
        bench.get_latency(ids)
    image_id, path = bench.add_data_image(args.size_mib)
    with _case(bench, args, 'download', 'download, %d MiB' % args.size_mib):
        bench.download(image_id, path)
    with _case(bench, args, 'parallel', 'parallel downloads'):
        bench.parallel_downloads(image_id, args.size_mib, args.parallel)
    with _case(bench, args, 'upload', 'upload, %d MiB' % args.size_mib):
        bench.upload(path, args.size_mib, max(args.size_mib // 4, 1))
    if args.rbd:
        _progress('rbd store, %d MiB' % args.size_mib)
        reason = rbd.missing()
        if reason:
            raise SystemExit(reason)
        with contextlib.ExitStack() as stack:
            rbd.run(bench, stack, path, args.size_mib, args.workers)
    _progress('glance-manage, %d locations' % args.locations)
    bench.eager_update(args.locations)


@contextlib.contextmanager
def _case(bench, args, name, description):
    _progress(description)
    with profiles.recording(bench.multi, args.profile, name):
        yield


def _progress(what):
    print(
        '%s  %s' % (datetime.datetime.now().strftime('%H:%M:%S'), what),
        flush=True,
    )


def _about(args, command, static_name):
    return {
        'command': ' '.join(['python -m bench'] + command),
        'database': args.db,
        'workers': args.workers,
        'static_server': static_name,
        'commit': _commit(),
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(),
        'cpus': os.cpu_count(),
    }


def _commit():
    result = subprocess.run(
        ['git', 'rev-parse', '--short', 'HEAD'],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None


if __name__ == '__main__':
    main()
