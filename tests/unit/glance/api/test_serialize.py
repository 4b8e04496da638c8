"""Image bodies as upstream shows them, valid against our own schemas."""

import dataclasses
import datetime

import jsonschema
import testtools

from glance import domain
from glance.api import state
from glance.api.v2 import serialize
from glance.schemas import image as image_schema
from glance.schemas import member as member_schema
from tests.unit.glance.api import base

NOW = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)


@dataclasses.dataclass
class FakeStores:
    """What serialize reads of glance.stores.Stores."""

    weights: dict
    multi: bool = True
    index: object = None

    def get(self, store_id):
        if store_id not in self.weights:
            return None
        return dataclasses.make_dataclass('Info', ['weight'])(
            self.weights[store_id]
        )


def make_image(**values):
    values.setdefault('id', '3c5b4bd8-63ad-4d1b-a1c5-3e7da9f2c5a6')
    values.setdefault('created_at', NOW)
    values.setdefault('updated_at', NOW)
    return domain.Image(**values)


def body_for(record, roles=('admin',), stores=None, **conf):
    req = base.make_request('/', roles=roles, conf=base.make_conf(**conf))
    app_state = req.environ['glance.state']
    if stores is None:
        stores = FakeStores({}, multi=bool(app_state.conf.enabled_backends))
    req.environ['glance.state'] = state.AppState(
        app_state.conf, stores, app_state.enforcer
    )
    return serialize.image(req, record)


class ImageBodyTest(testtools.TestCase):
    def test_body_validates_against_image_schema(self):
        record = make_image(
            name='n',
            status='active',
            size=3,
            checksum='c' * 32,
            disk_format='raw',
            container_format='bare',
            owner='p1',
            properties={'os_distro': 'debian', 'extra': 'x'},
            tags=['t'],
            locations=[domain.Location('file:///a/b', {'store': 'fast'})],
        )
        body = body_for(
            record,
            stores=FakeStores({'fast': 0}),
            show_multiple_locations=True,
            show_image_direct_url=True,
            enabled_backends={'fast': 'file'},
        )
        jsonschema.validate(body, image_schema.image_schema())
        self.assertEqual('2024-05-06T07:08:09Z', body['created_at'])
        self.assertEqual('debian', body['os_distro'])
        self.assertEqual('fast', body['stores'])
        self.assertEqual('file:///a/b', body['direct_url'])
        self.assertEqual(
            [{'url': 'file:///a/b', 'metadata': {'store': 'fast'}}],
            body['locations'],
        )
        for name in ('virtual_size', 'os_hash_algo', 'min_ram', 'os_hidden'):
            self.assertIn(name, body)

    def test_locations_hidden_by_default_and_from_non_admins(self):
        record = make_image(locations=[domain.Location('file:///a', {})])
        self.assertNotIn('locations', body_for(record))
        self.assertNotIn('direct_url', body_for(record))
        body = body_for(
            record,
            roles=('member',),
            show_multiple_locations=True,
            show_image_direct_url=True,
        )
        self.assertNotIn('locations', body)
        self.assertNotIn('direct_url', body)

    def test_only_active_locations_are_shown(self):
        record = make_image(
            locations=[
                domain.Location('file:///gone', {}, status='deleted'),
                domain.Location('file:///here', {}),
            ]
        )
        body = body_for(record, show_multiple_locations=True)
        self.assertEqual(
            ['file:///here'], [x['url'] for x in body['locations']]
        )

    def test_stores_only_in_multi_store_mode(self):
        record = make_image(
            locations=[
                domain.Location('file:///a', {'store': 'fast'}),
                domain.Location('file:///b', {}),
                domain.Location('file:///c', {'store': 'cheap'}),
            ]
        )
        self.assertNotIn('stores', body_for(record))
        body = body_for(record, enabled_backends={'fast': 'file'})
        self.assertEqual('fast,cheap', body['stores'])

    def test_direct_url_prefers_the_heaviest_store(self):
        record = make_image(
            locations=[
                domain.Location('file:///light', {'store': 'light'}),
                domain.Location('file:///heavy', {'store': 'heavy'}),
            ]
        )
        body = body_for(
            record,
            stores=FakeStores({'light': 1, 'heavy': 10}),
            show_image_direct_url=True,
            enabled_backends={'light': 'file', 'heavy': 'file'},
        )
        self.assertEqual('file:///heavy', body['direct_url'])

    def test_list_body_validates_against_images_schema(self):
        body = {
            'images': [body_for(make_image())],
            'schema': '/v2/schemas/images',
            'first': '/v2/images',
        }
        jsonschema.validate(body, image_schema.images_schema())


class MemberBodyTest(testtools.TestCase):
    def test_member_validates_against_schema(self):
        record = domain.Member(
            image_id='3c5b4bd8-63ad-4d1b-a1c5-3e7da9f2c5a6',
            member='p2',
            created_at=NOW,
            updated_at=NOW,
        )
        body = serialize.member(record)
        jsonschema.validate(body, member_schema.MEMBER)
        jsonschema.validate(
            {'members': [body], 'schema': '/v2/schemas/members'},
            member_schema.MEMBERS,
        )
        self.assertEqual('p2', body['member_id'])
        self.assertEqual('pending', body['status'])
