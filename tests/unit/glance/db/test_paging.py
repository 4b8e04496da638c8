"""glance.db.paging: sort validation and the keyset condition's shape."""

import sqlalchemy as sa
import testtools

from glance import exception
from glance.db import models
from glance.db import paging

IMAGES = models.Image.__table__
ALLOWED = {'name', 'size', 'created_at', 'visibility', 'id'}


def order(sort_key=None, sort_dir=None):
    return paging.sort_order(IMAGES, sort_key, sort_dir, ALLOWED, 'created_at')


def rendered(pairs):
    return [(str(expr), ascending) for expr, ascending in pairs]


class TestSortOrder(testtools.TestCase):
    def test_default_is_created_at_desc_then_id(self):
        self.assertEqual(
            [('images.created_at', False), ('images.id', False)],
            rendered(order()),
        )

    def test_nullable_key_sorts_by_presence_first(self):
        keys = rendered(order('name', 'asc'))
        self.assertIn('CASE WHEN (images.name IS NULL)', keys[0][0])
        self.assertEqual(
            [('images.name', True), ('images.id', True)], keys[1:]
        )

    def test_enum_sorts_as_text(self):
        self.assertIn(
            'CAST(images.visibility', rendered(order('visibility'))[0][0]
        )

    def test_one_direction_per_key_and_id_not_repeated(self):
        keys = rendered(order(['id', 'created_at'], ['asc', 'desc']))
        self.assertEqual(
            [('images.id', True), ('images.created_at', False)], keys
        )

    def test_rejects_bad_input(self):
        self.assertRaises(exception.InvalidSortKey, order, 'owner')
        self.assertRaises(exception.Invalid, order, 'name', 'sideways')
        self.assertRaises(
            exception.Invalid, order, ['name', 'size', 'id'], ['asc', 'desc']
        )


class TestHelpers(testtools.TestCase):
    def test_equals_matches_null_for_none(self):
        self.assertEqual(
            'images.name IS NULL', str(paging.equals(IMAGES.c.name, None))
        )
        self.assertEqual(
            'images.name = :name_1', str(paging.equals(IMAGES.c.name, 'x'))
        )

    def test_as_list(self):
        self.assertEqual([], paging.as_list(None))
        self.assertEqual(['a'], paging.as_list('a'))
        self.assertEqual(['a', 'b'], paging.as_list(('a', 'b')))

    def test_live_excludes_soft_deleted(self):
        self.assertEqual('images.deleted = false', str(models.live(IMAGES)))
        self.assertIsInstance(models.live(IMAGES), sa.sql.ClauseElement)
