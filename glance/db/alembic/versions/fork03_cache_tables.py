"""Upstream's image cache tables (node_reference, cached_images).

Not used by this release: they complete upstream's 2024.1 schema, so that
upstream's glance-manage finds a database built here at its own head.
Databases adopted from upstream by earlier releases of this fork already
have them: a table that exists is left as it is.

Revision ID: fork03_cache_tables
Revises: fork02_metadefs
"""

import sqlalchemy as sa
from alembic import op

revision = 'fork03_cache_tables'
down_revision = 'fork02_metadefs'
branch_labels = None
depends_on = None

TABLE_OPTIONS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}
CACHE_ID = sa.BigInteger().with_variant(sa.Integer, 'sqlite')


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if 'node_reference' not in existing:
        _create_node_reference()
    if 'cached_images' not in existing:
        _create_cached_images()


def _create_node_reference():
    op.create_table(
        'node_reference',
        sa.Column('node_reference_id', CACHE_ID, primary_key=True),
        sa.Column('node_reference_url', sa.String(255), nullable=False),
        sa.UniqueConstraint(
            'node_reference_url', name='uq_node_reference_node_reference_url'
        ),
        **TABLE_OPTIONS,
    )


def _create_cached_images():
    op.create_table(
        'cached_images',
        sa.Column('id', CACHE_ID, primary_key=True),
        sa.Column('image_id', sa.String(36), nullable=False),
        sa.Column('last_accessed', sa.DateTime, nullable=False),
        sa.Column('last_modified', sa.DateTime, nullable=False),
        sa.Column('size', sa.BigInteger, nullable=False),
        sa.Column('hits', sa.Integer, nullable=False),
        sa.Column('checksum', sa.String(32)),
        sa.Column(
            'node_reference_id',
            CACHE_ID,
            sa.ForeignKey('node_reference.node_reference_id'),
            nullable=False,
        ),
        sa.UniqueConstraint(
            'image_id',
            'node_reference_id',
            name='ix_cached_images_image_id_node_reference_id',
        ),
        **TABLE_OPTIONS,
    )
