"""Who may see and change what, with the default policy."""

from tests.functional.api import base


class PermissionsTest(base.ServerTestCase):
    def test_private_image_is_invisible_to_others(self):
        image = self.create_image(visibility='private')
        path = '/v2/images/' + image['id']
        self.assertEqual(
            404, self.request('GET', path, base.OTHER).status_code
        )
        listed = self.request('GET', '/v2/images', base.OTHER).json()
        self.assertNotIn(image['id'], [i['id'] for i in listed['images']])
        self.assertEqual(
            200, self.request('GET', path, base.ADMIN).status_code
        )

    def test_public_image_visible_but_not_modifiable_by_others(self):
        image = self.create_image(headers=base.ADMIN, visibility='public')
        path = '/v2/images/' + image['id']
        self.assertEqual(
            200, self.request('GET', path, base.OTHER).status_code
        )
        response = self.patch(
            image['id'],
            [{'op': 'replace', 'path': '/name', 'value': 'mine'}],
            headers=base.OTHER,
        )
        self.assertEqual(403, response.status_code)
        self.assertEqual(
            403, self.request('DELETE', path, base.OTHER).status_code
        )
        response = self.request('PUT', path + '/tags/t', base.OTHER)
        self.assertEqual(403, response.status_code)

    def test_only_admins_publicize(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'visibility': 'public'}
        )
        self.assertEqual(403, response.status_code)
        image = self.create_image()
        response = self.patch(
            image['id'],
            [{'op': 'replace', 'path': '/visibility', 'value': 'public'}],
        )
        self.assertEqual(403, response.status_code)

    def test_owner_can_only_be_changed_by_admin(self):
        image = self.create_image()
        response = self.patch(
            image['id'],
            [{'op': 'replace', 'path': '/owner', 'value': 'someone'}],
        )
        self.assertEqual(403, response.status_code)

    def test_reader_cannot_create(self):
        response = self.request(
            'POST',
            '/v2/images',
            {'X-Project-Id': 'p', 'X-Roles': 'reader'},
            json={'name': 'x'},
        )
        self.assertEqual(403, response.status_code)

    def test_locations_hidden_and_refused_without_option(self):
        image = self.create_image(headers=base.ADMIN)
        self.assertNotIn('locations', image)
        response = self.add_location(
            image['id'], 'http://example.com/x', base.ADMIN
        )
        self.assertEqual(403, response.status_code)


class MultipleLocationsTest(base.ServerTestCase):
    server_args = {'options': {'show_multiple_locations': 'true'}}

    def test_only_admins_see_locations(self):
        image = self.create_image(visibility='shared')
        admin_view = self.request(
            'GET', '/v2/images/' + image['id'], base.ADMIN
        ).json()
        self.assertEqual([], admin_view['locations'])
        self.assertNotIn('locations', image)
