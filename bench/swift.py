"""python -m bench.swift: glance-api on Swift beside swiftclient alone.

Starts a Swift All-In-One (tests.fixtures.swift; install it with
``bash tools/backends/swift.sh install``) and a glance-api whose one store
is swift (a reference-file store, Swift's own auth), then uploads and
downloads the same ``--size-mib`` bytes ``--repeat`` times through
glance-api (chunked PUT, GET of /file) and with swiftclient straight to
Swift, side by side, and prints the MiB/s medians and their ratios. The
``--segment-mb`` option (glance_store MB: 1,024,000 bytes) makes both
sides store segmented objects of that size.
"""

import argparse
import contextlib
import os
import sys
import time
import uuid

import fixtures
import requests

from bench import data
from bench import report
from tests.fixtures import server as server_fixtures
from tests.fixtures import swift as swift_fixtures

MIB = data.MIB
MB = 1000 * 1024
STORES = """\
[DEFAULT]
enabled_backends = swift:swift

[glance_store]
default_backend = swift

[swift]
swift_store_config_file = {refs}
swift_store_container = glance
swift_store_create_container_on_put = true
swift_store_large_object_size = {large}
swift_store_large_object_chunk_size = {segment}
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m bench.swift', description=__doc__
    )
    parser.add_argument('--size-mib', default=256, type=int)
    parser.add_argument('--repeat', default=3, type=int)
    parser.add_argument('--segment-mb', default=0, type=int)
    parser.add_argument('--json', help='also write the results here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    reason = swift_fixtures.unavailable_reason()
    if reason:
        sys.exit(reason)
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(fixtures.TempDir()).path
        swift = stack.enter_context(swift_fixtures.SwiftServer())
        refs = os.path.join(root, 'refs.conf')
        with open(refs, 'w') as f:
            user, key = swift_fixtures.TEMPAUTH_USERS['glance']
            f.write(
                '[ref1]\nauth_version = 1\nauth_address = %s\n'
                'user = glance:%s\nkey = %s\n' % (swift.auth_v1_url, user, key)
            )
        segment = args.segment_mb or 200
        large = args.segment_mb or 5 * 1024
        api = stack.enter_context(
            server_fixtures.GlanceAPIServer(
                stores_config=STORES.format(
                    refs=refs, large=large, segment=segment
                ),
                workers=1,
            )
        )
        path = data.write_file(os.path.join(root, 'image'), args.size_mib)
        side = SideBySide(api, swift, path, args, large * MB, segment * MB)
        side.run()
    measurements = side.measurements
    ratios = [
        report.Ratio(
            '%s: glance-api / swiftclient' % what,
            '%s, glance-api' % what,
            '%s, swiftclient' % what,
        )
        for what in ('upload', 'download')
    ]
    print(report.measurement_table(measurements))
    print()
    print(report.ratio_table(ratios, measurements))
    if args.json:
        about = {'command': 'python -m bench.swift ' + ' '.join(argv or [])}
        with open(args.json, 'w') as output:
            output.write(report.as_json(measurements, ratios, about))


class SideBySide:
    def __init__(self, api, swift, path, args, large, segment):
        self.api = api
        self.swift = swift
        self.path = path
        self.size_mib = args.size_mib
        self.repeat = args.repeat
        self.large = large
        self.segment = segment
        self.http = requests.Session()
        self.samples = {}
        self.measurements = {}

    def sample(self, name, seconds):
        self.samples.setdefault(name, []).append(self.size_mib / seconds)

    def run(self):
        client = self.swift.client()
        client.put_container('direct')
        for _ in range(self.repeat):
            image_id = self.api_upload()
            self.api_download(image_id)
            self.http.delete(
                self.api.url + '/v2/images/' + image_id, timeout=600
            ).raise_for_status()
            name = self.swift_upload(client)
            self.swift_download(client, name)
        for name, samples in self.samples.items():
            self.measurements[name] = report.Measurement(
                name, 'MiB/s', samples
            )

    def api_upload(self):
        created = self.http.post(
            self.api.url + '/v2/images',
            json={'disk_format': 'raw', 'container_format': 'bare'},
            timeout=60,
        )
        created.raise_for_status()
        image_id = created.json()['id']
        start = time.perf_counter()
        self.http.put(
            self.api.url + '/v2/images/%s/file' % image_id,
            data=data.read_chunks(self.path),
            headers={'Content-Type': 'application/octet-stream'},
            timeout=600,
        ).raise_for_status()
        self.sample('upload, glance-api', time.perf_counter() - start)
        return image_id

    def api_download(self, image_id):
        start = time.perf_counter()
        response = self.http.get(
            self.api.url + '/v2/images/%s/file' % image_id,
            stream=True,
            timeout=600,
        )
        response.raise_for_status()
        received = sum(map(len, response.iter_content(MIB)))
        self.sample('download, glance-api', time.perf_counter() - start)
        assert received == self.size_mib * MIB, received

    def swift_upload(self, client):
        """The same bytes as glance stores them: segments plus a manifest
        when the image is large, one object otherwise."""
        name = str(uuid.uuid4())
        size = self.size_mib * MIB
        start = time.perf_counter()
        with open(self.path, 'rb') as source:
            if size < self.large:
                client.put_object('direct', name, source, content_length=size)
            else:
                number, left = 0, size
                while left:
                    number += 1
                    length = min(self.segment, left)
                    client.put_object(
                        'direct',
                        '%s-%05d' % (name, number),
                        source,
                        content_length=length,
                    )
                    left -= length
                client.put_object(
                    'direct',
                    name,
                    b'',
                    headers={'X-Object-Manifest': 'direct/%s-' % name},
                )
        self.sample('upload, swiftclient', time.perf_counter() - start)
        return name

    def swift_download(self, client, name):
        start = time.perf_counter()
        _, body = client.get_object('direct', name, resp_chunk_size=MIB)
        received = sum(map(len, body))
        self.sample('download, swiftclient', time.perf_counter() - start)
        assert received == self.size_mib * MIB, received


if __name__ == '__main__':
    main()
