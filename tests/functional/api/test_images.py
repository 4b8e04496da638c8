"""Images API over HTTP against the real glance-api (legacy store)."""

import json

from tests.functional.api import base


class VersionsTest(base.ServerTestCase):
    def test_root_is_multiple_choices(self):
        response = self.request('GET', '/')
        self.assertEqual(300, response.status_code)
        ids = [v['id'] for v in response.json()['versions']]
        self.assertIn('v2.0', ids)
        current = [
            v for v in response.json()['versions'] if v['status'] == 'CURRENT'
        ]
        self.assertEqual(1, len(current))
        self.assertEqual(
            self.server.url + '/v2/', current[0]['links'][0]['href']
        )

    def test_versions_is_ok(self):
        self.assertEqual(200, self.request('GET', '/versions').status_code)

    def test_minor_version_prefix_reaches_v2(self):
        response = self.request('GET', '/v2.1/images')
        self.assertEqual(200, response.status_code)
        self.assertIn('images', response.json())

    def test_unknown_version_gets_choices(self):
        self.assertEqual(300, self.request('GET', '/v3/images').status_code)

    def test_healthcheck(self):
        self.assertEqual(200, self.request('GET', '/healthcheck').status_code)


class ImagesTest(base.ServerTestCase):
    def test_create_show_body_as_upstream(self):
        image = self.create_image(
            disk_format='raw', container_format='bare', os_distro='debian'
        )
        self.assertEqual('queued', image['status'])
        self.assertEqual('shared', image['visibility'])
        self.assertEqual('owner-project', image['owner'])
        self.assertEqual('debian', image['os_distro'])
        self.assertEqual('/v2/images/%s' % image['id'], image['self'])
        self.assertEqual('/v2/images/%s/file' % image['id'], image['file'])
        self.assertEqual('/v2/schemas/image', image['schema'])
        for name in ('checksum', 'size', 'virtual_size', 'os_hash_value'):
            self.assertIsNone(image[name])
        self.assertNotIn('locations', image)
        self.assertNotIn('stores', image)
        shown = self.request(
            'GET', '/v2/images/' + image['id'], base.OWNER
        ).json()
        self.assertEqual(image, shown)

    def test_create_headers(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'name': 'h'}
        )
        self.addCleanup(
            self.request, 'DELETE', '/v2/images/' + response.json()['id']
        )
        self.assertEqual(
            '%s/v2/images/%s' % (self.server.url, response.json()['id']),
            response.headers['Location'],
        )
        self.assertIn(
            'glance-direct',
            response.headers['OpenStack-image-import-methods'],
        )
        self.assertNotIn('OpenStack-image-store-ids', response.headers)

    def test_update_core_and_extra_properties(self):
        image = self.create_image(foo='1')
        response = self.patch(
            image['id'],
            [
                {'op': 'replace', 'path': '/name', 'value': 'renamed'},
                {'op': 'add', 'path': '/bar', 'value': '2'},
                {'op': 'remove', 'path': '/foo'},
                {'op': 'replace', 'path': '/min_ram', 'value': 512},
                {'op': 'add', 'path': '/tags', 'value': ['a', 'b']},
            ],
        )
        self.assertEqual(200, response.status_code, response.text)
        body = response.json()
        self.assertEqual('renamed', body['name'])
        self.assertEqual('2', body['bar'])
        self.assertNotIn('foo', body)
        self.assertEqual(512, body['min_ram'])
        self.assertEqual(['a', 'b'], sorted(body['tags']))

    def test_update_with_2_0_media_type(self):
        image = self.create_image()
        response = self.request(
            'PATCH',
            '/v2/images/' + image['id'],
            dict(
                base.OWNER,
                **{
                    'Content-Type': (
                        'application/openstack-images-v2.0-json-patch'
                    )
                },
            ),
            data=json.dumps([{'replace': '/name', 'value': 'old-style'}]),
        )
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual('old-style', response.json()['name'])

    def test_tags(self):
        image = self.create_image()
        path = '/v2/images/%s/tags/' % image['id']
        self.assertEqual(
            204, self.request('PUT', path + 'x', base.OWNER).status_code
        )
        shown = self.request('GET', '/v2/images/' + image['id'], base.OWNER)
        self.assertEqual(['x'], shown.json()['tags'])
        self.assertEqual(
            204, self.request('DELETE', path + 'x', base.OWNER).status_code
        )
        self.assertEqual(
            404, self.request('DELETE', path + 'x', base.OWNER).status_code
        )

    def test_list_filters_sort_and_paging(self):
        tag = self.getUniqueString()
        ids = [
            self.create_image(name='page-%d' % n, tags=[tag])['id']
            for n in range(3)
        ]
        response = self.request(
            'GET',
            '/v2/images?tag=%s&sort=name:asc&limit=2' % tag,
            base.OWNER,
        )
        body = response.json()
        self.assertEqual(
            ['page-0', 'page-1'], [i['name'] for i in body['images']]
        )
        self.assertEqual('/v2/schemas/images', body['schema'])
        self.assertNotIn('marker', body['first'])
        self.assertIn('marker=%s' % ids[1], body['next'])
        rest = self.request('GET', body['next'], base.OWNER).json()
        self.assertEqual(['page-2'], [i['name'] for i in rest['images']])
        self.assertNotIn('next', rest)

    def test_list_with_sort_key_and_dir(self):
        tag = self.getUniqueString()
        for n in range(2):
            self.create_image(name='k-%d' % n, tags=[tag])
        body = self.request(
            'GET',
            '/v2/images?tag=%s&sort_key=name&sort_dir=desc' % tag,
            base.OWNER,
        ).json()
        self.assertEqual(['k-1', 'k-0'], [i['name'] for i in body['images']])

    def test_deactivate_requires_active(self):
        image = self.create_image()
        response = self.request(
            'POST',
            '/v2/images/%s/actions/deactivate' % image['id'],
            base.OWNER,
        )
        self.assertEqual(403, response.status_code)

    def test_delete(self):
        image = self.create_image()
        path = '/v2/images/' + image['id']
        self.assertEqual(
            204, self.request('DELETE', path, base.OWNER).status_code
        )
        self.assertEqual(
            404, self.request('GET', path, base.OWNER).status_code
        )

    def test_protected_image_cannot_be_deleted(self):
        image = self.create_image(protected=True)
        path = '/v2/images/' + image['id']
        self.assertEqual(
            403, self.request('DELETE', path, base.OWNER).status_code
        )
        self.patch(
            image['id'],
            [{'op': 'replace', 'path': '/protected', 'value': False}],
        )

    def test_schemas(self):
        for name in ('image', 'images', 'member', 'members'):
            response = self.request('GET', '/v2/schemas/' + name)
            self.assertEqual(200, response.status_code)
            self.assertEqual(name, response.json()['name'])


class ServerProcessTest(base.ServerTestCase):
    def test_logs_go_to_the_configured_file(self):
        self.assertIn(
            'glance-api serving on 127.0.0.1:%d' % self.server.port,
            self.server.read_log(),
        )


class KeystoneFlavorTest(base.ServerTestCase):
    server_args = {
        'extra_config': '[paste_deploy]\nflavor = keystone\n'
        '[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:9\n'
    }

    def test_versions_without_token_images_need_one(self):
        self.assertEqual(200, self.request('GET', '/versions').status_code)
        self.assertEqual(300, self.request('GET', '/').status_code)
        self.assertEqual(401, self.request('GET', '/v2/images').status_code)
