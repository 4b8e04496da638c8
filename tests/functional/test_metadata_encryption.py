"""metadata_encryption_key on the real server: location URLs are stored
in upstream's encrypted form and read back, by downloads and by the lazy
store update alike."""

import json
import os
import sqlite3

from glance import crypt
from tests.functional.api import base

KEY = '0123456789abcdef0123456789abcdef'


class EncryptedLocationsTest(base.ServerTestCase):
    server_args = {
        'multi_store': True,
        'options': {'metadata_encryption_key': KEY},
    }

    def _rows(self, image_id):
        path = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(path) as db:
            return db.execute(
                'SELECT id, value, meta_data FROM image_locations '
                'WHERE image_id = ?',
                (image_id,),
            ).fetchall()

    def _set_metadata(self, location_id, metadata):
        path = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(path) as db:
            db.execute(
                'UPDATE image_locations SET meta_data = ? WHERE id = ?',
                (json.dumps(metadata), location_id),
            )

    def _upload(self, data):
        image = self.create_image(disk_format='raw', container_format='bare')
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=data,
        )
        self.assertEqual(204, response.status_code, response.text)
        return image['id']

    def _download(self, image_id):
        response = self.request(
            'GET', '/v2/images/%s/file' % image_id, base.OWNER
        )
        self.assertEqual(200, response.status_code, response.text)
        return response.content

    def test_stored_encrypted_and_served(self):
        image_id = self._upload(b'secret bytes')
        [(_, value, _)] = self._rows(image_id)
        url = 'file://%s/fast/%s' % (self.server.tmp, image_id)
        self.assertNotIn('file:', value)
        self.assertEqual(url, crypt.urlsafe_decrypt(KEY, value))
        self.assertEqual(b'secret bytes', self._download(image_id))

    def test_lazy_update_reads_decrypted_and_keeps_ciphertext(self):
        image_id = self._upload(b'legacy bytes')
        [(location_id, value, _)] = self._rows(image_id)
        self._set_metadata(location_id, {})  # as before multi-store
        shown = self.request('GET', '/v2/images/' + image_id, base.OWNER)
        self.assertEqual('fast', shown.json()['stores'])
        [(_, after, metadata)] = self._rows(image_id)
        self.assertEqual({'store': 'fast'}, json.loads(metadata))
        self.assertEqual(value, after)
        self.assertEqual(b'legacy bytes', self._download(image_id))

    def test_row_written_by_upstream_is_read(self):
        # Upstream's ciphertext of a URL into this store (tests of
        # glance.crypt pin the format to upstream's own output).
        image_id = self._upload(b'upstream bytes')
        [(location_id, _, _)] = self._rows(image_id)
        url = 'file://%s/fast/%s' % (self.server.tmp, image_id)
        path = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(path) as db:
            db.execute(
                'UPDATE image_locations SET value = ?, meta_data = ? '
                'WHERE id = ?',
                (crypt.urlsafe_encrypt(KEY, url), '{}', location_id),
            )
        self.assertEqual(b'upstream bytes', self._download(image_id))

    def test_encrypted_alias_keeps_the_data(self):
        # Two rows naming one image's data, each with its own ciphertext:
        # deleting one image leaves the data of the other.
        victim = self._upload(b'kept bytes')
        url = 'file://%s/fast/%s' % (self.server.tmp, victim)
        alias = self.create_image(headers=base.OWNER)['id']
        path = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(path) as db:
            db.execute(
                'INSERT INTO image_locations (image_id, value, meta_data, '
                "status, created_at, deleted) VALUES (?, ?, '{}', 'active', "
                'CURRENT_TIMESTAMP, 0)',
                (alias, crypt.urlsafe_encrypt(KEY, url)),
            )
            db.execute(
                "UPDATE images SET status = 'active', size = 10 WHERE id = ?",
                (alias,),
            )
        response = self.request('DELETE', '/v2/images/' + alias, base.OWNER)
        self.assertEqual(204, response.status_code, response.text)
        self.assertTrue(os.path.exists(url[len('file://') :]))
        self.assertEqual(b'kept bytes', self._download(victim))
