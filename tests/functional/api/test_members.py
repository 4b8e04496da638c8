"""Sharing an image with another project."""

from tests.functional.api import base


class MembersTest(base.ServerTestCase):
    def members_path(self, image):
        return '/v2/images/%s/members' % image['id']

    def test_share_accept_and_unshare(self):
        image = self.create_image(visibility='shared')
        path = self.members_path(image)
        image_path = '/v2/images/' + image['id']
        self.assertEqual(
            404, self.request('GET', image_path, base.OTHER).status_code
        )
        response = self.request(
            'POST', path, base.OWNER, json={'member': 'other-project'}
        )
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual('pending', response.json()['status'])
        self.assertEqual('other-project', response.json()['member_id'])
        self.assertEqual(
            409,
            self.request(
                'POST', path, base.OWNER, json={'member': 'other-project'}
            ).status_code,
        )
        # A pending member sees the image but not in its default list.
        self.assertEqual(
            200, self.request('GET', image_path, base.OTHER).status_code
        )
        member_path = path + '/other-project'
        self.assertEqual(
            403,
            self.request(
                'PUT', member_path, base.OWNER, json={'status': 'accepted'}
            ).status_code,
        )
        response = self.request(
            'PUT', member_path, base.OTHER, json={'status': 'accepted'}
        )
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual('accepted', response.json()['status'])
        listed = self.request('GET', '/v2/images', base.OTHER).json()
        self.assertIn(image['id'], [i['id'] for i in listed['images']])
        members = self.request('GET', path, base.OWNER).json()
        self.assertEqual('/v2/schemas/members', members['schema'])
        self.assertEqual(
            ['other-project'], [m['member_id'] for m in members['members']]
        )
        self.assertEqual(
            403, self.request('DELETE', member_path, base.OTHER).status_code
        )
        self.assertEqual(
            204, self.request('DELETE', member_path, base.OWNER).status_code
        )
        self.assertEqual(
            404, self.request('GET', image_path, base.OTHER).status_code
        )

    def test_private_image_has_no_members(self):
        image = self.create_image(visibility='private')
        response = self.request(
            'POST',
            self.members_path(image),
            base.OWNER,
            json={'member': 'other-project'},
        )
        self.assertEqual(403, response.status_code)

    def test_member_body_is_validated(self):
        image = self.create_image(visibility='shared')
        response = self.request(
            'POST', self.members_path(image), base.OWNER, json={'x': 1}
        )
        self.assertEqual(400, response.status_code)
