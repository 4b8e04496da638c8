"""Image location rows: add, change, soft delete, and batched store writes."""

import collections
import json

import sqlalchemy as sa
from oslo_utils import timeutils

from glance import crypt
from glance import domain
from glance import exception
from glance.db import models
from glance.db import session

LOCATIONS = models.ImageLocation.__table__

# Ids per IN list: a full page (api_limit_max defaults to 1000) in one
# statement, far below every engine's bound-parameter limit.
CHUNK = 1000

# [DEFAULT] metadata_encryption_key of this process (set_encryption_key).
_encryption = {'key': None}


def set_encryption_key(key):
    """Store URLs encrypted with ``key`` from now on (None: plain), and
    read them so; called once at start-up."""
    _encryption['key'] = key or None


def _stored(url):
    """A location URL as the ``value`` column holds it."""
    key = _encryption['key']
    return crypt.urlsafe_encrypt(key, url) if key else url


def _url(value):
    """The location URL a ``value`` column holds.

    With a key, a value that is no ciphertext (written before the key was
    set) is read as the plain URL it is.
    """
    key = _encryption['key']
    if not key:
        return value
    try:
        return crypt.urlsafe_decrypt(key, value)
    except ValueError:
        return value


def to_domain(row):
    return domain.Location(
        url=_url(row.value),
        metadata=row.meta_data or {},
        status=row.status,
        id=row.id,
        image_id=row.image_id,
    )


def chunks(items, size=CHUNK):
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


@session.writer
def add(context, image_id, url, metadata, status='active'):
    now = timeutils.utcnow()
    result = context.session.execute(
        sa.insert(LOCATIONS).values(
            image_id=image_id,
            value=_stored(url),
            meta_data=metadata or {},
            status=status,
            **models.new_row(now),
        )
    )
    return domain.Location(
        url=url,
        metadata=metadata or {},
        status=status,
        id=result.inserted_primary_key[0],
        image_id=image_id,
    )


@session.writer
def update(context, location_id, url=None, metadata=None, status=None):
    changes = {
        name: value
        for name, value in (
            ('value', None if url is None else _stored(url)),
            ('meta_data', metadata),
            ('status', status),
        )
        if value is not None
    }
    _update_live_row(context, location_id, changes)


@session.writer
def delete(context, location_id):
    """Soft delete, as upstream: the row stays with status 'deleted'."""
    _update_live_row(
        context,
        location_id,
        {
            'status': 'deleted',
            'deleted': True,
            'deleted_at': timeutils.utcnow(),
        },
    )


def _update_live_row(context, location_id, changes):
    changes['updated_at'] = timeutils.utcnow()
    result = context.session.execute(
        sa.update(LOCATIONS)
        .where(LOCATIONS.c.id == location_id, models.live(LOCATIONS))
        .values(**changes)
    )
    if result.rowcount == 0:
        raise exception.LocationNotFound(location_id=location_id)


@session.reader
def naming(context, text):
    """Whether a live location row (of any image) has ``text`` in its
    URL."""
    live = sa.select(LOCATIONS.c.value).where(models.live(LOCATIONS))
    if _encryption['key']:
        values = context.session.execute(live).scalars()
        return any(text in _url(value) for value in values)
    found = context.session.execute(
        live.where(LOCATIONS.c.value.contains(text, autoescape=True)).limit(1)
    ).first()
    return found is not None


@session.reader
def referenced(context, urls):
    """Those of ``urls`` a live location row (of any image) still holds.

    Run in the transaction that removed rows, before deleting their data:
    data another row references is that row's too, and stays.
    """
    wanted = set(urls)
    live = sa.select(LOCATIONS.c.value).where(models.live(LOCATIONS))
    if _encryption['key']:
        # Each row's ciphertext differs: compare the URLs they decrypt to.
        values = context.session.execute(live).scalars()
        return {url for url in map(_url, values) if url in wanted}
    held = set()
    for some_urls in chunks(wanted):
        held.update(
            context.session.execute(
                live.where(LOCATIONS.c.value.in_(some_urls))
            ).scalars()
        )
    return held


# One change for set_stores: what was read (``old_url`` only matters with
# a ``new_url``) and what to record.
StoreChange = collections.namedtuple(
    'StoreChange',
    'location_id old_metadata store_id old_url new_url',
    defaults=(None, None),
)


@session.retry_on_deadlock
@session.writer
def set_stores(context, changes):
    """Set ``meta_data['store']`` (and the URL) where rows hold what was read.

    ``changes``: StoreChange tuples, ``(location_id, old_metadata,
    store_id)`` or with ``old_url, new_url`` to rewrite the URL too, where
    the row's URL must still be ``old_url``. The rows are read with SELECT
    ... FOR UPDATE and metadata compared as decoded dicts, not as stored
    text: other writers (upstream Glance, tools) may encode the same
    metadata with another key order or spacing, and that is no concurrent
    change. The lock keeps the rows as compared until commit. Only
    ``meta_data`` and ``value`` change (not ``updated_at``, not the image
    row). Returns the ids written.
    """
    wanted = {change[0]: StoreChange(*change) for change in changes}
    current = _lock_rows(context.session, wanted)
    # Rows keeping their URL are grouped by their new metadata: legacy rows
    # mostly share it ({} -> {"store": id}), and one UPDATE ... WHERE id IN
    # per group is one round trip where an executemany is one per row on
    # MySQL and PostgreSQL.
    same_url = collections.defaultdict(list)
    new_url = []
    for location_id, change in wanted.items():
        row = current.get(location_id)
        if row is None or not _unchanged(row, change):
            continue
        metadata = dict(row.meta_data or {}, store=change.store_id)
        url = change.new_url or _url(row.value)
        if url != _url(row.value):
            new_url.append(
                {'row_id': location_id, 'meta': metadata, 'url': _stored(url)}
            )
        elif metadata != (row.meta_data or {}):
            key = json.dumps(metadata, sort_keys=True)
            same_url[key].append((location_id, metadata))
    for group in same_url.values():
        ids = [location_id for location_id, _ in group]
        for some_ids in chunks(ids):
            context.session.execute(
                sa.update(LOCATIONS)
                .where(LOCATIONS.c.id.in_(some_ids))
                .values(meta_data=group[0][1])
            )
    if new_url:
        context.session.execute(
            sa.update(LOCATIONS)
            .where(LOCATIONS.c.id == sa.bindparam('row_id'))
            .values(
                meta_data=sa.bindparam(
                    'meta', type_=LOCATIONS.c.meta_data.type
                ),
                value=sa.bindparam('url'),
            ),
            new_url,
        )
    written = {write['row_id'] for write in new_url}
    written.update(i for group in same_url.values() for i, _ in group)
    return written


def _unchanged(row, change):
    """Whether ``row`` still holds what ``change`` was planned from."""
    if (row.meta_data or {}) != (change.old_metadata or {}):
        return False
    return change.new_url is None or _url(row.value) == change.old_url


def _lock_rows(connection, location_ids):
    current = {}
    for ids in chunks(location_ids):
        rows = connection.execute(
            sa.select(LOCATIONS.c.id, LOCATIONS.c.value, LOCATIONS.c.meta_data)
            .where(LOCATIONS.c.id.in_(ids), models.live(LOCATIONS))
            .with_for_update()
        )
        current.update((row.id, row) for row in rows)
    return current


def _active():
    return sa.and_(LOCATIONS.c.status == 'active', models.live(LOCATIONS))


@session.reader
def get_batch(context, after_id=0, limit=1000):
    """Active locations with ids above ``after_id``, in id order."""
    rows = context.session.execute(
        sa.select(LOCATIONS)
        .where(LOCATIONS.c.id > after_id, _active())
        .order_by(LOCATIONS.c.id)
        .limit(limit)
    )
    return [to_domain(row) for row in rows]


@session.reader
def count_active(context):
    """How many locations ``get_batch`` walks (for progress reports)."""
    return context.session.execute(
        sa.select(sa.func.count()).select_from(LOCATIONS).where(_active())
    ).scalar_one()
