"""glance.db.migration on every engine: from empty, adoption, refusal."""

import datetime

import sqlalchemy as sa
from alembic import autogenerate
from alembic import command
from alembic.runtime import migration as alembic_migration

from glance import exception
from glance.db import migration
from glance.db import models
from tests.functional.db import base

NOW = datetime.datetime(2024, 3, 1, 12, 0, 0)
HEAD = migration.heads()

# Tables as upstream Glance 2024.1 leaves them (the core ones plus a
# metadef and the cache tables, which we must leave alone). {dt} and
# {visibility} are filled per engine.
UPSTREAM_DDL = [
    """CREATE TABLE images (
        id VARCHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(255),
        size BIGINT, status VARCHAR(30) NOT NULL, checksum VARCHAR(32),
        min_disk INTEGER NOT NULL, min_ram INTEGER NOT NULL,
        protected BOOLEAN NOT NULL DEFAULT false,
        owner VARCHAR(255), disk_format VARCHAR(20),
        container_format VARCHAR(20), virtual_size BIGINT,
        visibility {visibility} NOT NULL DEFAULT 'shared',
        os_hidden BOOLEAN NOT NULL DEFAULT false,
        os_hash_algo VARCHAR(64), os_hash_value VARCHAR(128),
        created_at {dt} NOT NULL, updated_at {dt}, deleted_at {dt},
        deleted BOOLEAN NOT NULL)""",
    'CREATE INDEX checksum_image_idx ON images (checksum)',
    'CREATE INDEX ix_images_deleted ON images (deleted)',
    'CREATE INDEX owner_image_idx ON images (owner)',
    'CREATE INDEX visibility_image_idx ON images (visibility)',
    """CREATE TABLE image_properties (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        image_id VARCHAR(36) NOT NULL REFERENCES images (id),
        name VARCHAR(255) NOT NULL, value TEXT,
        created_at {dt} NOT NULL, updated_at {dt}, deleted_at {dt},
        deleted BOOLEAN NOT NULL,
        CONSTRAINT ix_image_properties_image_id_name
            UNIQUE (image_id, name))""",
    """CREATE TABLE image_tags (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        image_id VARCHAR(36) NOT NULL REFERENCES images (id),
        value VARCHAR(255) NOT NULL,
        created_at {dt} NOT NULL, updated_at {dt}, deleted_at {dt},
        deleted BOOLEAN NOT NULL)""",
    """CREATE TABLE image_locations (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        image_id VARCHAR(36) NOT NULL REFERENCES images (id),
        value TEXT NOT NULL, meta_data TEXT,
        status VARCHAR(30) NOT NULL DEFAULT 'active',
        created_at {dt} NOT NULL, updated_at {dt}, deleted_at {dt},
        deleted BOOLEAN NOT NULL)""",
    """CREATE TABLE image_members (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        image_id VARCHAR(36) NOT NULL REFERENCES images (id),
        member VARCHAR(255) NOT NULL, can_share BOOLEAN NOT NULL,
        status VARCHAR(20) NOT NULL DEFAULT 'pending',
        created_at {dt} NOT NULL, updated_at {dt}, deleted_at {dt},
        deleted BOOLEAN NOT NULL,
        CONSTRAINT image_members_image_id_member_deleted_at_key
            UNIQUE (image_id, member, deleted_at))""",
    """CREATE TABLE tasks (
        id VARCHAR(36) NOT NULL PRIMARY KEY, type VARCHAR(30) NOT NULL,
        status VARCHAR(30) NOT NULL, owner VARCHAR(255) NOT NULL,
        expires_at {dt}, {task_ids}
        created_at {dt} NOT NULL, updated_at {dt}, deleted_at {dt},
        deleted BOOLEAN NOT NULL)""",
    """CREATE TABLE task_info (
        task_id VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES tasks (id),
        input TEXT, result TEXT, message TEXT)""",
    'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)',
]
# Upstream's metadef tables, created by its liberty revision.
UPSTREAM_METADEF_DDL = [
    """CREATE TABLE metadef_namespaces (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        namespace VARCHAR(80) NOT NULL, display_name VARCHAR(80),
        description TEXT, visibility VARCHAR(32), protected BOOLEAN,
        owner VARCHAR(255) NOT NULL,
        created_at {dt} NOT NULL, updated_at {dt},
        CONSTRAINT uq_metadef_namespaces_namespace UNIQUE (namespace))""",
    'CREATE INDEX ix_metadef_namespaces_owner ON metadef_namespaces (owner)',
    """CREATE TABLE metadef_resource_types (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        name VARCHAR(80) NOT NULL, protected BOOLEAN NOT NULL,
        created_at {dt} NOT NULL, updated_at {dt},
        CONSTRAINT uq_metadef_resource_types_name UNIQUE (name))""",
    """CREATE TABLE metadef_namespace_resource_types (
        resource_type_id INTEGER NOT NULL
            REFERENCES metadef_resource_types (id),
        namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
        properties_target VARCHAR(80), prefix VARCHAR(80),
        created_at {dt} NOT NULL, updated_at {dt},
        PRIMARY KEY (resource_type_id, namespace_id))""",
    'CREATE INDEX ix_metadef_ns_res_types_namespace_id ON '
    'metadef_namespace_resource_types (namespace_id)',
    """CREATE TABLE metadef_objects (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
        name VARCHAR(80) NOT NULL, description TEXT, required TEXT,
        json_schema TEXT NOT NULL,
        created_at {dt} NOT NULL, updated_at {dt},
        CONSTRAINT uq_metadef_objects_namespace_id_name
            UNIQUE (namespace_id, name))""",
    'CREATE INDEX ix_metadef_objects_name ON metadef_objects (name)',
    """CREATE TABLE metadef_properties (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
        name VARCHAR(80) NOT NULL, json_schema TEXT NOT NULL,
        created_at {dt} NOT NULL, updated_at {dt},
        CONSTRAINT uq_metadef_properties_namespace_id_name
            UNIQUE (namespace_id, name))""",
    'CREATE INDEX ix_metadef_properties_name ON metadef_properties (name)',
    """CREATE TABLE metadef_tags (
        id INTEGER NOT NULL PRIMARY KEY {autoinc},
        namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
        name VARCHAR(80) NOT NULL,
        created_at {dt} NOT NULL, updated_at {dt},
        CONSTRAINT uq_metadef_tags_namespace_id_name
            UNIQUE (namespace_id, name))""",
    'CREATE INDEX ix_metadef_tags_name ON metadef_tags (name)',
]
# Upstream's image cache tables (2024.1).
UPSTREAM_OTHER_DDL = [
    """CREATE TABLE node_reference (
        node_reference_id {bigid} NOT NULL PRIMARY KEY {autoinc},
        node_reference_url VARCHAR(255) NOT NULL,
        CONSTRAINT uq_node_reference_node_reference_url
            UNIQUE (node_reference_url))""",
    """CREATE TABLE cached_images (
        id {bigid} NOT NULL PRIMARY KEY {autoinc},
        image_id VARCHAR(36) NOT NULL, last_accessed {dt} NOT NULL,
        last_modified {dt} NOT NULL, size BIGINT NOT NULL,
        hits INTEGER NOT NULL, checksum VARCHAR(32),
        node_reference_id {bigid} NOT NULL
            REFERENCES node_reference (node_reference_id),
        CONSTRAINT ix_cached_images_image_id_node_reference_id
            UNIQUE (image_id, node_reference_id))""",
]
TASK_ID_COLUMNS = (
    'image_id VARCHAR(36), request_id VARCHAR(64), user_id VARCHAR(64),'
)
ENGINE_WORDS = {
    'sqlite': {
        'dt': 'DATETIME',
        'visibility': 'VARCHAR(9)',
        'autoinc': '',
        'bigid': 'INTEGER',
    },
    'mysql': {
        'dt': 'DATETIME',
        'visibility': "ENUM('private','public','shared','community')",
        'autoinc': 'AUTO_INCREMENT',
        'bigid': 'BIGINT',
    },
    'postgresql': {
        'dt': 'TIMESTAMP WITHOUT TIME ZONE',
        'visibility': 'image_visibility',
        'autoinc': '',
        'bigid': 'BIGSERIAL',
    },
}
PG_ENUM = (
    'CREATE TYPE image_visibility AS ENUM '
    "('private', 'public', 'shared', 'community')"
)


def sample_rows():
    """Rows an upstream deployment holds, keyed by table."""
    times = {'created_at': NOW, 'updated_at': NOW}
    stamps = dict(times, deleted=False)
    return {
        'images': [
            dict(
                stamps,
                id='11111111-1111-1111-1111-111111111111',
                name='cirros',
                size=12345,
                status='active',
                checksum='c' * 32,
                min_disk=0,
                min_ram=0,
                protected=False,
                owner='p1',
                disk_format='qcow2',
                container_format='bare',
                visibility='public',
                os_hidden=False,
                os_hash_algo='sha512',
                os_hash_value='d' * 128,
            )
        ],
        'image_properties': [
            dict(
                stamps,
                id=7,
                image_id='11111111-1111-1111-1111-111111111111',
                name='hw_disk_bus',
                value='scsi',
            )
        ],
        'image_tags': [
            dict(
                stamps,
                id=3,
                image_id='11111111-1111-1111-1111-111111111111',
                value='base',
            )
        ],
        'image_locations': [
            dict(
                stamps,
                id=5,
                image_id='11111111-1111-1111-1111-111111111111',
                value='file:///var/lib/glance/images/1111',
                meta_data='{"store": "fast"}',
                status='active',
            )
        ],
        'image_members': [
            dict(
                stamps,
                id=2,
                image_id='11111111-1111-1111-1111-111111111111',
                member='p2',
                can_share=False,
                status='accepted',
            )
        ],
        'metadef_namespaces': [
            dict(
                times,
                id=1,
                namespace='OS::Compute::Quota',
                display_name='Flavor Quota',
                description=None,
                visibility='public',
                protected=True,
                owner='admin',
            )
        ],
        'metadef_resource_types': [
            dict(times, id=4, name='OS::Nova::Flavor', protected=True)
        ],
        'metadef_namespace_resource_types': [
            dict(
                times,
                resource_type_id=4,
                namespace_id=1,
                prefix='quota:',
                properties_target=None,
            )
        ],
        'metadef_objects': [
            dict(
                times,
                id=6,
                namespace_id=1,
                name='CPU Limits',
                description=None,
                required='[]',
                json_schema='{"cpu_period": {"type": "integer", '
                '"title": "Period"}}',
            )
        ],
        'metadef_properties': [
            dict(
                times,
                id=8,
                namespace_id=1,
                name='disk_iops',
                json_schema='{"type": "integer", "title": "IOPS"}',
            )
        ],
        'metadef_tags': [dict(times, id=9, namespace_id=1, name='quota')],
    }


class MigrationTests:
    SYNC = False

    def setUp(self):
        super().setUp()
        self.engine = sa.create_engine(self.database.url)
        self.addCleanup(self.engine.dispose)
        self.addCleanup(self._drop_everything)

    def _drop_everything(self):
        metadata = sa.MetaData()
        metadata.reflect(self.engine)
        metadata.drop_all(self.engine)
        if self.engine.dialect.name == 'postgresql':
            with self.engine.begin() as connection:
                connection.execute(
                    sa.text('DROP TYPE IF EXISTS image_visibility')
                )

    def _build_upstream(self, revisions, with_task_ids=True):
        words = dict(
            ENGINE_WORDS[self.BACKEND],
            task_ids=TASK_ID_COLUMNS if with_task_ids else '',
        )
        with self.engine.begin() as connection:
            if self.BACKEND == 'postgresql':
                connection.execute(sa.text(PG_ENUM))
            for ddl in (
                UPSTREAM_DDL + UPSTREAM_METADEF_DDL + UPSTREAM_OTHER_DDL
            ):
                connection.execute(sa.text(ddl.format(**words)))
            self._insert_rows(connection, sample_rows())
            for revision in revisions:
                connection.execute(
                    sa.text('INSERT INTO alembic_version VALUES (:v)'),
                    {'v': revision},
                )

    def _insert_rows(self, connection, rows_by_table):
        metadata = sa.MetaData()
        metadata.reflect(connection)
        for table, rows in rows_by_table.items():
            connection.execute(metadata.tables[table].insert(), rows)

    def _dump(self):
        """Every row of every table, to compare before and after."""
        metadata = sa.MetaData()
        metadata.reflect(self.engine)
        with self.engine.connect() as connection:
            return {
                name: sorted(
                    tuple(sorted(row._mapping.items()))
                    for row in connection.execute(table.select())
                )
                for name, table in metadata.tables.items()
            }

    def _schema_differences(self):
        with self.engine.connect() as connection:
            context = alembic_migration.MigrationContext.configure(
                connection, opts={'compare_type': True}
            )
            return [
                diff
                for diff in autogenerate.compare_metadata(
                    context, models.BASE.metadata
                )
                if not _is_foreign_table(diff)
            ]

    def test_sync_from_empty_reaches_head_matching_models(self):
        self.assertIsNone(migration.version(self.conf))
        self.assertFalse(migration.sync(self.conf).up_to_date)
        self.assertEqual(HEAD, migration.version(self.conf))
        self.assertEqual([], self._schema_differences())
        # Every table of upstream's head: upstream's glance-manage may
        # take the database as it is.
        self.assertEqual(
            migration.UPSTREAM_HEAD, migration.upstream_version(self.conf)
        )
        self.assertTrue(migration.sync(self.conf).up_to_date)
        self.assertEqual(HEAD, migration.version(self.conf))

    def test_adopts_upstream_2024_1_without_changing_rows(self):
        self._build_upstream(['2024_1_contract01'])
        before = self._dump()
        migration.sync(self.conf)
        self.assertEqual(HEAD, migration.version(self.conf))
        after = self._dump()
        # Ours recorded beside upstream's row, which stays as it was.
        self.assertEqual(
            [(('version_num', HEAD),)], after.pop(migration.OUR_VERSION_TABLE)
        )
        self.assertEqual(before, after)
        self.assertEqual([], self._schema_differences())

    def test_adopted_before_metadefs_keeps_upstream_metadef_rows(self):
        # Adopted by a release that did not model metadefs nor the cache:
        # its fork01 row in alembic_version, upstream's metadef tables
        # left in place.
        with self.engine.begin() as connection:
            command.upgrade(migration._alembic_config(connection), 'fork01')
            connection.execute(
                sa.text('DROP TABLE %s' % migration.OUR_VERSION_TABLE)
            )
            connection.execute(
                sa.text(
                    'CREATE TABLE alembic_version '
                    '(version_num VARCHAR(32) NOT NULL)'
                )
            )
            connection.execute(
                sa.text("INSERT INTO alembic_version VALUES ('fork01')")
            )
            words = ENGINE_WORDS[self.BACKEND]
            for ddl in UPSTREAM_METADEF_DDL:
                connection.execute(sa.text(ddl.format(**words)))
            self._insert_rows(
                connection,
                {
                    table: rows
                    for table, rows in sample_rows().items()
                    if table.startswith('metadef_')
                },
            )
        before = self._dump()
        self.assertEqual('fork01', migration.version(self.conf))
        self.assertTrue(migration.status(self.conf).expand)
        migration.sync(self.conf)
        self.assertEqual(HEAD, migration.version(self.conf))
        self.assertEqual(
            migration.UPSTREAM_HEAD, migration.upstream_version(self.conf)
        )
        after = self._dump()
        for table, rows in before.items():
            if table != 'alembic_version':
                self.assertEqual(rows, after[table], table)
        self.assertEqual([], self._schema_differences())

    def test_adopts_pre_wallaby_adding_task_columns(self):
        self._build_upstream(
            ['ussuri_expand01', 'ussuri_contract01'], with_task_ids=False
        )
        before = self._dump()
        migration.sync(self.conf)
        self.assertEqual([], self._schema_differences())
        after = self._dump()
        for table in ('images', 'image_locations', 'metadef_namespaces'):
            self.assertEqual(before[table], after[table])

    def test_renames_pre_train_backend_key(self):
        self._build_upstream(['rocky_expand02', 'rocky_contract02'])
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    'UPDATE image_locations SET meta_data = '
                    '\'{"backend": "fast"}\''
                )
            )
        migration.sync(self.conf)
        with self.engine.connect() as connection:
            stored = connection.execute(
                sa.text('SELECT meta_data FROM image_locations')
            ).scalar_one()
        self.assertEqual('{"store": "fast"}', stored)

    def test_unknown_revision_is_refused_without_change(self):
        self._build_upstream(['2099_1_expand07'])
        before = self._dump()
        error = self.assertRaises(
            exception.UnknownDatabaseState, migration.sync, self.conf
        )
        self.assertIn('2099_1_expand07', str(error))
        self.assertEqual(before, self._dump())

    def test_unversioned_partial_schema_is_refused_without_change(self):
        with self.engine.begin() as connection:
            connection.execute(
                sa.text('CREATE TABLE images (id VARCHAR(36) PRIMARY KEY)')
            )
        error = self.assertRaises(
            exception.UnknownDatabaseState, migration.sync, self.conf
        )
        self.assertIn('images.status', str(error))
        self.assertEqual(
            {'images'}, set(sa.inspect(self.engine).get_table_names())
        )


def _is_foreign_table(diff):
    """Tables we do not model (the version tables, upstream's extras)."""
    return diff[0] == 'remove_table' or (
        diff[0] in ('remove_index', 'remove_column')
        and diff[1].table.name not in models.BASE.metadata.tables
    )


class TestMigrationSQLite(MigrationTests, base.DBTestCase):
    pass


class TestMigrationMySQL(MigrationTests, base.MySQLMixin, base.DBTestCase):
    pass


class TestMigrationPostgreSQL(
    MigrationTests, base.PostgreSQLMixin, base.DBTestCase
):
    pass
