"""Image data over HTTP against the real glance-api: python-glanceclient
for uploads and downloads, raw sockets where a client would be too polite.
"""

import hashlib
import io
import os
import socket
import time

import requests

from tests.functional.api import base

CAP = 4 * 1024 * 1024
# Several upload and download chunks, ending on a partial one.
DATA = os.urandom(3 * 1024 * 1024 + 123)


class MultiStoreDataTest(base.DataTestCase):
    server_args = {
        'multi_store': True,
        'options': {'image_size_cap': str(CAP)},
    }

    def _store_files(self, store_id, image_id):
        """Files (finished or temporary) of ``image_id`` in a store."""
        directory = os.path.join(self.server.tmp, store_id)
        return [n for n in os.listdir(directory) if image_id in n]

    def _put(self, image_id, data, headers=None):
        merged = {'Content-Type': 'application/octet-stream'}
        merged.update(headers or {})
        return self.request(
            'PUT', '/v2/images/%s/file' % image_id, merged, data=data
        )

    def test_chunked_upload_and_download_with_glanceclient(self):
        image = self._new_image()
        # A file object without a size goes up chunked.
        self.glance.images.upload(image['id'], io.BytesIO(DATA))
        shown = self._show(image['id'])
        self.assertEqual('active', shown['status'])
        self.assertEqual(len(DATA), shown['size'])
        self.assertEqual(hashlib.md5(DATA).hexdigest(), shown['checksum'])
        self.assertEqual('sha512', shown['os_hash_algo'])
        self.assertEqual(
            hashlib.sha512(DATA).hexdigest(), shown['os_hash_value']
        )
        self.assertEqual('fast', shown['stores'])
        # glanceclient checks the multihash while it reads.
        body = self.glance.images.data(image['id'])
        self.assertEqual(DATA, b''.join(body))

    def test_download_headers(self):
        image = self._new_image()
        self.assertEqual(204, self._put(image['id'], DATA).status_code)
        response = self.request('GET', '/v2/images/%s/file' % image['id'])
        self.assertEqual(200, response.status_code)
        self.assertEqual(DATA, response.content)
        self.assertEqual(
            hashlib.md5(DATA).hexdigest(), response.headers['Content-MD5']
        )
        self.assertEqual(str(len(DATA)), response.headers['Content-Length'])

    def test_upload_to_a_chosen_store(self):
        image = self._new_image()
        self.glance.images.upload(
            image['id'], io.BytesIO(DATA), backend='cheap'
        )
        self.assertEqual('cheap', self._show(image['id'])['stores'])
        self.assertEqual(
            [image['id']], self._store_files('cheap', image['id'])
        )
        self.assertEqual([], self._store_files('fast', image['id']))

    def test_unknown_store_is_a_400(self):
        image = self._new_image()
        response = self._put(image['id'], DATA, {'X-Image-Meta-Store': 'x'})
        self.assertEqual(400, response.status_code)
        self.assertIn('Store x', response.text)
        self.assertEqual('queued', self._show(image['id'])['status'])

    def test_over_the_size_cap(self):
        image = self._new_image()

        def chunks():
            for _ in range(5):
                yield b'z' * (1024 * 1024)

        # Chunked: the cap is only found out while reading.
        response = self._put(image['id'], chunks())
        self.assertEqual(413, response.status_code)
        self.assertEqual('queued', self._show(image['id'])['status'])
        self.assertEqual([], self._store_files('fast', image['id']))

    def test_declared_size_over_the_cap(self):
        image = self._new_image()
        response = self._put(image['id'], b'z' * (CAP + 1))
        self.assertEqual(413, response.status_code)
        self.assertEqual('queued', self._show(image['id'])['status'])

    def test_interrupted_upload_leaves_nothing_behind(self):
        image = self._new_image()
        with socket.create_connection(('127.0.0.1', self.server.port)) as s:
            s.sendall(
                b'PUT /v2/images/%s/file HTTP/1.1\r\nHost: glance\r\n'
                b'Content-Type: application/octet-stream\r\n'
                b'Content-Length: %d\r\n\r\n'
                % (image['id'].encode(), len(DATA))
            )
            s.sendall(DATA[: len(DATA) // 2])
            # Hang up only once the server is writing the data.
            self._wait_for_status(image['id'], 'saving')
        self._wait_for_status(image['id'], 'queued')
        self.assertEqual([], self._store_files('fast', image['id']))
        # And the image takes a proper upload afterwards.
        self.assertEqual(204, self._put(image['id'], DATA).status_code)

    def _wait_for_status(self, image_id, status, timeout=10):
        deadline = time.monotonic() + timeout
        while self._show(image_id)['status'] != status:
            if time.monotonic() > deadline:
                self.fail('image %s never became %s' % (image_id, status))
            time.sleep(0.1)

    def test_second_upload_conflicts(self):
        image = self._new_image()
        self.assertEqual(204, self._put(image['id'], b'one').status_code)
        self.assertEqual(409, self._put(image['id'], b'two').status_code)

    def test_ranges(self):
        image = self._new_image()
        self.assertEqual(204, self._put(image['id'], DATA).status_code)
        path = '/v2/images/%s/file' % image['id']
        part = self.request('GET', path, {'Range': 'bytes=100-199'})
        self.assertEqual(206, part.status_code)
        self.assertEqual(DATA[100:200], part.content)
        self.assertEqual(
            'bytes 100-199/%d' % len(DATA), part.headers['Content-Range']
        )
        tail = self.request('GET', path, {'Range': 'bytes=-10'})
        self.assertEqual(DATA[-10:], tail.content)
        beyond = self.request('GET', path, {'Range': 'bytes=%d-' % len(DATA)})
        self.assertEqual(416, beyond.status_code)
        self.assertEqual(
            'bytes */%d' % len(DATA), beyond.headers['Content-Range']
        )

    def test_no_data_yet_is_a_204(self):
        image = self._new_image()
        response = self.request('GET', '/v2/images/%s/file' % image['id'])
        self.assertEqual(204, response.status_code)

    def test_wrong_content_type_is_a_415(self):
        image = self._new_image()
        response = self._put(image['id'], b'x', {'Content-Type': 'text/x'})
        self.assertEqual(415, response.status_code)

    def test_missing_data_is_a_clean_error(self):
        image = self._new_image()
        self.assertEqual(204, self._put(image['id'], DATA).status_code)
        os.unlink(os.path.join(self.server.tmp, 'fast', image['id']))
        response = self.request('GET', '/v2/images/%s/file' % image['id'])
        self.assertEqual(404, response.status_code)

    def test_deactivated_image_data_is_for_admins_only(self):
        image = self.create_image(
            headers=base.OWNER, disk_format='raw', container_format='bare'
        )
        headers = dict(
            base.OWNER, **{'Content-Type': 'application/octet-stream'}
        )
        upload = self.request(
            'PUT', '/v2/images/%s/file' % image['id'], headers, data=b'abc'
        )
        self.assertEqual(204, upload.status_code, upload.text)
        self.request('POST', '/v2/images/%s/actions/deactivate' % image['id'])
        path = '/v2/images/%s/file' % image['id']
        self.assertEqual(
            403, self.request('GET', path, base.OWNER).status_code
        )
        self.assertEqual(200, self.request('GET', path).status_code)

    def test_info_stores(self):
        response = self.request('GET', '/v2/info/stores', base.OWNER)
        self.assertEqual(200, response.status_code)
        self.assertEqual(
            {
                'stores': [
                    {
                        'id': 'fast',
                        'description': 'Fast store',
                        'default': 'true',
                    },
                    {'id': 'cheap'},
                ]
            },
            response.json(),
        )

    def test_info_stores_detail(self):
        denied = self.request('GET', '/v2/info/stores/detail', base.OWNER)
        self.assertEqual(403, denied.status_code)
        response = self.request('GET', '/v2/info/stores/detail')
        self.assertEqual(200, response.status_code)
        cheap = response.json()['stores'][1]
        self.assertEqual(
            {
                'id': 'cheap',
                'type': 'file',
                'weight': 0,
                'properties': {
                    'data_dir': os.path.join(self.server.tmp, 'cheap'),
                    'chunk_size': 65536,
                    'thin_provisioning': False,
                },
            },
            cheap,
        )


class LegacyStoreDataTest(base.ServerTestCase):
    server_args = {'multi_store': False}

    def test_upload_download_and_no_store_discovery(self):
        image = self.create_image(headers=base.ADMIN)
        # The store header means nothing in single-store mode.
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            {
                'Content-Type': 'application/octet-stream',
                'X-Image-Meta-Store': 'whatever',
            },
            data=DATA,
        )
        self.assertEqual(204, response.status_code, response.text)
        download = requests.get(
            self.server.url + '/v2/images/%s/file' % image['id'], timeout=30
        )
        self.assertEqual(DATA, download.content)
        self.assertTrue(
            os.path.exists(
                os.path.join(self.server.tmp, 'images', image['id'])
            )
        )
        info = self.request('GET', '/v2/info/stores')
        self.assertEqual(404, info.status_code)
        self.assertIn('Multi backend is not supported', info.text)
