"""Metadata definition tables (the metadefs API), as upstream has them.

A database adopted from upstream Glance before this revision existed was
stamped ``fork01`` with upstream's metadef tables already in it (adoption
leaves unknown tables alone): those are kept, only missing tables are
created. Frozen, like fork01.

Revision ID: fork02_metadefs
Revises: fork01
"""

import sqlalchemy as sa
from alembic import op

revision = 'fork02_metadefs'
down_revision = 'fork01'
branch_labels = None
depends_on = None

TABLE_OPTIONS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}


def _timestamps():
    return [
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime),
    ]


def _namespace_fk(**kwargs):
    return sa.Column(
        'namespace_id',
        sa.Integer,
        sa.ForeignKey('metadef_namespaces.id'),
        nullable=False,
        **kwargs,
    )


def _named_child(table, *columns):
    """A table of named rows inside a namespace (objects, properties...)."""
    op.create_table(
        table,
        sa.Column('id', sa.Integer, primary_key=True),
        _namespace_fk(),
        sa.Column('name', sa.String(80), nullable=False),
        *columns,
        *_timestamps(),
        sa.UniqueConstraint(
            'namespace_id', 'name', name='uq_%s_namespace_id_name' % table
        ),
        **TABLE_OPTIONS,
    )
    op.create_index('ix_%s_name' % table, table, ['name'])


def _create_namespaces():
    op.create_table(
        'metadef_namespaces',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('namespace', sa.String(80), nullable=False),
        sa.Column('display_name', sa.String(80)),
        sa.Column('description', sa.Text),
        sa.Column('visibility', sa.String(32)),
        sa.Column('protected', sa.Boolean),
        sa.Column('owner', sa.String(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint(
            'namespace', name='uq_metadef_namespaces_namespace'
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(
        'ix_metadef_namespaces_owner', 'metadef_namespaces', ['owner']
    )


def _create_resource_types():
    op.create_table(
        'metadef_resource_types',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('name', sa.String(80), nullable=False),
        sa.Column('protected', sa.Boolean, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('name', name='uq_metadef_resource_types_name'),
        **TABLE_OPTIONS,
    )


def _create_associations():
    op.create_table(
        'metadef_namespace_resource_types',
        sa.Column(
            'resource_type_id',
            sa.Integer,
            sa.ForeignKey('metadef_resource_types.id'),
            primary_key=True,
        ),
        _namespace_fk(primary_key=True),
        sa.Column('properties_target', sa.String(80)),
        sa.Column('prefix', sa.String(80)),
        *_timestamps(),
        **TABLE_OPTIONS,
    )
    op.create_index(
        'ix_metadef_ns_res_types_namespace_id',
        'metadef_namespace_resource_types',
        ['namespace_id'],
    )


# In dependency order: namespaces and resource types before what
# references them.
TABLES = (
    ('metadef_namespaces', _create_namespaces),
    ('metadef_resource_types', _create_resource_types),
    ('metadef_namespace_resource_types', _create_associations),
    (
        'metadef_objects',
        lambda: _named_child(
            'metadef_objects',
            sa.Column('description', sa.Text),
            sa.Column('required', sa.Text),
            sa.Column('json_schema', sa.Text, nullable=False),
        ),
    ),
    (
        'metadef_properties',
        lambda: _named_child(
            'metadef_properties',
            sa.Column('json_schema', sa.Text, nullable=False),
        ),
    ),
    ('metadef_tags', lambda: _named_child('metadef_tags')),
)


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table, create in TABLES:
        if table not in existing:
            create()
