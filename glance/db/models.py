"""SQLAlchemy models of the image tables, as upstream Glance names them.

Table, column, index and constraint names match upstream so that a database
last migrated by upstream Glance is used in place. The image cache tables
are modelled only so that a database built here has every table of
upstream's schema (upstream's glance-manage can take it back); nothing here
reads or writes them. Tables not modelled are left alone when present.
"""

import json

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import sql
from sqlalchemy import types
from sqlalchemy.orm import declarative_base

from glance import domain

BASE = declarative_base()


def live(table):
    """Condition selecting the rows of ``table`` not soft-deleted."""
    return table.c.deleted == sql.false()


def new_row(now):
    """Timestamp and soft-delete values of a row inserted at ``now``."""
    return {'created_at': now, 'updated_at': now, 'deleted': False}


class JSONEncodedDict(types.TypeDecorator):
    """A JSON document kept in a Text column (upstream's encoding)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class GlanceBase:
    """Timestamps and soft-delete columns carried by every image table."""

    __table_args__ = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8'}

    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime)
    deleted_at = Column(DateTime)
    deleted = Column(Boolean, nullable=False, default=False)


class Image(BASE, GlanceBase):
    __tablename__ = 'images'
    __table_args__ = (
        Index('checksum_image_idx', 'checksum'),
        Index('visibility_image_idx', 'visibility'),
        Index('ix_images_deleted', 'deleted'),
        Index('owner_image_idx', 'owner'),
        Index('created_at_image_idx', 'created_at'),
        Index('updated_at_image_idx', 'updated_at'),
        Index('os_hidden_image_idx', 'os_hidden'),
        Index('os_hash_value_image_idx', 'os_hash_value'),
        GlanceBase.__table_args__,
    )

    id = Column(String(36), primary_key=True)
    name = Column(String(255))
    disk_format = Column(String(20))
    container_format = Column(String(20))
    size = Column(BigInteger)
    virtual_size = Column(BigInteger)
    status = Column(String(30), nullable=False)
    visibility = Column(
        Enum(*domain.VISIBILITIES, name='image_visibility'),
        nullable=False,
        server_default='shared',
    )
    checksum = Column(String(32))
    os_hash_algo = Column(String(64))
    os_hash_value = Column(String(128))
    min_disk = Column(Integer, nullable=False, default=0)
    min_ram = Column(Integer, nullable=False, default=0)
    owner = Column(String(255))
    protected = Column(
        Boolean, nullable=False, default=False, server_default=sql.false()
    )
    os_hidden = Column(
        Boolean, nullable=False, default=False, server_default=sql.false()
    )


class ImageProperty(BASE, GlanceBase):
    __tablename__ = 'image_properties'
    __table_args__ = (
        Index('ix_image_properties_image_id', 'image_id'),
        Index('ix_image_properties_deleted', 'deleted'),
        UniqueConstraint(
            'image_id', 'name', name='ix_image_properties_image_id_name'
        ),
        GlanceBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    name = Column(String(255), nullable=False)
    value = Column(Text)


class ImageTag(BASE, GlanceBase):
    __tablename__ = 'image_tags'
    __table_args__ = (
        Index('ix_image_tags_image_id', 'image_id'),
        Index('ix_image_tags_image_id_tag_value', 'image_id', 'value'),
        GlanceBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    value = Column(String(255), nullable=False)


class ImageLocation(BASE, GlanceBase):
    __tablename__ = 'image_locations'
    __table_args__ = (
        Index('ix_image_locations_image_id', 'image_id'),
        Index('ix_image_locations_deleted', 'deleted'),
        GlanceBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    value = Column(Text, nullable=False)
    meta_data = Column(JSONEncodedDict, default=dict)
    status = Column(String(30), nullable=False, server_default='active')


class ImageMember(BASE, GlanceBase):
    __tablename__ = 'image_members'
    __table_args__ = (
        Index('ix_image_members_deleted', 'deleted'),
        Index('ix_image_members_image_id', 'image_id'),
        Index('ix_image_members_image_id_member', 'image_id', 'member'),
        UniqueConstraint(
            'image_id',
            'member',
            'deleted_at',
            name='image_members_image_id_member_deleted_at_key',
        ),
        GlanceBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    member = Column(String(255), nullable=False)
    can_share = Column(Boolean, nullable=False, default=False)
    status = Column(
        String(20), nullable=False, default='pending', server_default='pending'
    )


class Task(BASE, GlanceBase):
    __tablename__ = 'tasks'
    __table_args__ = (
        Index('ix_tasks_type', 'type'),
        Index('ix_tasks_status', 'status'),
        Index('ix_tasks_owner', 'owner'),
        Index('ix_tasks_deleted', 'deleted'),
        Index('ix_tasks_image_id', 'image_id'),
        Index('ix_tasks_updated_at', 'updated_at'),
        GlanceBase.__table_args__,
    )

    id = Column(String(36), primary_key=True)
    type = Column(String(30), nullable=False)
    status = Column(String(30), nullable=False)
    owner = Column(String(255), nullable=False)
    expires_at = Column(DateTime)
    image_id = Column(String(36))
    request_id = Column(String(64))
    user_id = Column(String(64))


class TaskInfo(BASE):
    __tablename__ = 'task_info'
    __table_args__ = GlanceBase.__table_args__

    task_id = Column(String(36), ForeignKey('tasks.id'), primary_key=True)
    input = Column(JSONEncodedDict)
    result = Column(JSONEncodedDict)
    message = Column(Text)


# Metadata definitions (the metadefs API). Upstream gives these tables
# creation and update times only: no soft delete, rows are removed.


class MetadefBase:
    __table_args__ = GlanceBase.__table_args__

    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime)


class MetadefNamespace(BASE, MetadefBase):
    __tablename__ = 'metadef_namespaces'
    __table_args__ = (
        UniqueConstraint('namespace', name='uq_metadef_namespaces_namespace'),
        Index('ix_metadef_namespaces_owner', 'owner'),
        MetadefBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    namespace = Column(String(80), nullable=False)
    display_name = Column(String(80))
    description = Column(Text)
    visibility = Column(String(32))
    protected = Column(Boolean)
    owner = Column(String(255), nullable=False)


def _namespace_fk():
    return Column(Integer, ForeignKey('metadef_namespaces.id'), nullable=False)


class MetadefObject(BASE, MetadefBase):
    __tablename__ = 'metadef_objects'
    __table_args__ = (
        UniqueConstraint(
            'namespace_id', 'name', name='uq_metadef_objects_namespace_id_name'
        ),
        Index('ix_metadef_objects_name', 'name'),
        MetadefBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    namespace_id = _namespace_fk()
    name = Column(String(80), nullable=False)
    description = Column(Text)
    # A JSON list of property names, as text (upstream's encoding).
    required = Column(Text)
    # The object's properties: name -> property definition.
    json_schema = Column(JSONEncodedDict, nullable=False)


class MetadefProperty(BASE, MetadefBase):
    __tablename__ = 'metadef_properties'
    __table_args__ = (
        UniqueConstraint(
            'namespace_id',
            'name',
            name='uq_metadef_properties_namespace_id_name',
        ),
        Index('ix_metadef_properties_name', 'name'),
        MetadefBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    namespace_id = _namespace_fk()
    name = Column(String(80), nullable=False)
    # The property definition without its name.
    json_schema = Column(JSONEncodedDict, nullable=False)


class MetadefTag(BASE, MetadefBase):
    __tablename__ = 'metadef_tags'
    __table_args__ = (
        UniqueConstraint(
            'namespace_id', 'name', name='uq_metadef_tags_namespace_id_name'
        ),
        Index('ix_metadef_tags_name', 'name'),
        MetadefBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    namespace_id = _namespace_fk()
    name = Column(String(80), nullable=False)


class MetadefResourceType(BASE, MetadefBase):
    __tablename__ = 'metadef_resource_types'
    __table_args__ = (
        UniqueConstraint('name', name='uq_metadef_resource_types_name'),
        MetadefBase.__table_args__,
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    protected = Column(Boolean, nullable=False, default=False)


class MetadefNamespaceResourceType(BASE, MetadefBase):
    __tablename__ = 'metadef_namespace_resource_types'
    __table_args__ = (
        Index('ix_metadef_ns_res_types_namespace_id', 'namespace_id'),
        MetadefBase.__table_args__,
    )

    resource_type_id = Column(
        Integer, ForeignKey('metadef_resource_types.id'), primary_key=True
    )
    namespace_id = Column(
        Integer, ForeignKey('metadef_namespaces.id'), primary_key=True
    )
    properties_target = Column(String(80))
    prefix = Column(String(80))


# Upstream's image cache (2024.1): an id that is BIGINT except on SQLite.
_CACHE_ID = BigInteger().with_variant(Integer, 'sqlite')


class NodeReference(BASE):
    __tablename__ = 'node_reference'
    __table_args__ = (
        UniqueConstraint(
            'node_reference_url', name='uq_node_reference_node_reference_url'
        ),
        GlanceBase.__table_args__,
    )

    node_reference_id = Column(_CACHE_ID, primary_key=True)
    node_reference_url = Column(String(255), nullable=False)


class CachedImage(BASE):
    __tablename__ = 'cached_images'
    __table_args__ = (
        UniqueConstraint(
            'image_id',
            'node_reference_id',
            name='ix_cached_images_image_id_node_reference_id',
        ),
        GlanceBase.__table_args__,
    )

    id = Column(_CACHE_ID, primary_key=True)
    image_id = Column(String(36), nullable=False)
    last_accessed = Column(DateTime, nullable=False)
    last_modified = Column(DateTime, nullable=False)
    size = Column(BigInteger, nullable=False)
    hits = Column(Integer, nullable=False)
    checksum = Column(String(32))
    node_reference_id = Column(
        _CACHE_ID,
        ForeignKey('node_reference.node_reference_id'),
        nullable=False,
    )
