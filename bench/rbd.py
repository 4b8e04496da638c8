"""The rbd case: glance-api with an rbd store on a real Ceph cluster.

Uploads and downloads through the API, beside the ``rbd`` bindings
writing and reading the same bytes alone in this process (one 8 MiB
request in flight, the driver's object size): the ratios say what glance
costs on top of Ceph. The cluster is ``tests.fixtures.ceph``'s (memstore:
data in RAM, so the figures are glance's and Ceph's, not a disk's).
"""

import time
import uuid

import requests

from bench import data
from tests.fixtures import ceph
from tests.fixtures import server as server_fixtures

MIB = data.MIB
OBJECT_SIZE = 8 * MIB
UPLOAD_API = 'upload %d MiB to rbd, API (chunked)'
UPLOAD_ALONE = 'upload %d MiB to rbd, rbd bindings alone'
DOWNLOAD_API = 'download %d MiB from rbd, API'
DOWNLOAD_ALONE = 'download %d MiB from rbd, rbd bindings alone'

STORES = """\
[DEFAULT]
enabled_backends = ceph:rbd

[glance_store]
default_backend = ceph

[ceph]
rbd_store_ceph_conf = {conf}
rbd_store_user = {user}
rbd_store_pool = {pool}
"""


def missing():
    """Why the rbd case cannot run here, or None."""
    return ceph.missing()


def run(bench, stack, path, size_mib, workers):
    """Record the rbd measurements and ratios on ``bench``."""
    # Each image is held at most twice at a time (the API's and the
    # baseline's are deleted after each round); memstore needs room.
    cluster = stack.enter_context(
        ceph.CephCluster(memstore_bytes=max(4 * size_mib, 512) * MIB)
    )
    server = stack.enter_context(
        server_fixtures.GlanceAPIServer(
            workers=workers,
            stores_config=STORES.format(
                conf=cluster.conf_path, user=cluster.user, pool=cluster.pool
            ),
        )
    )
    samples = {
        name % size_mib: []
        for name in (UPLOAD_API, UPLOAD_ALONE, DOWNLOAD_API, DOWNLOAD_ALONE)
    }
    with requests.Session() as http:
        for _ in range(bench.repeat):
            up, down = _through_api(http, server.url, path, size_mib)
            samples[UPLOAD_API % size_mib].append(size_mib / up)
            samples[DOWNLOAD_API % size_mib].append(size_mib / down)
            up, down = _bindings_alone(cluster, path, size_mib)
            samples[UPLOAD_ALONE % size_mib].append(size_mib / up)
            samples[DOWNLOAD_ALONE % size_mib].append(size_mib / down)
    for name, values in samples.items():
        bench.record(name, 'MiB/s', values)
    bench.compare(
        'rbd upload: API / rbd bindings alone',
        UPLOAD_API % size_mib,
        UPLOAD_ALONE % size_mib,
    )
    bench.compare(
        'rbd download: API / rbd bindings alone',
        DOWNLOAD_API % size_mib,
        DOWNLOAD_ALONE % size_mib,
    )


def _through_api(http, url, path, size_mib):
    """Seconds to upload and to download ``path`` (``size_mib`` MiB)."""
    response = http.post(
        url + '/v2/images',
        json={'disk_format': 'raw', 'container_format': 'bare'},
        timeout=60,
    )
    response.raise_for_status()
    image_url = url + '/v2/images/' + response.json()['id']
    start = time.perf_counter()
    http.put(
        image_url + '/file',
        data=data.read_chunks(path),
        headers={'Content-Type': 'application/octet-stream'},
        timeout=600,
    ).raise_for_status()
    upload = time.perf_counter() - start
    start = time.perf_counter()
    received = 0
    with http.get(image_url + '/file', stream=True, timeout=600) as got:
        got.raise_for_status()
        for chunk in got.iter_content(MIB):
            received += len(chunk)
    download = time.perf_counter() - start
    if received != size_mib * MIB:
        raise RuntimeError('downloaded %d bytes of %d' % (received, size_mib))
    http.delete(image_url, timeout=60).raise_for_status()
    return upload, download


def _bindings_alone(cluster, path, size_mib):
    """Seconds for the bindings to write, then read, the same bytes."""
    name = 'bench-' + str(uuid.uuid4())
    size = size_mib * MIB
    with cluster.ioctx(cluster.user) as ioctx:
        start = time.perf_counter()
        ceph.rbd.RBD().create(
            ioctx,
            name,
            size,
            order=OBJECT_SIZE.bit_length() - 1,
            features=ceph.rbd.RBD_FEATURE_LAYERING,
        )
        with ceph.rbd.Image(ioctx, name) as image:
            offset = 0
            for chunk in data.read_chunks(path, OBJECT_SIZE):
                image.write(chunk, offset)
                offset += len(chunk)
        upload = time.perf_counter() - start
        start = time.perf_counter()
        with ceph.rbd.Image(ioctx, name, read_only=True) as image:
            for offset in range(0, size, OBJECT_SIZE):
                image.read(offset, min(OBJECT_SIZE, size - offset))
        download = time.perf_counter() - start
        ceph.rbd.RBD().remove(ioctx, name)
    return upload, download
