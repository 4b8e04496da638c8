"""glance.property_protection: rules files and what they allow."""

import os

import fixtures
import testtools

from glance import exception
from glance import property_protection as protection

RULES = """\
[^secret_.*]
create = admin
read = admin, Auditor
update = admin
delete = !

[^open_]
create = @
read = @
update = @
delete = @
"""


class RulesTest(testtools.TestCase):
    def load(self, text, rule_format='roles'):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'rules.conf')
        with open(path, 'w') as rules_file:
            rules_file.write(text)
        return protection.load(path, rule_format)

    def caller(self, *roles, passes=()):
        return protection.Caller(frozenset(roles), lambda r: r in passes)

    def test_roles_first_matching_section_and_unmatched_denied(self):
        rules = self.load(RULES)
        member, admin = self.caller('member'), self.caller('admin')
        self.assertTrue(rules.allows(admin, 'secret_a', 'create'))
        self.assertFalse(rules.allows(member, 'secret_a', 'create'))
        self.assertFalse(rules.allows(admin, 'secret_a', 'delete'))
        # Rule roles compare lower-cased, as upstream.
        self.assertTrue(
            rules.allows(self.caller('auditor'), 'secret_a', 'read')
        )
        self.assertTrue(rules.allows(member, 'open_x', 'update'))
        self.assertFalse(rules.allows(admin, 'other', 'read'))
        # glance's own properties are never protected.
        self.assertTrue(rules.allows(member, 'os_glance_x', 'delete'))

    def test_changes(self):
        rules = self.load(RULES)
        member = self.caller('member')
        stored = {'secret_a': 's', 'open_x': '1'}
        seen = rules.readable(member, stored)
        self.assertEqual({'open_x': '1'}, seen)
        kept = rules.apply_changes(member, stored, seen, {'open_x': '2'})
        self.assertEqual({'secret_a': 's', 'open_x': '2'}, kept)
        error = self.assertRaises(
            exception.ReservedProperty,
            rules.apply_changes,
            member,
            stored,
            seen,
            {'open_x': '1', 'secret_b': 'x'},
        )
        self.assertEqual("Attribute 'secret_b' is reserved.", str(error))

    def test_policies_format(self):
        rules = self.load(
            '[.*]\ncreate = can_create\nread = @\nupdate =\ndelete = !\n',
            'policies',
        )
        self.assertTrue(
            rules.allows(self.caller(passes={'can_create'}), 'p', 'create')
        )
        self.assertFalse(rules.allows(self.caller(), 'p', 'create'))
        self.assertFalse(rules.allows(self.caller(), 'p', 'update'))

    def test_bad_files(self):
        for text, rule_format, fragment in (
            ('[.*]\ncreate = @\n', 'roles', '[.*] read: missing'),
            (
                '[(]\n' + 'create=@\nread=@\nupdate=@\ndelete=@\n',
                'roles',
                'not a regular expression',
            ),
            (
                '[.*]\ncreate = @, !\nread=@\nupdate=@\ndelete=@\n',
                'roles',
                'exclude each other',
            ),
            (
                '[.*]\ncreate = a, b\nread=@\nupdate=@\ndelete=@\n',
                'policies',
                'one policy rule',
            ),
            ('not an ini file', 'roles', 'Cannot read'),
        ):
            error = self.assertRaises(
                protection.InvalidRules, self.load, text, rule_format
            )
            self.assertIn(fragment, str(error))
