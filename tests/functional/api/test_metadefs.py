"""The metadata definitions API against the real glance-api process.

Every route through requests (statuses, bodies, visibility, protected
rules, a non-admin's view), then python-glanceclient's and openstacksdk's
metadef calls, unmodified.
"""

import uuid

import glanceclient
import openstack

from tests.functional.api import base

NAMESPACES = '/v2/metadefs/namespaces'


def unique(prefix):
    return '%s::%s' % (prefix, uuid.uuid4().hex[:12])


READER = {'X-Project-Id': 'owner-project', 'X-Roles': 'reader'}


def namespace_document(name, **values):
    document = {
        'namespace': name,
        'display_name': 'Hardware for ' + name,
        'description': 'Test namespace',
        'visibility': 'public',
        'protected': False,
        'resource_type_associations': [
            {'name': 'OS::Glance::Image', 'prefix': 'hw_'},
            {
                'name': 'OS::Cinder::Volume',
                'prefix': 'hw_',
                'properties_target': 'image',
            },
        ],
        'properties': {
            'cpu_cores': {
                'title': 'Cores',
                'type': 'integer',
                'minimum': 1,
            },
        },
        'objects': [
            {
                'name': 'Disk',
                'description': 'Disk settings',
                'required': ['disk_bus'],
                'properties': {
                    'disk_bus': {
                        'title': 'Bus',
                        'type': 'string',
                        'enum': ['scsi', 'virtio'],
                    }
                },
            }
        ],
        'tags': [{'name': 'hardware'}],
    }
    document.update(values)
    return document


class MetadefsTest(base.ServerTestCase):
    def create_namespace(self, name=None, headers=base.ADMIN, **values):
        name = name or unique('Test')
        response = self.request(
            'POST',
            NAMESPACES,
            headers,
            json=namespace_document(name, **values),
        )
        self.assertEqual(201, response.status_code, response.text)
        self.addCleanup(self._remove_namespace, name)
        return response.json()

    def _remove_namespace(self, name):
        path = '%s/%s' % (NAMESPACES, name)
        self.request('PUT', path, json={'namespace': name})
        self.request('DELETE', path)

    def ns_path(self, name, *rest):
        return '/'.join((NAMESPACES, name) + rest)

    def test_namespace_create_show_update_delete(self):
        created = self.create_namespace()
        name = created['namespace']
        self.assertEqual('/v2/schemas/metadefs/namespace', created['schema'])
        self.assertEqual(self.ns_path(name), created['self'])
        self.assertEqual('default', created['owner'])
        self.assertEqual(['Disk'], [o['name'] for o in created['objects']])

        shown = self.request('GET', self.ns_path(name)).json()
        self.assertEqual({'cpu_cores'}, set(shown['properties']))
        self.assertEqual(
            [{'name': 'hardware'}],
            [{'name': t['name']} for t in shown['tags']],
        )
        self.assertEqual(
            {'OS::Glance::Image', 'OS::Cinder::Volume'},
            {a['name'] for a in shown['resource_type_associations']},
        )
        prefixed = self.request(
            'GET', self.ns_path(name) + '?resource_type=OS::Glance::Image'
        ).json()
        self.assertEqual({'hw_cpu_cores'}, set(prefixed['properties']))
        self.assertEqual(['hw_disk_bus'], prefixed['objects'][0]['required'])

        self.assertEqual(
            409,
            self.request(
                'POST', NAMESPACES, json={'namespace': name}
            ).status_code,
        )
        renamed = name + '-renamed'
        response = self.request(
            'PUT',
            self.ns_path(name),
            json={'namespace': renamed, 'description': 'new'},
        )
        self.assertEqual(200, response.status_code, response.text)
        updated = response.json()
        self.assertEqual('new', updated['description'])
        # PUT replaces: what the body leaves out goes back to defaults.
        self.assertEqual('private', updated['visibility'])
        self.assertNotIn('display_name', updated)
        self.assertEqual(
            404, self.request('GET', self.ns_path(name)).status_code
        )
        # The contents moved with the namespace.
        objects = self.request('GET', self.ns_path(renamed, 'objects'))
        self.assertEqual(
            ['Disk'], [o['name'] for o in objects.json()['objects']]
        )
        self.assertEqual(
            204, self.request('DELETE', self.ns_path(renamed)).status_code
        )
        self.assertEqual(
            404, self.request('GET', self.ns_path(renamed)).status_code
        )
        self.assertEqual(
            404, self.request('DELETE', self.ns_path(renamed)).status_code
        )

    def test_bad_namespace_bodies(self):
        for body in (
            {},
            {'namespace': 'x', 'visibility': 'shared'},
            {'namespace': 'x', 'unknown': 1},
            {'namespace': 'x' * 81},
            {'namespace': 'x', 'properties': {'p': {'type': 'string'}}},
        ):
            response = self.request('POST', NAMESPACES, json=body)
            self.assertEqual(400, response.status_code, body)
        self.assertEqual(
            404,
            self.request('GET', self.ns_path('x')).status_code,
            'a refused body leaves nothing behind',
        )

    def test_list_filters_sorting_and_paging(self):
        tag = uuid.uuid4().hex[:8]
        names = ['Page::%s::%d' % (tag, i) for i in range(5)]
        for i, name in enumerate(names):
            self.create_namespace(
                name,
                visibility='public' if i % 2 else 'private',
                resource_type_associations=[
                    {'name': 'OS::Test::%s%d' % (tag, i % 2)}
                ],
            )
        listed = self.request(
            'GET',
            NAMESPACES + '?resource_types=OS::Test::%s1' % tag,
        ).json()
        self.assertEqual(
            {names[1], names[3]},
            {n['namespace'] for n in listed['namespaces']},
        )
        listed = self.request(
            'GET',
            NAMESPACES
            + '?visibility=private&resource_types=OS::Test::%s0,x' % tag,
        ).json()
        self.assertEqual(
            {names[0], names[2], names[4]},
            {n['namespace'] for n in listed['namespaces']},
        )
        seen = []
        path = (
            NAMESPACES
            + '?limit=2&sort_key=namespace&sort_dir=asc'
            + '&resource_types=OS::Test::%s0,OS::Test::%s1' % (tag, tag)
        )
        while path:
            page = self.request('GET', path).json()
            self.assertLessEqual(len(page['namespaces']), 2)
            seen += [n['namespace'] for n in page['namespaces']]
            path = page.get('next')
        self.assertEqual(names, seen)
        self.assertEqual(
            400,
            self.request('GET', NAMESPACES + '?sort_key=bogus').status_code,
        )
        self.assertEqual(
            400,
            self.request(
                'GET', NAMESPACES + '?marker=nonexistent'
            ).status_code,
        )

    def test_non_admin_view(self):
        public = self.create_namespace(visibility='public')['namespace']
        private = self.create_namespace(visibility='private')['namespace']
        for headers in (base.OWNER, READER):
            listed = self.request('GET', NAMESPACES, headers).json()
            names = {n['namespace'] for n in listed['namespaces']}
            self.assertIn(public, names)
            self.assertNotIn(private, names)
            self.assertEqual(
                200,
                self.request('GET', self.ns_path(public), headers).status_code,
            )
            self.assertEqual(
                200,
                self.request(
                    'GET', self.ns_path(public, 'objects', 'Disk'), headers
                ).status_code,
            )
            for path in (
                self.ns_path(private),
                self.ns_path(private, 'objects'),
                self.ns_path(private, 'properties', 'cpu_cores'),
                self.ns_path(private, 'tags'),
                self.ns_path(private, 'resource_types'),
            ):
                self.assertEqual(
                    404, self.request('GET', path, headers).status_code, path
                )
        # Changes need metadef_admin: 403 where the caller sees the
        # namespace, 404 where they do not.
        writes = [
            ('POST', NAMESPACES, {'namespace': 'Mine::Not'}),
            ('PUT', self.ns_path(public), {'namespace': public}),
            ('DELETE', self.ns_path(public), None),
            ('POST', self.ns_path(public, 'objects'), {'name': 'o'}),
            ('DELETE', self.ns_path(public, 'objects', 'Disk'), None),
            ('POST', self.ns_path(public, 'tags', 'new'), None),
            ('DELETE', self.ns_path(public, 'tags'), None),
            (
                'POST',
                self.ns_path(public, 'resource_types'),
                {'name': 'OS::Nova::Flavor'},
            ),
        ]
        for method, path, body in writes:
            response = self.request(method, path, base.OWNER, json=body)
            self.assertEqual(403, response.status_code, (method, path))
        response = self.request('DELETE', self.ns_path(private), base.OWNER)
        self.assertEqual(404, response.status_code)
        self.assertEqual(
            200, self.request('GET', self.ns_path(public, 'tags')).status_code
        )

    def test_protected_namespace_keeps_its_contents(self):
        name = self.create_namespace(protected=True)['namespace']
        for path in (
            self.ns_path(name),
            self.ns_path(name, 'objects'),
            self.ns_path(name, 'objects', 'Disk'),
            self.ns_path(name, 'properties'),
            self.ns_path(name, 'properties', 'cpu_cores'),
            self.ns_path(name, 'tags'),
            self.ns_path(name, 'tags', 'hardware'),
            self.ns_path(name, 'resource_types', 'OS::Glance::Image'),
        ):
            response = self.request('DELETE', path)
            self.assertEqual(403, response.status_code, path)
        shown = self.request('GET', self.ns_path(name)).json()
        self.assertEqual(1, len(shown['objects']))
        self.assertEqual(1, len(shown['tags']))
        self.assertEqual(2, len(shown['resource_type_associations']))
        # Adding to a protected namespace is allowed.
        response = self.request('POST', self.ns_path(name, 'tags', 'extra'))
        self.assertEqual(201, response.status_code)
        self.request('PUT', self.ns_path(name), json={'namespace': name})
        for path in (
            self.ns_path(name, 'objects'),
            self.ns_path(name, 'tags', 'hardware'),
            self.ns_path(name, 'resource_types', 'OS::Glance::Image'),
        ):
            self.assertEqual(204, self.request('DELETE', path).status_code)

    def test_objects(self):
        name = self.create_namespace()['namespace']
        path = self.ns_path(name, 'objects')
        body = {
            'name': 'CPU Limits',
            'description': 'Limits',
            'required': [],
            'properties': {'period': {'title': 'Period', 'type': 'integer'}},
        }
        response = self.request('POST', path, json=body)
        self.assertEqual(201, response.status_code, response.text)
        created = response.json()
        self.assertEqual(path + '/CPU Limits', created['self'])
        self.assertEqual('/v2/schemas/metadefs/object', created['schema'])
        self.assertEqual(
            409, self.request('POST', path, json=body).status_code
        )
        listed = self.request('GET', path).json()
        self.assertEqual(
            ['CPU Limits', 'Disk'],
            sorted(o['name'] for o in listed['objects']),
        )
        self.assertEqual('v2/schemas/metadefs/objects', listed['schema'])
        body['name'] = 'CPU'
        body['required'] = ['period']
        response = self.request('PUT', path + '/CPU Limits', json=body)
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual(['period'], response.json()['required'])
        self.assertEqual(
            404, self.request('GET', path + '/CPU Limits').status_code
        )
        self.assertEqual(
            409,
            self.request(
                'PUT', path + '/CPU', json=dict(body, name='Disk')
            ).status_code,
        )
        self.assertEqual(
            400,
            self.request('POST', path, json={'name': 'x', 'y': 1}).status_code,
        )
        self.assertEqual(
            204, self.request('DELETE', path + '/CPU').status_code
        )
        self.assertEqual(
            404, self.request('DELETE', path + '/CPU').status_code
        )
        self.assertEqual(204, self.request('DELETE', path).status_code)
        self.assertEqual([], self.request('GET', path).json()['objects'])
        self.assertEqual(
            404,
            self.request(
                'GET', self.ns_path('Nope::Nope', 'objects')
            ).status_code,
        )

    def test_properties(self):
        name = self.create_namespace()['namespace']
        path = self.ns_path(name, 'properties')
        body = {'name': 'ram', 'title': 'RAM', 'type': 'integer', 'minimum': 1}
        response = self.request('POST', path, json=body)
        self.assertEqual(201, response.status_code, response.text)
        self.assertEqual(body, response.json())
        self.assertEqual(
            409, self.request('POST', path, json=body).status_code
        )
        self.assertEqual(
            400,
            self.request('POST', path, json={'name': 'x'}).status_code,
        )
        listed = self.request('GET', path).json()['properties']
        self.assertEqual({'cpu_cores', 'ram'}, set(listed))
        self.assertEqual('RAM', listed['ram']['title'])
        shown = self.request(
            'GET', path + '/hw_ram?resource_type=OS::Glance::Image'
        )
        self.assertEqual(200, shown.status_code)
        self.assertEqual('ram', shown.json()['name'])
        self.assertEqual(
            404,
            self.request(
                'GET', path + '/ram?resource_type=OS::Glance::Image'
            ).status_code,
        )
        response = self.request(
            'PUT',
            path + '/ram',
            json={'name': 'memory', 'title': 'Memory', 'type': 'string'},
        )
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual(
            {'name': 'memory', 'title': 'Memory', 'type': 'string'},
            response.json(),
        )
        self.assertEqual(
            204, self.request('DELETE', path + '/memory').status_code
        )
        self.assertEqual(
            404, self.request('GET', path + '/memory').status_code
        )
        self.assertEqual(204, self.request('DELETE', path).status_code)
        self.assertEqual({}, self.request('GET', path).json()['properties'])

    def test_tags(self):
        name = self.create_namespace()['namespace']
        path = self.ns_path(name, 'tags')
        response = self.request('POST', path + '/gpu')
        self.assertEqual(201, response.status_code, response.text)
        self.assertEqual('gpu', response.json()['name'])
        self.assertEqual(409, self.request('POST', path + '/gpu').status_code)
        response = self.request(
            'POST',
            path,
            json={'tags': [{'name': 'a'}, {'name': 'b'}]},
            headers={'X-Openstack-Append': 'True'},
        )
        self.assertEqual(201, response.status_code, response.text)
        self.assertEqual(
            ['a', 'b'], [t['name'] for t in response.json()['tags']]
        )
        self.assertEqual(
            ['a', 'b', 'gpu', 'hardware'],
            sorted(
                t['name'] for t in self.request('GET', path).json()['tags']
            ),
        )
        page = self.request(
            'GET', path + '?limit=2&sort_key=name&sort_dir=asc&marker=a'
        ).json()
        self.assertEqual(['b', 'gpu'], [t['name'] for t in page['tags']])
        # Without the header the list replaces every tag.
        response = self.request(
            'POST', path, json={'tags': [{'name': 'x'}, {'name': 'y'}]}
        )
        self.assertEqual(201, response.status_code)
        self.assertEqual(
            ['x', 'y'],
            sorted(
                t['name'] for t in self.request('GET', path).json()['tags']
            ),
        )
        self.assertEqual(
            409,
            self.request(
                'POST', path, json={'tags': [{'name': 'z'}, {'name': 'z'}]}
            ).status_code,
        )
        self.assertEqual(
            ['x', 'y'],
            sorted(
                t['name'] for t in self.request('GET', path).json()['tags']
            ),
            'a refused bulk create changes nothing',
        )
        response = self.request('PUT', path + '/x', json={'name': 'renamed'})
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual(
            200, self.request('GET', path + '/renamed').status_code
        )
        self.assertEqual(404, self.request('GET', path + '/x').status_code)
        self.assertEqual(
            409,
            self.request(
                'PUT', path + '/y', json={'name': 'renamed'}
            ).status_code,
        )
        self.assertEqual(204, self.request('DELETE', path + '/y').status_code)
        self.assertEqual(204, self.request('DELETE', path).status_code)
        self.assertEqual([], self.request('GET', path).json()['tags'])

    def test_resource_types(self):
        name = self.create_namespace()['namespace']
        path = self.ns_path(name, 'resource_types')
        body = {'name': 'OS::Nova::Flavor', 'prefix': 'hw:'}
        response = self.request('POST', path, json=body)
        self.assertEqual(201, response.status_code, response.text)
        self.assertEqual('hw:', response.json()['prefix'])
        self.assertEqual(
            409, self.request('POST', path, json=body).status_code
        )
        listed = self.request('GET', path).json()['resource_type_associations']
        self.assertEqual(
            {'OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor'},
            {a['name'] for a in listed},
        )
        volume = [a for a in listed if a['name'] == 'OS::Cinder::Volume'][0]
        self.assertEqual('image', volume['properties_target'])
        types = self.request('GET', '/v2/metadefs/resource_types').json()
        self.assertIn(
            'OS::Nova::Flavor', [t['name'] for t in types['resource_types']]
        )
        self.assertEqual(
            204, self.request('DELETE', path + '/OS::Nova::Flavor').status_code
        )
        self.assertEqual(
            404, self.request('DELETE', path + '/OS::Nova::Flavor').status_code
        )
        # The resource type outlives its association.
        types = self.request('GET', '/v2/metadefs/resource_types').json()
        self.assertIn(
            'OS::Nova::Flavor', [t['name'] for t in types['resource_types']]
        )

    def test_schemas(self):
        for name in (
            'namespace',
            'namespaces',
            'object',
            'objects',
            'property',
            'properties',
            'tag',
            'tags',
            'resource_type',
            'resource_types',
        ):
            response = self.request('GET', '/v2/schemas/metadefs/' + name)
            self.assertEqual(200, response.status_code, name)
            self.assertIn('properties', response.json())
        self.assertEqual(
            404, self.request('GET', '/v2/schemas/metadefs/bogus').status_code
        )


class MetadefClientsTest(base.ServerTestCase):
    def test_glanceclient_md_calls(self):
        client = glanceclient.Client('2', self.server.url, token='unused')
        name = unique('GC')
        namespace = client.metadefs_namespace.create(
            namespace=name, display_name='GC', visibility='public'
        )
        self.addCleanup(client.metadefs_namespace.delete, name)
        self.assertEqual(name, namespace.namespace)
        listed = [n.namespace for n in client.metadefs_namespace.list()]
        self.assertIn(name, listed)
        updated = client.metadefs_namespace.update(
            name, description='described', protected=True
        )
        self.assertEqual('described', updated.description)
        self.assertTrue(client.metadefs_namespace.get(name).protected)
        client.metadefs_namespace.update(name, protected=False)

        client.metadefs_resource_type.associate(
            name, name='OS::Glance::Image', prefix='gc_'
        )
        self.assertEqual(
            ['OS::Glance::Image'],
            [a.name for a in client.metadefs_resource_type.get(name)],
        )
        self.assertIn(
            'OS::Glance::Image',
            [t.name for t in client.metadefs_resource_type.list()],
        )

        prop = client.metadefs_property.create(
            name, name='size', title='Size', type='integer'
        )
        self.assertEqual('size', prop.name)
        client.metadefs_property.update(name, 'size', title='Bigness')
        self.assertEqual(
            'Bigness', client.metadefs_property.get(name, 'size').title
        )
        self.assertEqual(
            ['size'], [p.name for p in client.metadefs_property.list(name)]
        )

        obj = client.metadefs_object.create(
            name,
            name='Thing',
            properties={'a': {'title': 'A', 'type': 'string'}},
            required=['a'],
        )
        self.assertEqual(['a'], obj.required)
        client.metadefs_object.update(name, 'Thing', description='a thing')
        self.assertEqual(
            'a thing', client.metadefs_object.get(name, 'Thing').description
        )
        self.assertEqual(
            ['Thing'], [o.name for o in client.metadefs_object.list(name)]
        )

        client.metadefs_tag.create(name, 'zero')
        # Replacing (glanceclient's append=True sends a boolean header its
        # own token-only HTTP client cannot encode; requests and the SDK
        # cover X-Openstack-Append).
        list(client.metadefs_tag.create_multiple(name, tags=['one', 'two']))
        self.assertEqual(
            ['one', 'two'],
            sorted(t.name for t in client.metadefs_tag.list(name)),
        )
        client.metadefs_tag.update(name, 'two', name='three')
        self.assertEqual('three', client.metadefs_tag.get(name, 'three').name)

        shown = client.metadefs_namespace.get(name)
        self.assertEqual(['size'], list(shown.properties))
        self.assertEqual(['Thing'], [o['name'] for o in shown.objects])

        client.metadefs_tag.delete(name, 'three')
        client.metadefs_tag.delete_all(name)
        client.metadefs_object.delete(name, 'Thing')
        client.metadefs_property.delete_all(name)
        client.metadefs_resource_type.deassociate(name, 'OS::Glance::Image')
        self.assertEqual([], list(client.metadefs_resource_type.get(name)))

    def test_openstacksdk_metadef_calls(self):
        conn = openstack.connection.Connection(
            auth_type='none',
            auth={'endpoint': self.server.url},
            image_endpoint_override=self.server.url,
        )
        image = conn.image
        name = unique('SDK')
        namespace = image.create_metadef_namespace(
            namespace=name, visibility='public', display_name='SDK'
        )
        self.addCleanup(image.delete_metadef_namespace, name)
        self.assertEqual(name, namespace.namespace)
        self.assertIn(name, [n.namespace for n in image.metadef_namespaces()])
        image.update_metadef_namespace(name, description='by sdk')
        self.assertEqual(
            'by sdk', image.get_metadef_namespace(name).description
        )

        image.create_metadef_resource_type_association(
            name, name='OS::Nova::Flavor', prefix='sdk:'
        )
        self.assertEqual(
            ['OS::Nova::Flavor'],
            [a.name for a in image.metadef_resource_type_associations(name)],
        )
        self.assertIn(
            'OS::Nova::Flavor',
            [t.name for t in image.metadef_resource_types()],
        )

        image.create_metadef_property(
            name, name='speed', title='Speed', type='number'
        )
        self.assertEqual(
            'Speed', image.get_metadef_property('speed', name).title
        )
        image.update_metadef_property(
            'speed', name, name='speed', title='Fast', type='number'
        )
        self.assertEqual(
            ['speed'], [p.name for p in image.metadef_properties(name)]
        )

        image.create_metadef_object(
            name,
            name='Box',
            properties={'w': {'title': 'W', 'type': 'integer'}},
        )
        self.assertEqual('Box', image.get_metadef_object('Box', name).name)
        self.assertEqual(
            ['Box'], [o.name for o in image.metadef_objects(name)]
        )

        image.add_tag_to_metadef_namespace(name, 'sdk-tag')
        image.remove_tag_from_metadef_namespace(name, 'sdk-tag')
        image.delete_metadef_object('Box', name)
        image.delete_metadef_property('speed', name)
        image.delete_metadef_resource_type_association(
            'OS::Nova::Flavor', name
        )
        self.assertEqual(
            [], list(image.metadef_resource_type_associations(name))
        )
        for getter in (
            image.get_metadef_namespace_schema,
            image.get_metadef_namespaces_schema,
            image.get_metadef_object_schema,
            image.get_metadef_property_schema,
            image.get_metadef_tag_schema,
            image.get_metadef_resource_type_schema,
        ):
            self.assertTrue(getter().properties)
