"""Baseline: the whole image schema, created from an empty database.

Frozen on purpose: later schema changes go into new revisions, so this
file must not follow glance/db/models.py. Databases last migrated by
upstream Glance are adopted by glance.db.migration and stamped instead.

Revision ID: fork01
Revises: none
"""

import sqlalchemy as sa
from alembic import op

revision = 'fork01'
down_revision = None
branch_labels = None
depends_on = None

TABLE_OPTIONS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}


def _timestamps():
    return [
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Boolean, nullable=False),
    ]


def _image_fk():
    return sa.Column(
        'image_id', sa.String(36), sa.ForeignKey('images.id'), nullable=False
    )


def _create_images():
    visibility = sa.Enum(
        'private', 'public', 'shared', 'community', name='image_visibility'
    )
    op.create_table(
        'images',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255)),
        sa.Column('disk_format', sa.String(20)),
        sa.Column('container_format', sa.String(20)),
        sa.Column('size', sa.BigInteger),
        sa.Column('virtual_size', sa.BigInteger),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column(
            'visibility', visibility, nullable=False, server_default='shared'
        ),
        sa.Column('checksum', sa.String(32)),
        sa.Column('os_hash_algo', sa.String(64)),
        sa.Column('os_hash_value', sa.String(128)),
        sa.Column('min_disk', sa.Integer, nullable=False),
        sa.Column('min_ram', sa.Integer, nullable=False),
        sa.Column('owner', sa.String(255)),
        sa.Column(
            'protected',
            sa.Boolean,
            nullable=False,
            server_default=sa.false(),
        ),
        sa.Column(
            'os_hidden',
            sa.Boolean,
            nullable=False,
            server_default=sa.false(),
        ),
        *_timestamps(),
        **TABLE_OPTIONS,
    )
    for name, column in (
        ('checksum_image_idx', 'checksum'),
        ('visibility_image_idx', 'visibility'),
        ('ix_images_deleted', 'deleted'),
        ('owner_image_idx', 'owner'),
        ('created_at_image_idx', 'created_at'),
        ('updated_at_image_idx', 'updated_at'),
        ('os_hidden_image_idx', 'os_hidden'),
        ('os_hash_value_image_idx', 'os_hash_value'),
    ):
        op.create_index(name, 'images', [column])


def _create_image_children():
    op.create_table(
        'image_properties',
        sa.Column('id', sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('value', sa.Text),
        *_timestamps(),
        sa.UniqueConstraint(
            'image_id', 'name', name='ix_image_properties_image_id_name'
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(
        'ix_image_properties_image_id', 'image_properties', ['image_id']
    )
    op.create_index(
        'ix_image_properties_deleted', 'image_properties', ['deleted']
    )
    op.create_table(
        'image_tags',
        sa.Column('id', sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column('value', sa.String(255), nullable=False),
        *_timestamps(),
        **TABLE_OPTIONS,
    )
    op.create_index('ix_image_tags_image_id', 'image_tags', ['image_id'])
    op.create_index(
        'ix_image_tags_image_id_tag_value', 'image_tags', ['image_id', 'value']
    )
    op.create_table(
        'image_locations',
        sa.Column('id', sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column('value', sa.Text, nullable=False),
        sa.Column('meta_data', sa.Text),
        sa.Column(
            'status', sa.String(30), nullable=False, server_default='active'
        ),
        *_timestamps(),
        **TABLE_OPTIONS,
    )
    op.create_index(
        'ix_image_locations_image_id', 'image_locations', ['image_id']
    )
    op.create_index(
        'ix_image_locations_deleted', 'image_locations', ['deleted']
    )
    op.create_table(
        'image_members',
        sa.Column('id', sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column('member', sa.String(255), nullable=False),
        sa.Column('can_share', sa.Boolean, nullable=False),
        sa.Column(
            'status', sa.String(20), nullable=False, server_default='pending'
        ),
        *_timestamps(),
        sa.UniqueConstraint(
            'image_id',
            'member',
            'deleted_at',
            name='image_members_image_id_member_deleted_at_key',
        ),
        **TABLE_OPTIONS,
    )
    op.create_index('ix_image_members_deleted', 'image_members', ['deleted'])
    op.create_index('ix_image_members_image_id', 'image_members', ['image_id'])
    op.create_index(
        'ix_image_members_image_id_member',
        'image_members',
        ['image_id', 'member'],
    )


def _create_tasks():
    op.create_table(
        'tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type', sa.String(30), nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('expires_at', sa.DateTime),
        sa.Column('image_id', sa.String(36)),
        sa.Column('request_id', sa.String(64)),
        sa.Column('user_id', sa.String(64)),
        *_timestamps(),
        **TABLE_OPTIONS,
    )
    for column in (
        'type',
        'status',
        'owner',
        'deleted',
        'image_id',
        'updated_at',
    ):
        op.create_index('ix_tasks_%s' % column, 'tasks', [column])
    op.create_table(
        'task_info',
        sa.Column(
            'task_id',
            sa.String(36),
            sa.ForeignKey('tasks.id'),
            primary_key=True,
        ),
        sa.Column('input', sa.Text),
        sa.Column('result', sa.Text),
        sa.Column('message', sa.Text),
        **TABLE_OPTIONS,
    )


def upgrade():
    _create_images()
    _create_image_children()
    _create_tasks()
