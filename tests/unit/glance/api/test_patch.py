import testtools

from glance import domain
from glance import exception
from glance.api.v2 import patch


class ParseTest(testtools.TestCase):
    def test_2_1_operations(self):
        ops = patch.parse(
            [
                {'op': 'replace', 'path': '/name', 'value': 'n'},
                {'op': 'remove', 'path': '/a~1b~0c'},
                {'op': 'add', 'path': '/locations/-', 'value': {}},
            ]
        )
        self.assertEqual(
            [
                patch.Operation('replace', ('name',), 'n'),
                patch.Operation('remove', ('a/b~c',), None),
                patch.Operation('add', ('locations', '-'), {}),
            ],
            ops,
        )

    def test_2_0_operations(self):
        ops = patch.parse(
            [{'replace': '/name', 'value': 'n'}, {'remove': '/x'}],
            patch.MEDIA_TYPE_2_0,
        )
        self.assertEqual(
            [
                patch.Operation('replace', ('name',), 'n'),
                patch.Operation('remove', ('x',), None),
            ],
            ops,
        )

    def test_malformed(self):
        bad_2_1 = [
            {'op': 'replace', 'path': '/name', 'value': 1},
            [{'op': 'copy', 'path': '/name', 'value': 1}],
            [{'op': 'replace', 'path': 'name', 'value': 1}],
            [{'op': 'replace', 'path': '/', 'value': 1}],
            [{'op': 'replace', 'path': '/a/b', 'value': 1}],
            [{'op': 'replace', 'path': '/locations/x', 'value': 1}],
            [{'op': 'replace', 'path': '/locations/0/url', 'value': 1}],
            [{'op': 'replace', 'path': '/a~2', 'value': 1}],
            [{'op': 'add', 'path': '/name'}],
            ['not an object'],
        ]
        for document in bad_2_1:
            self.assertRaises(exception.Invalid, patch.parse, document)
        self.assertRaises(
            exception.Invalid,
            patch.parse,
            [{'add': '/a', 'remove': '/b', 'value': 1}],
            patch.MEDIA_TYPE_2_0,
        )


class ApplyTest(testtools.TestCase):
    def image(self):
        return domain.Image(id='i', name='n', properties={'p': 'v'})

    def apply(self, image, *operations):
        return patch.apply(image, patch.parse(list(operations)))

    def test_columns_properties_and_tags(self):
        image = self.image()
        self.apply(
            image,
            {'op': 'replace', 'path': '/name', 'value': 'm'},
            {'op': 'add', 'path': '/q', 'value': 'w'},
            {'op': 'add', 'path': '/p', 'value': 'v2'},
            {'op': 'replace', 'path': '/tags', 'value': ['a', 'a', 'b']},
        )
        self.assertEqual('m', image.name)
        self.assertEqual({'p': 'v2', 'q': 'w'}, image.properties)
        self.assertEqual(['a', 'b'], image.tags)

    def test_remove_property(self):
        image = self.image()
        self.apply(image, {'op': 'remove', 'path': '/p'})
        self.assertEqual({}, image.properties)

    def test_missing_property_conflicts(self):
        for op in (
            {'op': 'remove', 'path': '/zz'},
            {'op': 'replace', 'path': '/zz', 'value': 'x'},
        ):
            self.assertRaises(exception.Conflict, self.apply, self.image(), op)

    def test_read_only_reserved_and_unremovable(self):
        for name in (
            'status',
            'size',
            'checksum',
            'id',
            'created_at',
            'self',
            'stores',
            'direct_url',
        ):
            self.assertRaises(
                exception.Forbidden,
                self.apply,
                self.image(),
                {'op': 'replace', 'path': '/' + name, 'value': 'x'},
            )
        for name in ('deleted', 'location', 'os_glance_import_task'):
            self.assertRaises(
                exception.ReservedProperty,
                self.apply,
                self.image(),
                {'op': 'add', 'path': '/' + name, 'value': 'x'},
            )
        self.assertRaises(
            exception.Forbidden,
            self.apply,
            self.image(),
            {'op': 'remove', 'path': '/name'},
        )

    def test_location_operations_are_returned_untouched(self):
        image = self.image()
        remaining = self.apply(image, {'op': 'remove', 'path': '/locations/0'})
        self.assertEqual(
            [patch.Operation('remove', ('locations', '0'))], remaining
        )
        self.assertEqual(self.image(), image)
