"""The measured cases, run against one pair of glance-api servers.

Both glance-api servers share the database and the file store directory:
``multi`` runs in multi-store mode (the lazy update on), ``legacy`` with
``enabled_backends`` unset (the feature off). Every case adds its samples
to ``Bench.measurements``.
"""

import concurrent.futures
import hashlib
import os
import subprocess
import time

import requests

from bench import data
from bench import report
from bench import servers

MIB = data.MIB
LIST_PATH = '/v2/images?limit=1000'
# Images read one by one per repetition of the single GET case.
GET_SAMPLES = 20
# Steady-state and feature-off reads per repetition (first reads: one).
STEADY_READS = 3
UPLOAD_API = 'API (chunked)'
# The same upload with format inspection off: a container format that is
# not a disk image (glance.format_inspection inspects bare data only).
UPLOAD_UNINSPECTED = 'API (chunked), not inspected'
PAIRED = 'inspected / not inspected, median of pairs'
FILE_PATH = '/v2/images/%s/file'
PARALLEL = 'download x%d in parallel, aggregate'
PEAK_RSS = 'API worker peak RSS, upload %d MiB'


class Bench:
    def __init__(self, engine, datadir, multi, legacy, static, repeat):
        self.engine = engine
        self.datadir = datadir
        self.multi = multi
        self.legacy = legacy
        self.static = static
        self.repeat = repeat
        self.measurements = {}
        self.ratios = []
        self.multi_http = requests.Session()
        self.legacy_http = requests.Session()
        self.image_count = 0

    def record(self, name, unit, samples):
        self.measurements[name] = report.Measurement(name, unit, samples)

    def compare(
        self, name, numerator, denominator, comparison=None, bound=None
    ):
        self.ratios.append(
            report.Ratio(name, numerator, denominator, comparison, bound)
        )

    def compare_latencies(self, label, first_bound):
        """first / steady and steady / feature off of ``label`` reads."""
        first, steady, off = (
            '%s, %s' % (label, kind)
            for kind in ('first read', 'steady', 'feature off')
        )
        self.compare(
            label + ': first / steady', first, steady, '<=', first_bound
        )
        self.compare(label + ': steady / feature off', steady, off, '<=', 1.05)

    def add_images(self, total):
        """Grow the legacy images to ``total``; ids of the new ones."""
        ids = data.add_legacy_images(
            self.engine, self.datadir, total - self.image_count
        )
        self.image_count = total
        return ids

    # --- metadata reads ------------------------------------------------

    def list_latency(self, count):
        """GET /v2/images?limit=1000 with ``count`` images in the DB."""
        ids = self.add_images(count)
        first, steady, off = [], [], []
        for _ in range(self.repeat):
            data.forget_stores(self.engine)
            first.append(self._timed(self.multi_http, self.multi, LIST_PATH))
            _check_recorded(self.engine, min(count, 1000))
            for _ in range(STEADY_READS):
                steady.append(
                    self._timed(self.multi_http, self.multi, LIST_PATH)
                )
                off.append(
                    self._timed(self.legacy_http, self.legacy, LIST_PATH)
                )
        label = 'list %d/%d images' % (min(count, 1000), count)
        self.record(label + ', first read', 'ms', first)
        self.record(label + ', steady', 'ms', steady)
        self.record(label + ', feature off', 'ms', off)
        self.compare_latencies(label, 2)
        return ids

    def get_latency(self, ids):
        """GET /v2/images/{id}: first read, steady, feature off."""
        first, steady, off = [], [], []
        for repetition in range(self.repeat):
            chosen = ids[repetition * GET_SAMPLES :][:GET_SAMPLES]
            paths = ['/v2/images/' + image_id for image_id in chosen]
            data.forget_stores(self.engine, chosen)
            first += [
                self._timed(self.multi_http, self.multi, p) for p in paths
            ]
            # Interleaved, as in the list case, so that neither server
            # reads right after the first reads' writes more often.
            for path in paths:
                steady.append(self._timed(self.multi_http, self.multi, path))
                off.append(self._timed(self.legacy_http, self.legacy, path))
        self.record('single GET, first read', 'ms', first)
        self.record('single GET, steady', 'ms', steady)
        self.record('single GET, feature off', 'ms', off)
        self.compare_latencies('single GET', 1.5)

    def _timed(self, http, server, path):
        start = time.perf_counter()
        response = http.get(server.url + path, timeout=60)
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        return elapsed * 1000

    # --- data path -----------------------------------------------------

    def add_data_image(self, size_mib):
        """A legacy image with a real ``size_mib`` MiB file; its id."""
        (image_id,) = data.add_legacy_images(
            self.engine, self.datadir, 1, size=size_mib * MIB
        )
        self.image_count += 1
        path = data.write_file(os.path.join(self.datadir, image_id), size_mib)
        return image_id, path

    def download(self, image_id, path):
        """Through the API vs the static server vs cat, in MiB/s."""
        size_mib = os.path.getsize(path) / MIB
        label = 'download %d MiB, ' % size_mib
        readers = {
            'API': (_fetch, self.multi.url + FILE_PATH % image_id),
            'static server': (_fetch, '%s/%s' % (self.static.url, image_id)),
            'cat': (_cat, path),
        }
        _fetch(readers['API'][1])  # warms the page cache too
        samples = {kind: [] for kind in readers}
        for _ in range(self.repeat):
            for kind, (read, source) in readers.items():
                samples[kind].append(size_mib / _timed_call(read, source))
        for kind, values in samples.items():
            self.record(label + kind, 'MiB/s', values)
        self.compare(
            'download: API / static server',
            label + 'API',
            label + 'static server',
            '>=',
            0.5,
        )
        self.compare('download: API / cat', label + 'API', label + 'cat')

    def parallel_downloads(self, image_id, size_mib, clients):
        """Aggregate MiB/s of ``clients`` simultaneous API downloads."""
        urls = [self.multi.url + FILE_PATH % image_id]
        for count in clients:
            samples = []
            with concurrent.futures.ThreadPoolExecutor(count) as pool:
                for _ in range(self.repeat):
                    start = time.perf_counter()
                    list(pool.map(_fetch, urls * count))
                    elapsed = time.perf_counter() - start
                    samples.append(count * size_mib / elapsed)
            self.record(PARALLEL % count, 'MiB/s', samples)
        for count in clients[1:]:
            self.compare(
                'download x%d / x%d in parallel' % (count, clients[0]),
                PARALLEL % count,
                PARALLEL % clients[0],
            )

    def upload(self, path, size_mib, small_mib):
        """Chunked uploads through the API vs in-process baselines on the
        same bytes, and the workers' peak RSS for ``small_mib`` and
        ``size_mib`` uploads (taken during the timed ones).

        Inspection on vs off is measured in pairs, in alternating order
        (neither always follows the baselines or the other's delete), as
        the median of the pairs' throughput ratios, and as the CPU time
        the workers spent per upload: on a loaded machine single
        throughputs vary by tens of percent, the CPU time much less."""
        throughput = {
            kind: []
            for kind in [UPLOAD_API, UPLOAD_UNINSPECTED, *UPLOAD_BASELINES]
        }
        cpu = {UPLOAD_API: [], UPLOAD_UNINSPECTED: []}
        pairs = []
        peak_rss = {size_mib: [], small_mib: []}
        for repetition in range(self.repeat):
            pair = [('bare', UPLOAD_API), ('docker', UPLOAD_UNINSPECTED)]
            for container_format, kind in pair[:: 1 - 2 * (repetition % 2)]:
                seconds, peak, cpu_seconds = self._upload(
                    path, size_mib, container_format
                )
                throughput[kind].append(size_mib / seconds)
                cpu[kind].append(cpu_seconds)
                if kind == UPLOAD_API:
                    peak_rss[size_mib].append(peak)
            pairs.append(
                throughput[UPLOAD_API][-1] / throughput[UPLOAD_UNINSPECTED][-1]
            )
            peak_rss[small_mib].append(self._upload(path, small_mib)[1])
            for kind, baseline in UPLOAD_BASELINES.items():
                seconds = _timed_call(baseline, path, self.datadir)
                throughput[kind].append(size_mib / seconds)
        label = 'upload %d MiB, ' % size_mib
        for kind, samples in throughput.items():
            self.record(label + kind, 'MiB/s', samples)
        self.record(label + PAIRED, 'ratio', pairs)
        self.compare(
            'upload: inspected / not inspected', label + PAIRED, 1, '>=', 0.97
        )
        for kind, samples in cpu.items():
            self.record(label + kind + ', worker CPU', 's', samples)
        self.compare(
            'upload worker CPU: inspected / not inspected',
            label + UPLOAD_API + ', worker CPU',
            label + UPLOAD_UNINSPECTED + ', worker CPU',
            '<=',
            1.03,
        )
        for kind in UPLOAD_BASELINES:
            self.compare(
                'upload: API / ' + kind,
                label + UPLOAD_API,
                label + kind,
                *UPLOAD_TARGETS.get(kind, ()),
            )
        for mib, samples in peak_rss.items():
            self.record(PEAK_RSS % mib, 'MiB', samples)
        self.compare(
            'peak RSS: upload %d MiB / %d MiB' % (size_mib, small_mib),
            PEAK_RSS % size_mib,
            PEAK_RSS % small_mib,
            '<=',
            1.1,
        )

    def _upload(self, path, size_mib, container_format='bare'):
        """Seconds to upload ``size_mib`` MiB of ``path``, the workers'
        peak RSS meanwhile (MiB) and the CPU seconds they spent; the
        image is deleted afterwards."""
        http = self.multi_http
        response = http.post(
            self.multi.url + '/v2/images',
            json={'disk_format': 'raw', 'container_format': container_format},
            timeout=60,
        )
        response.raise_for_status()
        image_url = self.multi.url + '/v2/images/' + response.json()['id']
        workers = self.multi.worker_pids()
        servers.reset_peak_rss(workers)
        cpu = servers.cpu_seconds(workers)
        start = time.perf_counter()
        response = http.put(
            image_url + '/file',
            data=_limited(data.read_chunks(path), size_mib),
            headers={'Content-Type': 'application/octet-stream'},
            timeout=600,
        )
        elapsed = time.perf_counter() - start
        cpu = servers.cpu_seconds(workers) - cpu
        response.raise_for_status()
        peak = servers.peak_rss_mib(workers)
        http.delete(image_url, timeout=60).raise_for_status()
        return elapsed, peak, cpu

    # --- eager update --------------------------------------------------

    def eager_update(self, locations):
        """glance-manage location update-stores over ``locations`` legacy
        locations: seconds and rows/s."""
        self.add_images(
            self.image_count + locations - data.count_locations(self.engine)
        )
        seconds = []
        for _ in range(self.repeat):
            data.forget_stores(self.engine)
            seconds.append(
                _timed_call(self.multi.manage, 'location', 'update-stores')
            )
            _check_recorded(self.engine, locations)
        label = 'glance-manage update-stores, %d locations' % locations
        self.record(label, 's', seconds)
        self.record(
            label + ', rate', 'rows/s', [locations / s for s in seconds]
        )
        self.compare(
            'update-stores %d locations: seconds / 60' % locations,
            label,
            60,
            '<=',
            1,
        )


def _check_recorded(engine, expected):
    """The lazy update did record stores (else we measured nothing)."""
    recorded = data.count_locations(engine, recorded=True)
    if recorded != expected:
        raise RuntimeError(
            'expected %d locations with a store, found %d'
            % (expected, recorded)
        )


def _fetch(url):
    """Stream ``url``'s body on a new connection, bytes discarded."""
    with requests.Session() as http:
        with http.get(url, stream=True, timeout=600) as response:
            response.raise_for_status()
            for _ in response.iter_content(MIB):
                pass


def _cat(path):
    subprocess.run(['cat', path], stdout=subprocess.DEVNULL, check=True)


def _limited(chunks, size_mib):
    """The first ``size_mib`` one-MiB chunks."""
    for number, chunk in enumerate(chunks):
        if number == size_mib:
            return
        yield chunk


def _timed_call(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def _hash_md5_and_sha512(path, _directory):
    """As the upload path hashes: md5 on a second thread, chunk by chunk
    (hashlib releases the GIL on large buffers)."""
    sha512 = hashlib.sha512()
    md5 = hashlib.md5(usedforsecurity=False)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = None
        for chunk in data.read_chunks(path):
            if pending is not None:
                pending.result()
            pending = pool.submit(md5.update, chunk)
            sha512.update(chunk)
        if pending is not None:
            pending.result()


def _hash_sha512(path, _directory):
    sha512 = hashlib.sha512()
    for chunk in data.read_chunks(path):
        sha512.update(chunk)


def _write_and_fsync(path, directory):
    """Write the bytes into ``directory`` and fsync them, as the file
    store does: the disk's share of an upload."""
    target = os.path.join(directory, 'bench-write-baseline')
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for chunk in data.read_chunks(path):
            os.write(fd, chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.remove(target)


UPLOAD_BASELINES = {
    'md5+sha512 in-process': _hash_md5_and_sha512,
    'sha512 alone': _hash_sha512,
    'write+fsync to the store dir': _write_and_fsync,
}
UPLOAD_TARGETS = {'sha512 alone': ('>=', 0.6)}
