"""set_stores rewriting location URLs, against real databases."""

import sqlalchemy as sa

from glance.db import images
from glance.db import locations
from glance.db import models
from glance.db import session
from tests.functional.db import base

LEGACY = 's3://AKIA:se/cr@et@host/bucket/%d'
CLEAN = 's3://host/bucket/%d'
TABLE = models.ImageLocation.__table__


class SetStoresURLTests:
    def setUp(self):
        super().setUp()
        self.context = self.admin_context()
        self.image = images.create(self.context, {'owner': 'p1'})

    def add(self, n, metadata):
        return locations.add(
            self.context, self.image.id, LEGACY % n, metadata
        ).id

    def rows(self):
        """{id: (value, meta_data, updated_at)} of every location row."""
        with session.reader.using(self.context) as connection:
            found = connection.execute(
                sa.select(
                    TABLE.c.id,
                    TABLE.c.value,
                    TABLE.c.meta_data,
                    TABLE.c.updated_at,
                )
            )
            return {row.id: tuple(row[1:]) for row in found}

    def test_url_and_store_are_rewritten_together(self):
        missing = self.add(1, {})
        known = self.add(2, {'store': 'cloud', 'k': 1})
        before = self.rows()
        image_before = images.get(self.context, self.image.id)
        written = locations.set_stores(
            self.context,
            [
                (missing, {}, 'cloud', LEGACY % 1, CLEAN % 1),
                (
                    known,
                    {'store': 'cloud', 'k': 1},
                    'cloud',
                    LEGACY % 2,
                    CLEAN % 2,
                ),
            ],
        )
        self.assertEqual({missing, known}, written)
        after = self.rows()
        self.assertEqual(
            (CLEAN % 1, {'store': 'cloud'}, before[missing][2]),
            after[missing],
        )
        self.assertEqual(
            (CLEAN % 2, {'store': 'cloud', 'k': 1}, before[known][2]),
            after[known],
        )
        image_after = images.get(self.context, self.image.id)
        self.assertEqual(image_before.updated_at, image_after.updated_at)

    def test_a_url_changed_meanwhile_is_left_alone(self):
        location = self.add(1, {})
        locations.update(self.context, location, url='s3://other/b/1')
        before = self.rows()
        written = locations.set_stores(
            self.context, [(location, {}, 'cloud', LEGACY % 1, CLEAN % 1)]
        )
        self.assertEqual(set(), written)
        self.assertEqual(before, self.rows())

    def test_metadata_changed_meanwhile_blocks_the_url_rewrite(self):
        location = self.add(1, {'store': 'other'})
        before = self.rows()
        written = locations.set_stores(
            self.context, [(location, {}, 'cloud', LEGACY % 1, CLEAN % 1)]
        )
        self.assertEqual(set(), written)
        self.assertEqual(before, self.rows())

    def test_store_only_changes_keep_the_url(self):
        location = self.add(1, {})
        written = locations.set_stores(self.context, [(location, {}, 'cloud')])
        self.assertEqual({location}, written)
        self.assertEqual(
            (LEGACY % 1, {'store': 'cloud'}), self.rows()[location][:2]
        )


class TestSetStoresURLSQLite(SetStoresURLTests, base.DBTestCase):
    pass


class TestSetStoresURLMySQL(
    SetStoresURLTests, base.MySQLMixin, base.DBTestCase
):
    pass


class TestSetStoresURLPostgreSQL(
    SetStoresURLTests, base.PostgreSQLMixin, base.DBTestCase
):
    pass
