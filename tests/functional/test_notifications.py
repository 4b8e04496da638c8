"""Notifications on a real RabbitMQ from the real glance-api.

Each class runs its own server publishing to a topic of its own; each test
binds its own queue to it and follows one image's events.
"""

import io
import re
import time
import uuid

from tests.fixtures import notification_bus
from tests.fixtures import tcp_proxy
from tests.functional.api import base

IMAGE_FIELDS = {
    'id',
    'name',
    'status',
    'created_at',
    'updated_at',
    'min_disk',
    'min_ram',
    'protected',
    'checksum',
    'owner',
    'disk_format',
    'container_format',
    'size',
    'virtual_size',
    'is_public',
    'visibility',
    'properties',
    'tags',
    'deleted',
    'deleted_at',
}
# Upstream adds these to image.prepare and image.upload.
IMPORT_FIELDS = {'os_glance_importing_to_stores', 'os_glance_failed_import'}
TASK_FIELDS = {
    'id',
    'type',
    'status',
    'result',
    'owner',
    'message',
    'expires_at',
    'created_at',
    'updated_at',
    'deleted',
    'deleted_at',
}
MEMBER = {'X-Project-Id': 'member-project', 'X-Roles': 'member'}
DATA = b'notified bytes' * 1000
# The longest an API call may take while the bus is down.
BOUND = 2.0


def bus_config(topic, transport_url=notification_bus.URL, disabled=''):
    return (
        '[oslo_messaging_notifications]\n'
        'driver = messagingv2\n'
        'topics = %s\n'
        'transport_url = %s\n' % (topic, transport_url)
    ), ({'disabled_notifications': disabled} if disabled else {})


def _server_args(topic, **kwargs):
    extra, options = bus_config(topic, **kwargs)
    return {'multi_store': True, 'extra_config': extra, 'options': options}


class NotificationTestCase(base.DataTestCase):
    topic = None

    def setUp(self):
        super().setUp()
        self.bus = self.useFixture(
            notification_bus.NotificationQueue(self.topic, self)
        )

    def events_of(self, image_id, last_event):
        """The events naming ``image_id`` until ``last_event`` of it."""

        def about(notification):
            payload = notification['payload']
            return image_id in (payload.get('id'), payload.get('image_id'))

        seen = self.bus.wait_for(
            lambda n: about(n) and n['event_type'] == last_event
        )
        return [n for n in seen if about(n)]

    def upload(self, image_id, data=DATA, headers=base.OWNER):
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image_id,
            dict(headers, **{'Content-Type': 'application/octet-stream'}),
            data=data,
        )
        self.assertEqual(204, response.status_code, response.text)


class LifeCycleTest(NotificationTestCase):
    topic = notification_bus.unique_topic()
    server_args = _server_args(topic)

    def test_life_cycle_events_and_payloads(self):
        image = self.create_image(
            visibility='shared', disk_format='raw', container_format='bare'
        )
        image_id = image['id']
        self.upload(image_id)
        response = self.patch(
            image_id, [{'op': 'replace', 'path': '/name', 'value': 'renamed'}]
        )
        self.assertEqual(200, response.status_code, response.text)
        response = self.request(
            'GET', '/v2/images/%s/file' % image_id, base.OWNER
        )
        self.assertEqual(DATA, response.content)
        response = self.request(
            'GET',
            '/v2/images/%s/file' % image_id,
            dict(base.OWNER, Range='bytes=0-99'),
        )
        self.assertEqual(206, response.status_code)
        path = '/v2/images/%s/members' % image_id
        response = self.request(
            'POST', path, base.OWNER, json={'member': 'member-project'}
        )
        self.assertEqual(200, response.status_code, response.text)
        response = self.request(
            'PUT',
            path + '/member-project',
            MEMBER,
            json={'status': 'accepted'},
        )
        self.assertEqual(200, response.status_code, response.text)
        response = self.request('DELETE', path + '/member-project', base.OWNER)
        self.assertEqual(204, response.status_code, response.text)
        for action in ('deactivate', 'reactivate'):
            response = self.request(
                'POST', '/v2/images/%s/actions/%s' % (image_id, action)
            )
            self.assertEqual(204, response.status_code, response.text)
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)

        events = self.events_of(image_id, 'image.delete')
        self.assertEqual(
            [
                'image.create',
                'image.prepare',
                'image.upload',
                'image.activate',
                'image.update',
                'image.send',
                'image.send',
                'image.member.create',
                'image.member.update',
                'image.member.delete',
                'image.update',
                'image.update',
                'image.delete',
            ],
            [n['event_type'] for n in events],
        )
        for n in events:
            self.assertEqual('image.localhost', n['publisher_id'])
            self.assertEqual('INFO', n['priority'])
        by_type = {}
        for n in events:
            by_type.setdefault(n['event_type'], []).append(n['payload'])
        for event_type in (
            'image.create',
            'image.activate',
            'image.update',
            'image.delete',
        ):
            for payload in by_type[event_type]:
                self.assertEqual(IMAGE_FIELDS, set(payload), event_type)
        for event_type in ('image.prepare', 'image.upload'):
            [payload] = by_type[event_type]
            self.assertEqual(IMAGE_FIELDS | IMPORT_FIELDS, set(payload))
            self.assertEqual([], payload['os_glance_importing_to_stores'])
            self.assertEqual([], payload['os_glance_failed_import'])
        self.assertEqual('queued', by_type['image.create'][0]['status'])
        self.assertEqual('owner-project', by_type['image.create'][0]['owner'])
        self.assertFalse(by_type['image.create'][0]['is_public'])
        self.assertEqual('saving', by_type['image.prepare'][0]['status'])
        upload = by_type['image.upload'][0]
        self.assertEqual(
            ('active', len(DATA)), (upload['status'], upload['size'])
        )
        self.assertRegex(upload['checksum'], '^[0-9a-f]{32}$')
        self.assertEqual('renamed', by_type['image.update'][0]['name'])
        self.assertEqual(
            ['deactivated', 'active'],
            [p['status'] for p in by_type['image.update'][1:]],
        )
        deleted = by_type['image.delete'][0]
        self.assertTrue(deleted['deleted'])
        self.assertIsNotNone(deleted['deleted_at'])
        self.assertNotIn('locations', deleted)
        sends = by_type['image.send']
        self.assertEqual([len(DATA), 100], [p['bytes_sent'] for p in sends])
        self.assertEqual(
            {
                'image_id': image_id,
                'owner_id': 'owner-project',
                'receiver_tenant_id': 'owner-project',
                'receiver_user_id': None,
                'bytes_sent': len(DATA),
            },
            sends[0],
        )
        members = [
            (p['member_id'], p['status'], p['deleted'])
            for t in (
                'image.member.create',
                'image.member.update',
                'image.member.delete',
            )
            for p in by_type[t]
        ]
        self.assertEqual(
            [
                ('member-project', 'pending', False),
                ('member-project', 'accepted', False),
                ('member-project', 'accepted', True),
            ],
            members,
        )

    def test_glance_direct_import_sends_task_events(self):
        image = self.create_image(disk_format='raw', container_format='bare')
        image_id = image['id']
        response = self.request(
            'PUT',
            '/v2/images/%s/stage' % image_id,
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=DATA,
        )
        self.assertEqual(204, response.status_code, response.text)
        self.glance.http_client.session.headers.update(base.OWNER)
        response = self.request(
            'POST',
            '/v2/images/%s/import' % image_id,
            base.OWNER,
            json={'method': {'name': 'glance-direct'}},
        )
        self.assertEqual(202, response.status_code, response.text)
        self.wait_for_import(image_id)

        seen = self.bus.wait_for(lambda n: n['event_type'] == 'task.success')
        tasks = [n for n in seen if n['event_type'].startswith('task.')]
        self.assertEqual(
            ['task.create', 'task.run', 'task.processing', 'task.success'],
            [n['event_type'] for n in tasks],
        )
        for n in tasks:
            self.assertEqual(TASK_FIELDS, set(n['payload']))
            self.assertEqual('api_image_import', n['payload']['type'])
        self.assertEqual(
            ['pending', 'processing', 'processing', 'success'],
            [n['payload']['status'] for n in tasks],
        )
        self.assertEqual(
            {'image_id': image_id}, tasks[-1]['payload']['result']
        )
        types = [
            n['event_type'] for n in seen if n['payload'].get('id') == image_id
        ]
        for expected in ('image.prepare', 'image.upload', 'image.activate'):
            self.assertIn(expected, types)
        self.assertLess(
            types.index('image.prepare'), types.index('image.upload')
        )
        self.assertLess(
            types.index('image.upload'), types.index('image.activate')
        )

    def test_rolled_back_change_sends_nothing(self):
        image = self.create_image(disk_format='raw', container_format='bare')
        image_id = image['id']
        self.upload(image_id)
        # A second upload is refused (409) before anything changes.
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image_id,
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=DATA,
        )
        self.assertEqual(409, response.status_code, response.text)
        # A patch renaming the image and adding a location no store holds:
        # the rename is written, then the transaction rolls back.
        response = self.patch(
            image_id,
            [
                {'op': 'replace', 'path': '/name', 'value': 'rolled-back'},
                {
                    'op': 'add',
                    'path': '/locations/-',
                    'value': {'url': 'file:///nowhere/x', 'metadata': {}},
                },
            ],
            headers=base.ADMIN,
        )
        self.assertIn(response.status_code, (400, 403, 409), response.text)
        # And an image whose creation fails on its location: no image.create.
        response = self.request(
            'POST',
            '/v2/images',
            base.ADMIN,
            json={
                'name': 'never-created',
                'locations': [{'url': 'file:///nowhere/y', 'metadata': {}}],
            },
        )
        self.assertIn(response.status_code, (400, 403, 409), response.text)
        response = self.patch(
            image_id, [{'op': 'replace', 'path': '/name', 'value': 'last'}]
        )
        self.assertEqual(200, response.status_code, response.text)

        seen = self.bus.wait_for(
            lambda n: (
                n['event_type'] == 'image.update'
                and n['payload']['name'] == 'last'
            )
        )
        self.assertEqual(
            [
                'image.create',
                'image.prepare',
                'image.upload',
                'image.activate',
                'image.update',
            ],
            [n['event_type'] for n in seen],
        )
        self.assertNotIn(
            'rolled-back', [n['payload'].get('name') for n in seen]
        )


class DisabledNotificationsTest(NotificationTestCase):
    topic = notification_bus.unique_topic()
    server_args = _server_args(topic, disabled='image.send, image.member.*')

    def test_disabled_events_and_groups_are_not_sent(self):
        image = self.create_image(
            visibility='shared', disk_format='raw', container_format='bare'
        )
        image_id = image['id']
        self.upload(image_id)
        response = self.request(
            'GET', '/v2/images/%s/file' % image_id, base.OWNER
        )
        self.assertEqual(DATA, response.content)
        response = self.request(
            'POST',
            '/v2/images/%s/members' % image_id,
            base.OWNER,
            json={'member': 'member-project'},
        )
        self.assertEqual(200, response.status_code, response.text)
        response = self.patch(
            image_id, [{'op': 'replace', 'path': '/name', 'value': 'last'}]
        )
        self.assertEqual(200, response.status_code, response.text)
        # One sender thread keeps the order: the update comes last.
        events = self.events_of(image_id, 'image.update')
        self.assertEqual(
            [
                'image.create',
                'image.prepare',
                'image.upload',
                'image.activate',
                'image.update',
            ],
            [n['event_type'] for n in events],
        )


class BusDownTest(base.DataTestCase):
    """transport_url names a closed port: the API answers as before."""

    server_args = _server_args(
        notification_bus.unique_topic(),
        transport_url=notification_bus.closed_port_url(),
    )

    def _timed(self, method, path, headers=base.OWNER, **kwargs):
        started = time.monotonic()
        response = self.request(method, path, headers, **kwargs)
        self.assertLess(time.monotonic() - started, BOUND, (method, path))
        return response

    def test_life_cycle_within_the_bound_and_one_warning(self):
        for _round in range(2):
            response = self._timed(
                'POST',
                '/v2/images',
                json={
                    'name': 'down',
                    'visibility': 'shared',
                    'disk_format': 'raw',
                    'container_format': 'bare',
                },
            )
            self.assertEqual(201, response.status_code, response.text)
            image_id = response.json()['id']
            file_path = '/v2/images/%s/file' % image_id
            response = self._timed(
                'PUT',
                file_path,
                dict(
                    base.OWNER, **{'Content-Type': 'application/octet-stream'}
                ),
                data=io.BytesIO(DATA),
            )
            self.assertEqual(204, response.status_code, response.text)
            response = self._timed('GET', file_path)
            self.assertEqual(DATA, response.content)
            response = self._timed(
                'POST',
                '/v2/images/%s/members' % image_id,
                json={'member': 'member-project'},
            )
            self.assertEqual(200, response.status_code, response.text)
            response = self._timed('DELETE', '/v2/images/' + image_id)
            self.assertEqual(204, response.status_code, response.text)
        warnings = re.findall(
            r'WARNING glance\.notifications .*', self.server.read_log()
        )
        self.assertEqual(1, len(warnings), warnings)
        self.assertIn('Could not send notifications', warnings[0])
        self.assertNotIn('Traceback', self.server.read_log())


class UploadFailureTest(NotificationTestCase):
    """A failed upload: image.upload at ERROR priority, as upstream."""

    topic = notification_bus.unique_topic()
    server_args = _server_args(topic)

    def setUp(self):
        base.DataTestCase.setUp(self)
        self.bus = self.useFixture(
            notification_bus.NotificationQueue(
                self.topic, self, priorities=('info', 'error')
            )
        )

    def test_refused_data_sends_an_error_event(self):
        image = self.create_image(disk_format='qcow2', container_format='bare')
        image_id = image['id']
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image_id,
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=DATA,
        )
        self.assertEqual(415, response.status_code, response.text)

        def about(n):
            payload = n['payload']
            if isinstance(payload, str):
                return image_id in payload
            return image_id == payload.get('id')

        seen = self.bus.wait_for(
            lambda n: about(n) and n['event_type'] == 'image.upload'
        )
        events = [n for n in seen if about(n)]
        self.assertEqual(
            [
                ('image.create', 'INFO'),
                ('image.prepare', 'INFO'),
                ('image.update', 'INFO'),
                ('image.upload', 'ERROR'),
            ],
            [(n['event_type'], n['priority']) for n in events],
        )
        self.assertEqual('queued', events[2]['payload']['status'])
        message = events[3]['payload']
        self.assertTrue(
            message.startswith('Cannot save data for image %s: ' % image_id),
            message,
        )
        self.assertEqual('image.localhost', events[3]['publisher_id'])


NAMESPACE_FIELDS = {
    'namespace',
    'namespace_old',
    'display_name',
    'protected',
    'visibility',
    'owner',
    'description',
    'created_at',
    'updated_at',
    'deleted',
    'deleted_at',
}
KEYWORDS = {
    'type',
    'title',
    'description',
    'default',
    'minimum',
    'maximum',
    'enum',
    'pattern',
    'minLength',
    'maxLength',
    'confidential',
    'items',
    'uniqueItems',
    'minItems',
    'maxItems',
    'additionalItems',
}
NAMED = {'namespace', 'name', 'name_old', 'deleted', 'deleted_at'}
STAMPED = NAMED | {'created_at', 'updated_at'}
ITEM_FIELDS = {
    'metadef_object': STAMPED | {'properties', 'required', 'description'},
    'metadef_property': NAMED | KEYWORDS,
    'metadef_tag': STAMPED,
    'metadef_resource_type': STAMPED | {'prefix', 'properties_target'},
}


class MetadefEventsTest(NotificationTestCase):
    topic = notification_bus.unique_topic()
    server_args = _server_args(topic)

    def call(self, method, path, status, headers=base.ADMIN, **kwargs):
        response = self.request(
            method, '/v2/metadefs/namespaces' + path, headers, **kwargs
        )
        self.assertEqual(status, response.status_code, response.text)
        return response

    def test_every_metadef_event_and_payload(self):
        name = 'OS::Test::%s' % uuid.uuid4().hex[:12]
        renamed = name + '::renamed'
        self.call(
            'POST',
            '',
            201,
            json={
                'namespace': name,
                'display_name': 'Test',
                'visibility': 'public',
                'resource_type_associations': [
                    {'name': 'OS::Glance::Image', 'prefix': 'test_'}
                ],
                'properties': {
                    'speed': {
                        'type': 'integer',
                        'title': 'Speed',
                        'minimum': 1,
                    }
                },
                'objects': [
                    {
                        'name': 'cpu',
                        'properties': {
                            'cores': {'type': 'integer', 'title': 'Cores'}
                        },
                        'required': ['cores'],
                    }
                ],
                'tags': [{'name': 'fast'}],
            },
        )
        ns = '/' + name
        self.call('POST', ns + '/objects', 201, json={'name': 'disk'})
        self.call('PUT', ns + '/objects/disk', 200, json={'name': 'disk2'})
        self.call('DELETE', ns + '/objects/disk2', 204)
        prop = {'type': 'string', 'title': 'Size'}
        self.call('POST', ns + '/properties', 201, json=dict(prop, name='s'))
        self.call('PUT', ns + '/properties/s', 200, json=dict(prop, name='s2'))
        self.call('DELETE', ns + '/properties/s2', 204)
        self.call('POST', ns + '/tags/slow', 201)
        self.call('PUT', ns + '/tags/slow', 200, json={'name': 'slower'})
        self.call('DELETE', ns + '/tags/slower', 204)
        self.call(
            'POST',
            ns + '/tags',
            201,
            json={'tags': [{'name': 'a'}, {'name': 'b'}]},
            headers={'X-Openstack-Append': 'true'},
        )
        self.call(
            'POST',
            ns + '/resource_types',
            201,
            json={'name': 'OS::Nova::Flavor'},
        )
        self.call('DELETE', ns + '/resource_types/OS::Nova::Flavor', 204)
        for kind in ('objects', 'properties', 'tags'):
            self.call('DELETE', ns + '/' + kind, 204)
        self.call(
            'PUT', ns, 200, json={'namespace': renamed, 'visibility': 'public'}
        )
        self.call('DELETE', '/' + renamed, 204)

        def about(n):
            return n['payload'].get('namespace') in (name, renamed)

        seen = self.bus.wait_for(
            lambda n: (
                about(n) and n['event_type'] == 'metadef_namespace.delete'
            )
        )
        events = [(n['event_type'], n['payload']) for n in seen if about(n)]
        self.assertEqual(
            [
                'metadef_namespace.create',
                'metadef_resource_type.create',
                'metadef_object.create',
                'metadef_property.create',
                'metadef_tag.create',
                'metadef_object.create',
                'metadef_object.update',
                'metadef_object.delete',
                'metadef_property.create',
                'metadef_property.update',
                'metadef_property.delete',
                'metadef_tag.create',
                'metadef_tag.update',
                'metadef_tag.delete',
                'metadef_tag.create',
                'metadef_tag.create',
                'metadef_resource_type.create',
                'metadef_resource_type.delete',
                'metadef_namespace.delete_objects',
                'metadef_namespace.delete_properties',
                'metadef_namespace.delete_tags',
                'metadef_namespace.update',
                'metadef_namespace.delete',
            ],
            [event_type for event_type, _ in events],
        )
        for event_type, payload in events:
            group, action = event_type.split('.')
            expected = ITEM_FIELDS.get(group, NAMESPACE_FIELDS)
            self.assertEqual(expected, set(payload), event_type)
            self.assertEqual(action == 'delete', payload['deleted'])
            self.assertEqual(
                action == 'delete', payload['deleted_at'] is not None
            )
        by_type = {}
        for event_type, payload in events:
            by_type.setdefault(event_type, []).append(payload)
        created = by_type['metadef_namespace.create'][0]
        self.assertEqual(
            (name, name, 'Test', 'public', False),
            (
                created['namespace'],
                created['namespace_old'],
                created['display_name'],
                created['visibility'],
                created['protected'],
            ),
        )
        cpu = by_type['metadef_object.create'][0]
        self.assertEqual(['cores'], cpu['required'])
        [cores] = cpu['properties']
        self.assertEqual(
            ('cores', 'integer', 'Cores', None),
            (cores['name'], cores['type'], cores['title'], cores['minimum']),
        )
        self.assertEqual(KEYWORDS | {'name'}, set(cores))
        speed = by_type['metadef_property.create'][0]
        self.assertEqual(
            ('speed', 'integer', 1),
            (speed['name'], speed['type'], speed['minimum']),
        )
        for group, old, new in (
            ('metadef_object', 'disk', 'disk2'),
            ('metadef_property', 's', 's2'),
            ('metadef_tag', 'slow', 'slower'),
        ):
            [updated] = by_type[group + '.update']
            self.assertEqual(
                (name, new, old),
                (updated['namespace'], updated['name'], updated['name_old']),
            )
        association = by_type['metadef_resource_type.create'][0]
        self.assertEqual(
            ('OS::Glance::Image', 'test_'),
            (association['name'], association['prefix']),
        )
        [update] = by_type['metadef_namespace.update']
        self.assertEqual(
            (renamed, name), (update['namespace'], update['namespace_old'])
        )
        [deleted] = by_type['metadef_namespace.delete']
        self.assertEqual(renamed, deleted['namespace'])


class BusLostTest(NotificationTestCase):
    """The bus goes away while glance-api runs (a proxy in front of the
    shared RabbitMQ is cut, RabbitMQ itself keeps running) and comes
    back: requests stay within the bound, one WARNING, and the events
    queued meanwhile are delivered."""

    topic = notification_bus.unique_topic()

    @classmethod
    def setUpClass(cls):
        cls.proxy = tcp_proxy.TCPProxy(notification_bus.PORT)
        cls.proxy.setUp()
        cls.server_args = _server_args(
            cls.topic,
            transport_url='rabbit://guest:guest@127.0.0.1:%d/'
            % cls.proxy.port,
        )
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.proxy.cleanUp()

    def _timed_create(self, name):
        started = time.monotonic()
        image = self.create_image(
            name=name, disk_format='raw', container_format='bare'
        )
        self.assertLess(time.monotonic() - started, BOUND)
        return image

    def test_lost_and_back(self):
        first = self._timed_create('before')
        self.events_of(first['id'], 'image.create')
        self.proxy.cut()
        # Longer than a send may be stuck unreported (STUCK_AFTER, 5 s).
        during = []
        cut_until = time.monotonic() + 8
        while time.monotonic() < cut_until:
            during.append(self._timed_create('during')['id'])
            time.sleep(0.5)
        self.proxy.restore()
        after = self._timed_create('after')['id']
        seen = self.bus.wait_for(
            lambda n: n['payload'].get('id') == after, timeout=90
        )
        # The queue held what the bus could not take: nothing was lost.
        created = {n['payload'].get('id') for n in seen}
        self.assertEqual([], [i for i in during if i not in created])
        log = self.server.read_log()
        warnings = re.findall(r'WARNING glance\.notifications .*', log)
        self.assertEqual(1, len(warnings), warnings)
        self.assertIn('has not answered for', warnings[0])
        self.assertIn('INFO glance.notifications', log)
        self.assertIn('Notifications are being sent again', log)
