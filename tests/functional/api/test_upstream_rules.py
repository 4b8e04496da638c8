"""Upstream's rules for image lists and image files, on the real server."""

import os

from tests.functional.api import base


class CommunityListTest(base.ServerTestCase):
    def _listed(self, headers, query=''):
        response = self.request('GET', '/v2/images' + query, headers)
        self.assertEqual(200, response.status_code, response.text)
        return {image['id'] for image in response.json()['images']}

    def test_community_images_of_others_only_when_asked(self):
        community = self.create_image(visibility='community')['id']
        public = self.create_image(base.ADMIN, visibility='public')['id']
        for headers in (base.ADMIN, base.OTHER):
            listed = self._listed(headers)
            self.assertIn(public, listed)
            self.assertNotIn(community, listed)
            for visibility in ('community', 'all'):
                self.assertIn(
                    community,
                    self._listed(headers, '?visibility=' + visibility),
                )
        self.assertIn(community, self._listed(base.OWNER))


class UploadedFileModeTest(base.ServerTestCase):
    """No filesystem_store_file_perm: files get the process umask."""

    @classmethod
    def setUpClass(cls):
        umask = os.umask(0o022)  # glance-api inherits it
        try:
            super().setUpClass()
        finally:
            os.umask(umask)

    def test_upload_gives_0644_with_umask_022(self):
        image = self.create_image(disk_format='raw', container_format='bare')
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=b'x' * 1024,
        )
        self.assertEqual(204, response.status_code, response.text)
        path = os.path.join(self.server.tmp, 'images', image['id'])
        self.assertEqual(0o644, os.stat(path).st_mode & 0o777)
