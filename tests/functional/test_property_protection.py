"""Property protections (roles and policies formats) on the real server."""

import html
import os
import shutil
import tempfile

import fixtures
import testtools

from tests.fixtures import server as server_fixtures
from tests.functional.api import base

ROLES_RULES = """\
[^x_admin_.*]
create = admin
read = admin
update = admin
delete = admin

[^x_ro_.*]
create = admin
read = admin, member
update = admin
delete = admin

[^x_keep$]
create = @
read = @
update = @
delete = !

[.*]
create = @
read = @
update = @
delete = @
"""

POLICY_RULES = """\
[^x_pol_.*]
create = context_is_admin
read = default
update = context_is_admin
delete = !

[.*]
create = @
read = @
update = @
delete = @
"""


def reserved(name):
    return "Attribute '%s' is reserved." % name


class ProtectionTestCase(base.ServerTestCase):
    rules = ''
    rule_format = 'roles'

    @classmethod
    def setUpClass(cls):
        cls.rules_dir = tempfile.mkdtemp()
        path = os.path.join(cls.rules_dir, 'property-protections.conf')
        with open(path, 'w') as rules_file:
            rules_file.write(cls.rules)
        cls.server_args = {
            'options': {
                'property_protection_file': path,
                'property_protection_rule_format': cls.rule_format,
            }
        }
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.rules_dir)

    def show(self, image_id, headers):
        response = self.request('GET', '/v2/images/' + image_id, headers)
        self.assertEqual(200, response.status_code, response.text)
        return response.json()

    def assertReserved(self, response, name):
        self.assertEqual(403, response.status_code, response.text)
        self.assertIn(reserved(name), html.unescape(response.text))

    def admin_image(self, **properties):
        """An image of base.OWNER's project that an admin created."""
        return self.create_image(
            base.ADMIN, owner='owner-project', **properties
        )


class RolesFormatTest(ProtectionTestCase):
    rules = ROLES_RULES

    def test_create_needs_create_permission(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'x_admin_a': '1'}
        )
        self.assertReserved(response, 'x_admin_a')
        self.create_image(base.OWNER, x_free='1', x_keep='1')

    def test_read_hides_properties(self):
        image = self.admin_image(x_admin_a='secret', x_ro_level='2')
        seen = self.show(image['id'], base.OWNER)
        self.assertNotIn('x_admin_a', seen)
        self.assertEqual('2', seen['x_ro_level'])
        listed = self.request('GET', '/v2/images', base.OWNER).json()
        mine = [i for i in listed['images'] if i['id'] == image['id']]
        self.assertNotIn('x_admin_a', mine[0])
        self.assertEqual(
            'secret', self.show(image['id'], base.ADMIN)['x_admin_a']
        )

    def test_update_and_delete_need_their_permissions(self):
        image = self.admin_image(
            x_admin_a='secret', x_ro_level='2', x_keep='k'
        )
        for operation, name in (
            (
                {'op': 'replace', 'path': '/x_ro_level', 'value': '3'},
                'x_ro_level',
            ),
            ({'op': 'remove', 'path': '/x_keep'}, 'x_keep'),
            ({'op': 'add', 'path': '/x_admin_b', 'value': '1'}, 'x_admin_b'),
        ):
            self.assertReserved(self.patch(image['id'], [operation]), name)
        # Allowed changes keep what the caller cannot see.
        response = self.patch(
            image['id'],
            [{'op': 'add', 'path': '/x_free', 'value': 'v'}],
        )
        self.assertEqual(200, response.status_code, response.text)
        self.assertNotIn('x_admin_a', response.json())
        as_admin = self.show(image['id'], base.ADMIN)
        self.assertEqual('secret', as_admin['x_admin_a'])
        self.assertEqual('v', as_admin['x_free'])
        response = self.patch(
            image['id'],
            [{'op': 'replace', 'path': '/x_ro_level', 'value': '3'}],
            headers=base.ADMIN,
        )
        self.assertEqual(200, response.status_code, response.text)


class PoliciesFormatTest(ProtectionTestCase):
    rules = POLICY_RULES
    rule_format = 'policies'

    def test_rules_are_policy_rules(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'x_pol_a': '1'}
        )
        self.assertReserved(response, 'x_pol_a')
        image = self.admin_image(x_pol_a='1')
        self.assertEqual('1', self.show(image['id'], base.OWNER)['x_pol_a'])
        self.assertReserved(
            self.patch(
                image['id'],
                [{'op': 'replace', 'path': '/x_pol_a', 'value': '2'}],
            ),
            'x_pol_a',
        )
        self.assertReserved(
            self.patch(
                image['id'],
                [{'op': 'remove', 'path': '/x_pol_a'}],
                headers=base.ADMIN,
            ),
            'x_pol_a',
        )


class BadRulesFileTest(testtools.TestCase):
    def test_missing_operation_stops_start_up(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        rules = os.path.join(tmp, 'rules.conf')
        with open(rules, 'w') as rules_file:
            rules_file.write('[.*]\ncreate = @\nread = @\n')
        result = server_fixtures.run_command(
            'glance.cmd.api',
            server_fixtures.MINIMAL
            + '[DEFAULT]\nproperty_protection_file = %s\n' % rules,
            tmp,
        )
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertIn(
            'Property protection file %s, [.*] update: missing' % rules,
            result.stderr,
        )
