"""Real clients, unmodified: python-glanceclient (API and CLI), openstacksdk.

Each scenario runs against a legacy single-store server and a multi-store
one.
"""

import hashlib
import io
import os
import subprocess

import glanceclient
import openstack

from tests.functional.api import base

DATA = os.urandom(3 * 1024 * 1024 + 17)


def chunks(data, size=65536):
    """A body without a length: glanceclient sends it chunked."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


class ClientsTestMixin:
    def glance(self):
        return glanceclient.Client('2', self.server.url, token='unused')

    def test_glanceclient_round_trip(self):
        client = self.glance()
        tag = self.getUniqueString()
        image = client.images.create(
            name='gc', disk_format='raw', container_format='bare', tags=[tag]
        )
        self.addCleanup(client.images.delete, image.id)
        client.images.upload(image.id, io.BufferedReader(io.BytesIO(DATA)))
        shown = client.images.get(image.id)
        self.assertEqual('active', shown.status)
        self.assertEqual(len(DATA), shown.size)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), shown.checksum)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(), shown.os_hash_value)
        downloaded = b''.join(client.images.data(image.id))
        self.assertEqual(DATA, downloaded)

        client.images.update(image.id, name='gc2', color='blue')
        client.image_tags.update(image.id, 'extra')
        shown = client.images.get(image.id)
        self.assertEqual('gc2', shown.name)
        self.assertEqual('blue', shown.color)
        self.assertEqual(sorted([tag, 'extra']), sorted(shown.tags))
        client.images.update(image.id, remove_props=['color'])
        self.assertNotIn('color', client.images.get(image.id))

        client.images.deactivate(image.id)
        self.assertEqual('deactivated', client.images.get(image.id).status)
        client.images.reactivate(image.id)
        self.assertEqual('active', client.images.get(image.id).status)

    def test_glanceclient_list_filters_and_paging(self):
        client = self.glance()
        tag = self.getUniqueString()
        for name in ('a', 'b', 'c'):
            image = client.images.create(name=name, tags=[tag])
            self.addCleanup(client.images.delete, image.id)
        listed = list(
            client.images.list(
                filters={'tag': [tag]}, page_size=1, sort='name:asc'
            )
        )
        self.assertEqual(['a', 'b', 'c'], [i.name for i in listed])
        only_b = list(client.images.list(filters={'tag': [tag], 'name': 'b'}))
        self.assertEqual(['b'], [i.name for i in only_b])

    def test_glanceclient_members(self):
        client = self.glance()
        image = client.images.create(name='shared', visibility='shared')
        self.addCleanup(client.images.delete, image.id)
        member = client.image_members.create(image.id, 'friend')
        self.assertEqual('pending', member.status)
        self.assertEqual(
            ['friend'],
            [m.member_id for m in client.image_members.list(image.id)],
        )
        client.image_members.delete(image.id, 'friend')
        self.assertEqual([], list(client.image_members.list(image.id)))

    def run_cli(self, *args):
        environ = dict(os.environ, OS_AUTH_TOKEN='unused')
        result = subprocess.run(
            ['glance', '--os-image-url', self.server.url] + list(args),
            capture_output=True,
            text=True,
            env=environ,
            timeout=60,
        )
        self.assertEqual(0, result.returncode, result.stderr)
        return result.stdout

    def test_glance_cli(self):
        path = os.path.join(self.server.tmp, 'cli-upload')
        with open(path, 'wb') as data:
            data.write(DATA)
        output = self.run_cli(
            'image-create',
            '--name',
            'cli',
            '--disk-format',
            # Random bytes: as qcow2 they would be refused (415).
            'raw',
            '--container-format',
            'bare',
            '--file',
            path,
        )
        self.assertIn(hashlib.md5(DATA).hexdigest(), output)
        image_id = [
            line.split('|')[2].strip()
            for line in output.splitlines()
            if line.startswith('| id ')
        ][0]
        self.addCleanup(self.glance().images.delete, image_id)
        self.assertIn(image_id, self.run_cli('image-list'))
        out_path = path + '.out'
        self.run_cli('image-download', '--file', out_path, image_id)
        with open(out_path, 'rb') as downloaded:
            self.assertEqual(DATA, downloaded.read())

    def sdk(self):
        return openstack.connection.Connection(
            auth_type='none',
            auth={'endpoint': self.server.url},
            image_endpoint_override=self.server.url,
        )

    def test_openstacksdk(self):
        conn = self.sdk()
        image = conn.image.create_image(
            name='sdk',
            disk_format='raw',
            container_format='bare',
            data=io.BytesIO(DATA),
        )
        self.addCleanup(conn.image.delete_image, image)
        shown = conn.image.get_image(image)
        self.assertEqual('active', shown.status)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), shown.checksum)
        self.assertEqual(DATA, conn.image.download_image(shown).content)
        conn.image.update_image(shown, name='sdk2')
        conn.image.add_tag(shown, 'tagged')
        shown = conn.image.get_image(image)
        self.assertEqual('sdk2', shown.name)
        self.assertEqual(['tagged'], shown.tags)
        self.assertIn('sdk2', [i.name for i in conn.image.images()])


class LegacyStoreClientsTest(ClientsTestMixin, base.ServerTestCase):
    def test_no_stores_field(self):
        client = self.glance()
        image = client.images.create(name='legacy')
        self.addCleanup(client.images.delete, image.id)
        client.images.upload(image.id, io.BytesIO(b'legacy data'))
        self.assertNotIn('stores', client.images.get(image.id))


class MultiStoreClientsTest(ClientsTestMixin, base.ServerTestCase):
    server_args = {'multi_store': True}

    def test_upload_to_named_store(self):
        client = self.glance()
        image = client.images.create(name='to-cheap')
        self.addCleanup(client.images.delete, image.id)
        client.images.upload(image.id, io.BytesIO(b'cheap'), backend='cheap')
        self.assertEqual('cheap', client.images.get(image.id).stores)

    def test_default_store_and_store_ids_header(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'name': 'hdr'}
        )
        self.addCleanup(
            self.request, 'DELETE', '/v2/images/' + response.json()['id']
        )
        self.assertEqual(
            'fast,cheap', response.headers['OpenStack-image-store-ids']
        )
        client = self.glance()
        client.images.upload(response.json()['id'], io.BytesIO(b'x'))
        self.assertEqual(
            'fast', client.images.get(response.json()['id']).stores
        )
