"""Image records: create, visibility-aware reads, diff-based save, delete.

Reads return ``glance.domain.Image`` with properties, tags and locations;
a page of up to 1000 images is loaded with four statements (images, then
properties, tags and locations by IN lists).
"""

import csv
import dataclasses
import uuid

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import strutils
from oslo_utils import timeutils

from glance import domain
from glance import exception
from glance.db import locations
from glance.db import models
from glance.db import paging
from glance.db import session
from glance.db import tags

IMAGES = models.Image.__table__
PROPERTIES = models.ImageProperty.__table__
TAGS = models.ImageTag.__table__
MEMBERS = models.ImageMember.__table__

# Image columns callers set; the timestamps and soft-delete flags are ours.
WRITABLE = tuple(
    name
    for name in domain.CORE_ATTRIBUTES
    if name not in ('id', 'created_at', 'updated_at', 'deleted_at', 'deleted')
)
SORT_KEYS = frozenset(domain.SORT_KEYS)
# Filters on a column that accept 'in:a,b' lists as well as one value.
LIST_FILTERS = frozenset(
    [
        'id',
        'name',
        'status',
        'disk_format',
        'container_format',
        'owner',
        'checksum',
        'os_hash_algo',
        'os_hash_value',
    ]
)
TIME_OPERATORS = {
    'gt': sa.sql.operators.gt,
    'gte': sa.sql.operators.ge,
    'lt': sa.sql.operators.lt,
    'lte': sa.sql.operators.le,
    'eq': sa.sql.operators.eq,
    'neq': sa.sql.operators.ne,
}


@session.writer
def create(context, values):
    values = dict(values)
    properties = values.pop('properties', None) or {}
    new_tags = values.pop('tags', None) or []
    unknown = set(values) - set(WRITABLE) - {'id'}
    if unknown:
        raise exception.Invalid(
            'Unknown image attribute(s): %s' % ', '.join(sorted(unknown))
        )
    now = timeutils.utcnow()
    row = {
        'status': 'queued',
        'visibility': 'shared',
        'min_disk': 0,
        'min_ram': 0,
        'protected': False,
        'os_hidden': False,
        **values,
        'id': values.get('id') or str(uuid.uuid4()),
        **models.new_row(now),
    }
    try:
        context.session.execute(sa.insert(IMAGES).values(**row))
    except db_exc.DBDuplicateEntry:
        raise exception.Duplicate()
    for name, value in properties.items():
        _insert_property(context.session, row['id'], name, value, now)
    for tag in dict.fromkeys(new_tags):
        tags.insert(context.session, row['id'], tag, now)
    return _load(context.session, [_image_row(context.session, row['id'])])[0]


@session.reader
def get(context, image_id, force_show_deleted=False):
    row = _visible_row(context, image_id, force_show_deleted)
    return _load(context.session, [row])[0]


def _visible_row(context, image_id, force_show_deleted=False):
    query = _where_visible(
        context, sa.select(IMAGES), image_id, force_show_deleted
    )
    row = context.session.execute(query).first()
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return row


def _where_visible(context, query, image_id, force_show_deleted=False):
    """``query`` restricted to ``image_id`` if the caller may see it."""
    query = query.where(IMAGES.c.id == image_id)
    if not force_show_deleted:
        query = query.where(models.live(IMAGES))
    if not context.is_admin:
        query = query.where(_visible(context, community=True))
    return query


def _image_row(connection, image_id):
    return connection.execute(
        sa.select(IMAGES).where(IMAGES.c.id == image_id)
    ).one()


def _visible(context, member_status=None, community=False):
    """Images a non-admin caller may see.

    Own images, public ones, community ones when ``community``, and shared
    ones where the caller's project is a member (with ``member_status``
    unless that is None or 'all'). Private images of others never.
    """
    visibility = IMAGES.c.visibility
    conditions = [visibility == 'public']
    if community:
        conditions.append(visibility == 'community')
    project = context.owner
    if project:
        member = sa.select(MEMBERS.c.id).where(
            MEMBERS.c.image_id == IMAGES.c.id,
            MEMBERS.c.member == project,
            models.live(MEMBERS),
        )
        if member_status not in (None, 'all'):
            member = member.where(MEMBERS.c.status == member_status)
        conditions.append(IMAGES.c.owner == project)
        conditions.append(sa.and_(visibility == 'shared', member.exists()))
    return sa.or_(*conditions)


@session.reader
def get_all(
    context,
    filters=None,
    marker=None,
    limit=None,
    sort_key=None,
    sort_dir=None,
    member_status='accepted',
):
    """A page of the images the caller may see, keyset-paginated.

    ``marker`` is the id of the last image of the previous page; the next
    page starts after its sort values, so rows inserted meanwhile neither
    repeat nor shift entries.
    """
    filters = dict(filters or {})
    member_status = filters.pop('member_status', member_status)
    visibility = filters.pop('visibility', None)
    conditions = _filter_conditions(filters)
    if visibility not in (None, 'all'):
        if visibility not in domain.VISIBILITIES:
            raise exception.InvalidFilter(
                reason='unknown visibility %s' % visibility
            )
        conditions.append(IMAGES.c.visibility == visibility)
    elif visibility is None and context.is_admin:
        # As upstream: community images of others only when asked for,
        # admins included (non-admins: see _visible).
        conditions.append(
            sa.or_(
                IMAGES.c.visibility != 'community',
                IMAGES.c.owner == context.owner,
            )
        )
    if not context.is_admin:
        conditions.append(
            _visible(
                context,
                member_status,
                community=visibility in ('community', 'all'),
            )
        )
    order = paging.sort_order(
        IMAGES, *_with_tiebreakers(sort_key, sort_dir), SORT_KEYS, None
    )
    if marker is not None:
        marker_query = _where_visible(context, sa.select(IMAGES), marker)
        conditions.append(
            paging.after(context.session, marker, marker_query, order)
        )
    query = (
        sa.select(IMAGES)
        .where(*conditions)
        .order_by(*paging.order_by(order))
        .limit(limit)
    )
    rows = list(context.session.execute(query))
    return _load(context.session, rows)


def _with_tiebreakers(sort_key, sort_dir):
    """Sort keys and directions ending with created_at, then id.

    Upstream's rule: the tiebreakers sort in the one direction given, else
    descending.
    """
    keys = paging.as_list(sort_key) or ['created_at']
    directions = paging.as_list(sort_dir)
    for key in ('created_at', 'id'):
        if key not in keys:
            keys.append(key)
            if len(directions) > 1:
                directions.append('desc')
    return keys, directions


@session.reader
def storage_usage(context, owner, exclude=None):
    """Bytes ``owner``'s images take: size times live locations, over
    images neither killed nor deleted (upstream's user_storage_quota
    usage), leaving out image ``exclude``."""
    location_table = locations.LOCATIONS
    copies = (
        sa.select(sa.func.count())
        .where(
            location_table.c.image_id == IMAGES.c.id,
            location_table.c.status != 'deleted',
            models.live(location_table),
        )
        .scalar_subquery()
    )
    query = sa.select(sa.func.sum(IMAGES.c.size * copies)).where(
        IMAGES.c.owner == owner,
        IMAGES.c.size > 0,
        IMAGES.c.status.not_in(['killed', 'deleted']),
        models.live(IMAGES),
    )
    if exclude is not None:
        query = query.where(IMAGES.c.id != exclude)
    return int(context.session.execute(query).scalar() or 0)


def _filter_conditions(filters):
    conditions = []
    deleted = filters.pop('deleted', None)
    if deleted is None:
        conditions.append(models.live(IMAGES))
    else:
        conditions.append(IMAGES.c.deleted == _boolean('deleted', deleted))
    # Hidden images are listed only when the caller asks for them.
    filters.setdefault('os_hidden', False)
    for key, value in filters.items():
        conditions.append(_filter_condition(key, value))
    return conditions


def _filter_condition(key, value):
    if key in LIST_FILTERS:
        return _value_or_list(IMAGES.c[key], value)
    if key in ('protected', 'os_hidden'):
        return IMAGES.c[key] == _boolean(key, value)
    if key == 'size_min':
        return IMAGES.c.size >= _integer(key, value)
    if key == 'size_max':
        return IMAGES.c.size <= _integer(key, value)
    if key in ('min_disk', 'min_ram', 'size', 'virtual_size'):
        return IMAGES.c[key] == _integer(key, value)
    if key in ('created_at', 'updated_at'):
        return _time_condition(IMAGES.c[key], value)
    if key == 'tags':
        return sa.and_(*[_has_tag(tag) for tag in paging.as_list(value)])
    return _has_property(key, value)


def _value_or_list(column, value):
    if isinstance(value, str) and value.startswith('in:'):
        # Values may be quoted to contain commas, as upstream allows.
        return column.in_(next(csv.reader([value[3:]]), []))
    return column == value


def _boolean(key, value):
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise exception.InvalidFilter(reason='%s must be a boolean' % key)


# Integer columns are BIGINT at most: a larger bound is no integer any
# engine compares (SQLite's driver raises OverflowError).
_BIGINT_MAX = 2**63 - 1


def _integer(key, value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or abs(number) > _BIGINT_MAX:
        raise exception.InvalidFilter(reason='%s must be an integer' % key)
    return number


def _time_condition(column, value):
    """``gte:2016-04-18T21:38:54Z`` style comparisons (bare value: eq)."""
    operator, _, moment = str(value).partition(':')
    if operator not in TIME_OPERATORS:
        operator, moment = 'eq', str(value)
    try:
        instant = timeutils.normalize_time(timeutils.parse_isotime(moment))
    except ValueError:
        raise exception.InvalidFilter(
            reason='%s needs an ISO 8601 time, got %s' % (column.name, moment)
        )
    return TIME_OPERATORS[operator](column, instant)


def _has_tag(tag):
    return (
        sa.select(TAGS.c.id)
        .where(
            TAGS.c.image_id == IMAGES.c.id,
            TAGS.c.value == tag,
            models.live(TAGS),
        )
        .exists()
    )


def _has_property(name, value):
    return (
        sa.select(PROPERTIES.c.id)
        .where(
            PROPERTIES.c.image_id == IMAGES.c.id,
            PROPERTIES.c.name == name,
            PROPERTIES.c.value == str(value),
            models.live(PROPERTIES),
        )
        .exists()
    )


def _load(connection, rows):
    """Domain images for ``rows`` with their children, in four statements."""
    image_ids = [row.id for row in rows]
    properties = _children(connection, PROPERTIES, image_ids)
    image_tags = _children(connection, TAGS, image_ids)
    image_locations = _children(connection, locations.LOCATIONS, image_ids)
    return [
        domain.Image(
            **{name: row._mapping[name] for name in domain.CORE_ATTRIBUTES},
            properties={p.name: p.value for p in properties[row.id]},
            tags=[tag.value for tag in image_tags[row.id]],
            locations=[
                locations.to_domain(location)
                for location in image_locations[row.id]
            ],
        )
        for row in rows
    ]


def _children(connection, table, image_ids):
    """Non-deleted rows of ``table`` for ``image_ids``, by image."""
    found = {image_id: [] for image_id in image_ids}
    for ids in locations.chunks(image_ids):
        rows = connection.execute(
            sa.select(table)
            .where(table.c.image_id.in_(ids), models.live(table))
            .order_by(table.c.id)
        )
        for row in rows:
            found[row.image_id].append(row)
    return found


@session.writer
def save(context, image, original):
    """Write what changed between ``original`` (as read) and ``image``.

    Every changed column and property is compared against its value in
    ``original`` in the same statement that writes it, so two saves of
    different fields both land and the loser of a same-field race gets
    ``Conflict`` (the whole transaction is rolled back). Tag changes are
    idempotent adds and removes. ``updated_at`` is not used for this:
    MySQL keeps it to the second only.
    """
    now = timeutils.utcnow()
    connection = context.session
    changed = {
        name: getattr(image, name)
        for name in WRITABLE
        if getattr(image, name) != getattr(original, name)
    }
    _update_image_row(connection, original, changed, now)
    _save_properties(
        connection, image.id, original.properties, image.properties, now
    )
    tags.replace(connection, image.id, original.tags, image.tags, now)
    return _load(connection, [_image_row(connection, image.id)])[0]


def _update_image_row(connection, original, changed, now):
    compare = [
        paging.equals(IMAGES.c[name], getattr(original, name))
        for name in changed
    ]
    result = connection.execute(
        sa.update(IMAGES)
        .where(IMAGES.c.id == original.id, models.live(IMAGES), *compare)
        .values(updated_at=now, **changed)
    )
    if result.rowcount == 1:
        return
    still_there = connection.execute(
        sa.select(IMAGES.c.id).where(
            IMAGES.c.id == original.id, models.live(IMAGES)
        )
    ).first()
    if still_there is None:
        raise exception.ImageNotFound(image_id=original.id)
    raise exception.Conflict()


def _save_properties(connection, image_id, old, new, now):
    for name in old.keys() - new.keys():
        _compare_and_set_property(
            connection,
            image_id,
            name,
            old[name],
            {'deleted': True, 'deleted_at': now},
        )
    for name in old.keys() & new.keys():
        if old[name] != new[name]:
            _compare_and_set_property(
                connection,
                image_id,
                name,
                old[name],
                {'value': new[name], 'updated_at': now},
            )
    for name in new.keys() - old.keys():
        _insert_property(connection, image_id, name, new[name], now)


def _compare_and_set_property(connection, image_id, name, old_value, values):
    result = connection.execute(
        sa.update(PROPERTIES)
        .where(
            PROPERTIES.c.image_id == image_id,
            PROPERTIES.c.name == name,
            models.live(PROPERTIES),
            paging.equals(PROPERTIES.c.value, old_value),
        )
        .values(**values)
    )
    if result.rowcount != 1:
        raise exception.Conflict()


def _insert_property(connection, image_id, name, value, now):
    """Add a property, reusing its soft-deleted row if there is one.

    (image_id, name) is unique over deleted rows too, as upstream made it.
    A live row already there means another writer added it: Conflict.
    The deleted row is looked up with a plain read: an UPDATE of an absent
    key would take a MySQL gap lock, and two saves of neighbouring images
    inserting into that gap deadlock.
    """
    deleted = connection.execute(
        sa.select(PROPERTIES.c.id).where(
            PROPERTIES.c.image_id == image_id,
            PROPERTIES.c.name == name,
            PROPERTIES.c.deleted == sa.true(),
        )
    ).first()
    if deleted is not None:
        revived = connection.execute(
            sa.update(PROPERTIES)
            .where(
                PROPERTIES.c.id == deleted.id,
                PROPERTIES.c.deleted == sa.true(),
            )
            .values(
                value=value, deleted=False, deleted_at=None, updated_at=now
            )
        )
        if revived.rowcount != 1:
            raise exception.Conflict()
        return
    try:
        connection.execute(
            sa.insert(PROPERTIES).values(
                image_id=image_id,
                name=name,
                value=value,
                **models.new_row(now),
            )
        )
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict()


@session.writer
def destroy(context, image_id):
    """Soft delete the image with its properties, tags, members and
    locations (locations get status 'deleted', as upstream)."""
    image = get(context, image_id)
    now = timeutils.utcnow()
    gone = {'deleted': True, 'deleted_at': now}
    connection = context.session
    connection.execute(
        sa.update(IMAGES)
        .where(IMAGES.c.id == image_id)
        .values(status='deleted', updated_at=now, **gone)
    )
    for table in (PROPERTIES, TAGS, MEMBERS):
        connection.execute(
            sa.update(table)
            .where(table.c.image_id == image_id, models.live(table))
            .values(**gone)
        )
    connection.execute(
        sa.update(locations.LOCATIONS)
        .where(
            locations.LOCATIONS.c.image_id == image_id,
            models.live(locations.LOCATIONS),
        )
        .values(status='deleted', **gone)
    )
    return dataclasses.replace(image, status='deleted', updated_at=now, **gone)
