"""Image import and per-store deletion against the real glance-api."""

import hashlib
import io
import os

from tests.fixtures import byte_server
from tests.functional.api import base

DATA = os.urandom(2 * 1024 * 1024 + 7)


class ImportTestCase(base.DataTestCase):
    def _import(self, image_id, body, headers=None):
        return self.request(
            'POST', '/v2/images/%s/import' % image_id, headers, json=body
        )


class ImportTest(ImportTestCase):
    """Web-download sources: ``source``, on the one port the import filter
    allows, serves DATA and redirects ``/away`` to ``elsewhere``, which
    serves DATA on a port the filter refuses."""

    @classmethod
    def setUpClass(cls):
        cls.elsewhere = byte_server.ByteServer(DATA)
        cls.elsewhere.setUp()
        cls.source = byte_server.ByteServer(
            DATA, {'/away': cls.elsewhere.url('/img')}
        )
        cls.source.setUp()
        cls.server_args = dict(
            cls.server_args,
            extra_config='[import_filtering_opts]\n'
            'allowed_hosts = [127.0.0.1]\n'
            'allowed_ports = [80, %d]\n' % cls.source.port,
        )
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.source.cleanUp()
        cls.elsewhere.cleanUp()

    def _web_download(self, image_id, uri):
        method = {'name': 'web-download', 'uri': uri}
        return self._import(image_id, {'method': method, 'stores': ['cheap']})

    def _assert_data_in(self, image, *store_ids):
        self.assertEqual('active', image['status'])
        self.assertEqual(','.join(store_ids), image['stores'])
        self.assertEqual(
            hashlib.sha512(DATA).hexdigest(), image['os_hash_value']
        )
        for store_id in store_ids:
            path = os.path.join(self.server.tmp, store_id, image['id'])
            with open(path, 'rb') as f:
                self.assertEqual(DATA, f.read())

    def _active_image(self, store_id='fast'):
        image = self._new_image()
        self.glance.images.upload(
            image['id'], io.BytesIO(DATA), backend=store_id
        )
        return image

    def test_glance_direct_with_glanceclient(self):
        image = self._new_image()
        self.glance.images.stage(image['id'], io.BytesIO(DATA))
        self.assertEqual('uploading', self._show(image['id'])['status'])
        self.glance.images.image_import(
            image['id'], method='glance-direct', all_stores=True
        )
        done = self.wait_for_import(image['id'])
        self._assert_data_in(done, 'fast', 'cheap')
        self.assertEqual('', done['os_glance_importing_to_stores'])
        self.assertEqual('', done['os_glance_failed_import'])
        self.assertEqual(DATA, b''.join(self.glance.images.data(image['id'])))

    def test_web_download_from_a_local_server(self):
        image = self._new_image()
        response = self._web_download(image['id'], self.source.url('/img'))
        self.assertEqual(202, response.status_code, response.text)
        self._assert_data_in(self.wait_for_import(image['id']), 'cheap')

    def test_web_download_from_a_port_the_filter_refuses(self):
        image = self._new_image()
        asked = len(self.elsewhere.requested)
        response = self._web_download(image['id'], self.elsewhere.url('/img'))
        self.assertEqual(400, response.status_code, response.text)
        self.assertIn('import_filtering_opts', response.text)
        shown = self._show(image['id'])
        self.assertEqual('queued', shown['status'])
        self.assertNotIn('os_glance_import_task', shown)
        self.assertEqual(asked, len(self.elsewhere.requested))

    def test_web_download_redirected_to_a_port_the_filter_refuses(self):
        image = self._new_image()
        asked = len(self.elsewhere.requested)
        response = self._web_download(image['id'], self.source.url('/away'))
        self.assertEqual(202, response.status_code, response.text)
        done = self.wait_for_import(image['id'])
        self.assertEqual('queued', done['status'])
        self.assertNotIn('stores', done)
        self.assertEqual('cheap', done['os_glance_failed_import'])
        self.assertEqual(asked, len(self.elsewhere.requested))

    def test_copy_image_then_delete_from_a_store(self):
        image = self._active_image('fast')
        response = self._import(
            image['id'],
            {'method': {'name': 'copy-image'}, 'stores': ['cheap']},
        )
        self.assertEqual(202, response.status_code, response.text)
        self._assert_data_in(
            self.wait_for_import(image['id']), 'fast', 'cheap'
        )

        self.glance.images.delete_from_store('fast', image['id'])
        self.assertEqual('cheap', self._show(image['id'])['stores'])
        fast_copy = os.path.join(self.server.tmp, 'fast', image['id'])
        self.assertFalse(os.path.exists(fast_copy))
        self.assertEqual(DATA, b''.join(self.glance.images.data(image['id'])))

        # The last copy stays (upstream checks this before the store).
        for store_id in ('cheap', 'fast'):
            path = '/v2/stores/%s/%s' % (store_id, image['id'])
            self.assertEqual(403, self.request('DELETE', path).status_code)

    def test_delete_from_store_rules(self):
        image = self._new_image()
        path = '/v2/stores/%s/' + image['id']
        self.assertEqual(
            409, self.request('DELETE', path % 'nope').status_code
        )
        self.assertEqual(
            409, self.request('DELETE', path % 'fast').status_code
        )
        member = self.request('DELETE', path % 'fast', base.OWNER)
        self.assertIn(member.status_code, (403, 404))

    def test_request_rules(self):
        image = self._active_image()
        copy = {'name': 'copy-image'}
        cases = [
            (400, {'method': copy, 'all_stores': True, 'stores': ['cheap']}),
            (400, {'method': copy, 'stores': ['fast']}),
            (409, {'method': copy, 'stores': ['nope']}),
            (409, {'method': {'name': 'glance-direct'}}),
            (400, {'method': {'name': 'unknown'}}),
            (400, {'stores': ['cheap']}),
        ]
        for status, body in cases:
            response = self._import(image['id'], body)
            self.assertEqual(status, response.status_code, body)
        both = self._import(
            image['id'],
            {'method': copy, 'stores': ['cheap']},
            {'X-Image-Meta-Store': 'cheap'},
        )
        self.assertEqual(400, both.status_code)

    def test_web_download_needs_an_http_uri(self):
        image = self._new_image()
        method = {'name': 'web-download', 'uri': 'file:///etc/passwd'}
        response = self._import(image['id'], {'method': method})
        self.assertEqual(400, response.status_code)
        self.assertEqual('queued', self._show(image['id'])['status'])

    def test_copy_image_needs_the_copy_policy(self):
        image = self._active_image()
        response = self._import(
            image['id'],
            {'method': {'name': 'copy-image'}, 'stores': ['cheap']},
            base.OWNER,
        )
        self.assertIn(response.status_code, (403, 404))


class LegacyImportTest(ImportTestCase):
    server_args = {'multi_store': False}

    def test_glance_direct_into_the_single_store(self):
        image = self._new_image()
        self.glance.images.stage(image['id'], io.BytesIO(DATA))
        self.glance.images.image_import(image['id'], method='glance-direct')
        done = self.wait_for_import(image['id'])
        self.assertEqual('active', done['status'])
        path = os.path.join(self.server.tmp, 'images', image['id'])
        with open(path, 'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_multi_store_only_requests(self):
        image = self._new_image()
        web = {'name': 'web-download', 'uri': 'http://127.0.0.1:9/x'}
        response = self._import(
            image['id'], {'method': web, 'all_stores_must_succeed': False}
        )
        self.assertEqual(400, response.status_code)


class WebDownloadSSRFTest(ImportTestCase):
    """The import filter names the source's port but no host: loopback,
    by every spelling, is refused before anything connects (the source
    sees no request), and nothing is left on disk or in the image."""

    @classmethod
    def setUpClass(cls):
        cls.source = byte_server.ByteServer(DATA)
        cls.source.setUp()
        cls.server_args = dict(
            cls.server_args,
            extra_config='[import_filtering_opts]\nallowed_ports = [%d]\n'
            % cls.source.port,
        )
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.source.cleanUp()

    def test_loopback_by_every_spelling_is_refused(self):
        image = self._new_image()
        port = self.source.port
        for host in (
            '127.0.0.1',
            'localhost',
            '2130706433',
            '127.1',
            '0x7f.0.0.1',
            '[::ffff:127.0.0.1]',
        ):
            uri = 'http://%s:%d/img' % (host, port)
            method = {'name': 'web-download', 'uri': uri}
            response = self._import(image['id'], {'method': method})
            self.assertEqual(400, response.status_code, uri)
            self.assertIn('import_filtering_opts', response.text)
        self.assertEqual([], self.source.requested)
        shown = self._show(image['id'])
        self.assertEqual('queued', shown['status'])
        self.assertNotIn('os_glance_import_task', shown)
        staging = os.path.join(self.server.tmp, 'staging')
        staged = [
            name
            for _, _, names in os.walk(staging)
            for name in names
            if image['id'] in name
        ]
        self.assertEqual([], staged)
