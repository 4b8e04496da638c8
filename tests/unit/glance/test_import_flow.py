"""Tests of glance.import_flow with real SQLite and real file stores."""

import hashlib
import http.server
import io
import os
import shutil
import threading

from glance import exception
from glance import image_data
from glance import import_flow
from glance import stores
from glance.db import images
from tests.unit.glance import test_stores

DATA = b'import me' * 1000


class ImportFlowTest(test_stores.StoresAndImageTestCase):
    def _reread(self):
        return images.get(self.context, self.image.id)

    def _import(self, body, header_store=None):
        image = self._reread()
        request = import_flow.prepare(
            image, body, header_store, self.conf, self.stores
        )
        worker = import_flow.start(
            self.context, image, request, self.conf, self.stores
        )
        if worker is not None:
            worker.join()
        return self._reread()

    def _stage(self):
        image_data.stage(
            self.context,
            self.image,
            io.BytesIO(DATA),
            len(DATA),
            self.conf,
            self.stores,
        )

    def _files(self, store_id):
        return os.listdir(os.path.join(self.root, store_id))

    def _assert_in(self, image, *store_ids):
        self.assertEqual('active', image.status)
        self.assertEqual(
            [{'store': s} for s in store_ids],
            [loc.metadata for loc in image.active_locations],
        )
        self.assertEqual(hashlib.sha512(DATA).hexdigest(), image.os_hash_value)
        for store_id in store_ids:
            self.assertEqual([image.id], self._files(store_id))

    def test_glance_direct_to_all_stores(self):
        self._stage()
        image = self._import(
            {'method': {'name': 'glance-direct'}, 'all_stores': True}
        )
        self._assert_in(image, 'fast', 'cheap')
        self.assertEqual('', image.properties[import_flow.IMPORTING])
        self.assertEqual('', image.properties[import_flow.FAILED])
        self.assertNotIn(import_flow.LOCK, image.properties)
        staging = os.path.join(self.root, 'staging', stores.STAGING_STORE)
        self.assertEqual([], os.listdir(staging))

    def test_copy_image_to_another_store(self):
        self._stage()
        self._import({'method': {'name': 'glance-direct'}})
        image = self._import(
            {'method': {'name': 'copy-image'}, 'stores': ['cheap']}
        )
        self._assert_in(image, 'fast', 'cheap')

    def test_copy_image_with_all_stores_already_there_does_nothing(self):
        self._stage()
        everywhere = {'all_stores': True}
        self._import({'method': {'name': 'glance-direct'}, **everywhere})
        image = self._import({'method': {'name': 'copy-image'}, **everywhere})
        self._assert_in(image, 'fast', 'cheap')

    def _break_cheap(self):
        shutil.rmtree(os.path.join(self.root, 'cheap'))

    def test_a_failing_store_is_recorded_when_others_may_succeed(self):
        self._stage()
        self._break_cheap()
        image = self._import(
            {
                'method': {'name': 'glance-direct'},
                'stores': ['cheap', 'fast'],
                'all_stores_must_succeed': False,
            }
        )
        self.assertEqual('active', image.status)
        self.assertEqual(['fast'], [loc.store for loc in image.locations])
        self.assertEqual('cheap', image.properties[import_flow.FAILED])
        self.assertEqual('', image.properties[import_flow.IMPORTING])

    def test_a_failing_store_undoes_everything_when_all_must_succeed(self):
        self._stage()
        self._break_cheap()
        image = self._import(
            {'method': {'name': 'glance-direct'}, 'stores': ['fast', 'cheap']}
        )
        self.assertEqual('queued', image.status)
        self.assertEqual([], image.locations)
        self.assertEqual([], self._files('fast'))
        self.assertEqual('cheap,fast', image.properties[import_flow.FAILED])
        self.assertEqual('', image.properties[import_flow.IMPORTING])

    def test_web_download_from_a_local_server(self):
        server = serve_bytes(self, DATA)
        image = self._import(
            {
                'method': {
                    'name': 'web-download',
                    'uri': 'http://127.0.0.1:%d/img' % server.server_port,
                },
                'stores': ['cheap'],
            }
        )
        self._assert_in(image, 'cheap')

    def test_failed_web_download_goes_back_to_queued(self):
        server = serve_bytes(self, DATA)
        image = self._import(
            {
                'method': {
                    'name': 'web-download',
                    'uri': 'http://127.0.0.1:%d/missing' % server.server_port,
                },
            }
        )
        self.assertEqual('queued', image.status)
        self.assertEqual([], image.locations)
        self.assertNotIn(import_flow.LOCK, image.properties)
        self.assertEqual('fast', image.properties[import_flow.FAILED])

    def _refused(self, error, body, header_store=None, image=None):
        self.assertRaises(
            error,
            import_flow.prepare,
            image or self._reread(),
            body,
            header_store,
            self.conf,
            self.stores,
        )

    def test_request_rules(self):
        self._stage()
        direct = {'name': 'glance-direct'}
        self._refused(
            exception.Invalid,
            {'method': direct, 'all_stores': True, 'stores': ['fast']},
        )
        self._refused(
            exception.Invalid, {'method': direct, 'all_stores': True}, 'fast'
        )
        self._refused(
            exception.Invalid, {'method': direct, 'stores': ['fast']}, 'cheap'
        )
        self._refused(exception.Conflict, {'method': direct, 'stores': ['x']})
        self._refused(exception.Conflict, {'method': {'name': 'web-download'}})
        self._refused(exception.Invalid, {'method': {'name': 'nope'}})

    def test_web_download_needs_an_http_uri(self):
        self._refused(
            exception.Invalid,
            {'method': {'name': 'web-download', 'uri': 'file:///etc/passwd'}},
        )

    def test_copy_to_a_store_holding_the_image_is_refused(self):
        self._stage()
        self._import({'method': {'name': 'glance-direct'}})
        self._refused(
            exception.Invalid,
            {'method': {'name': 'copy-image'}, 'stores': ['fast']},
        )


class LegacyImportFlowTest(test_stores.StoresAndImageTestCase):
    """Single-store mode: import into the one store."""

    def make_conf(self, root, extra):
        return test_stores.legacy_store_conf(self, root, extra)

    def _import(self, body):
        image = images.get(self.context, self.image.id)
        request = import_flow.prepare(
            image, body, None, self.conf, self.stores
        )
        import_flow.start(
            self.context, image, request, self.conf, self.stores
        ).join()
        return images.get(self.context, self.image.id)

    def test_glance_direct(self):
        image_data.stage(
            self.context,
            self.image,
            io.BytesIO(DATA),
            None,
            self.conf,
            self.stores,
        )
        image = self._import(
            {'method': {'name': 'glance-direct'}, 'stores': ['ignored']}
        )
        self.assertEqual('active', image.status)
        [loc] = image.locations
        self.assertEqual(
            'file://%s/images/%s' % (self.root, image.id), loc.url
        )
        self.assertEqual(hashlib.sha512(DATA).hexdigest(), image.os_hash_value)

    def test_multi_store_only_requests(self):
        for body in (
            {'method': {'name': 'copy-image'}},
            {
                'method': {'name': 'web-download', 'uri': 'http://x/y'},
                'all_stores_must_succeed': False,
            },
        ):
            self.assertRaises(
                exception.Invalid,
                import_flow.prepare,
                self.image,
                body,
                None,
                self.conf,
                self.stores,
            )


def serve_bytes(test, data):
    """A local HTTP server answering ``/img`` with ``data``, else 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != '/img':
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return server
