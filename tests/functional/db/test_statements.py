"""Listing a large page costs a constant number of SQL statements."""

import datetime
import uuid

import sqlalchemy as sa

from glance.db import images
from glance.db import models
from glance.db import session
from tests.functional.db import base

PAGE = 1000


class StatementCountTests:
    def _insert_images(self, count):
        now = datetime.datetime(2024, 1, 1)
        stamps = {'created_at': now, 'updated_at': now, 'deleted': False}
        ids = [str(uuid.uuid4()) for _ in range(count)]
        rows = {
            models.Image: [
                dict(
                    stamps,
                    id=i,
                    status='active',
                    owner='p1',
                    min_disk=0,
                    min_ram=0,
                    protected=False,
                    os_hidden=False,
                    visibility='private',
                )
                for i in ids
            ],
            models.ImageProperty: [
                dict(stamps, image_id=i, name=name, value='v')
                for i in ids
                for name in ('a', 'b')
            ],
            models.ImageTag: [
                dict(stamps, image_id=i, value='t') for i in ids
            ],
            models.ImageLocation: [
                dict(
                    stamps,
                    image_id=i,
                    value='file:///x/' + i,
                    meta_data={},
                    status='active',
                )
                for i in ids
            ],
        }
        with session.writer.using(self.admin_context()) as connection:
            for model, values in rows.items():
                connection.execute(sa.insert(model.__table__), values)

    def test_list_of_1000_images_is_four_statements(self):
        self._insert_images(PAGE)
        statements = []

        def count(conn, cursor, statement, parameters, context, many):
            # The session issues its own BEGIN on SQLite: not a query.
            if not statement.startswith('BEGIN'):
                statements.append(statement[:60])

        engine = session.get_engine()
        sa.event.listen(engine, 'before_cursor_execute', count)
        self.addCleanup(
            sa.event.remove, engine, 'before_cursor_execute', count
        )
        found = images.get_all(self.admin_context(), limit=PAGE)
        self.assertEqual(PAGE, len(found))
        self.assertTrue(
            all(
                image.properties == {'a': 'v', 'b': 'v'}
                and image.tags == ['t']
                and len(image.locations) == 1
                for image in found
            )
        )
        # images, then properties, tags and locations of the whole page.
        self.assertEqual(4, len(statements), statements)


class TestStatementCountSQLite(StatementCountTests, base.DBTestCase):
    pass


class TestStatementCountMySQL(
    StatementCountTests, base.MySQLMixin, base.DBTestCase
):
    pass


class TestStatementCountPostgreSQL(
    StatementCountTests, base.PostgreSQLMixin, base.DBTestCase
):
    pass
