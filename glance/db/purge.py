"""Hard-delete soft-deleted rows (``glance-manage db purge``).

As upstream: ``purge`` removes rows soft-deleted more than ``age_in_days``
ago from every table with a ``deleted`` column except ``images`` (an
image id must never be reused, OSSN-0075), at most ``max_rows`` per table
(-1: all), task_info rows of purged tasks first; ``purge_images_table``
removes images rows, only those no other row refers to any more (run
``purge`` first).
"""

import datetime
import time

import sqlalchemy as sa
from oslo_utils import timeutils

from glance.db import models
from glance.db import session

DEFAULT_MAX_ROWS = 100
MAX_INT = 2**31 - 1
# Children before parents: a row is purged only after those referring to it.
_CHILD_TABLES = (
    'image_properties',
    'image_tags',
    'image_locations',
    'image_members',
)


def validate(age_in_days, max_rows):
    """ValueError with upstream's message for a value it refuses."""
    if age_in_days < 0:
        raise ValueError('Must supply a non-negative value for age.')
    if age_in_days >= int(time.time()) / 86400:
        raise ValueError('Maximal age is count of days since epoch.')
    if max_rows < -1:
        raise ValueError('Minimal rows limit is -1.')
    if max_rows > MAX_INT:
        raise ValueError('max_rows must be at most %d.' % MAX_INT)


def purge(conf, age_in_days, max_rows):
    """Rows deleted per table, in the order they were purged."""
    tables = _tables()
    cutoff = _cutoff(age_in_days)
    counts = {}
    with _connection(conf) as connection:
        counts['task_info'] = _purge_task_info(
            connection, tables, cutoff, max_rows
        )
        for name in _CHILD_TABLES + ('tasks',):
            table = tables[name]
            counts[name] = _delete_ids(
                connection,
                table,
                table.c.id,
                _older(table, cutoff, table.c.id, max_rows),
            )
    return counts


def purge_images_table(conf, age_in_days, max_rows):
    tables = _tables()
    images = tables['images']
    query = _older(images, _cutoff(age_in_days), images.c.id, max_rows)
    for name in _CHILD_TABLES:
        child = tables[name]
        query = query.where(
            ~sa.exists().where(child.c.image_id == images.c.id)
        )
    with _connection(conf) as connection:
        return {'images': _delete_ids(connection, images, images.c.id, query)}


def _tables():
    return models.BASE.metadata.tables


def _cutoff(age_in_days):
    return timeutils.utcnow() - datetime.timedelta(days=age_in_days)


def _older(table, cutoff, id_column, max_rows):
    query = (
        sa.select(id_column)
        .where(table.c.deleted == sa.true(), table.c.deleted_at < cutoff)
        .order_by(table.c.deleted_at)
    )
    return query if max_rows == -1 else query.limit(max_rows)


def _purge_task_info(connection, tables, cutoff, max_rows):
    tasks, info = tables['tasks'], tables['task_info']
    query = (
        sa.select(info.c.task_id)
        .join(tasks, tasks.c.id == info.c.task_id)
        .where(tasks.c.deleted == sa.true(), tasks.c.deleted_at < cutoff)
        .order_by(tasks.c.deleted_at)
    )
    if max_rows != -1:
        query = query.limit(max_rows)
    return _delete_ids(connection, info, info.c.task_id, query)


def _delete_ids(connection, table, id_column, query):
    # Ids first: MySQL refuses a DELETE whose subquery reads its own table
    # with LIMIT.
    ids = connection.execute(query).scalars().all()
    if ids:
        connection.execute(table.delete().where(id_column.in_(ids)))
    return len(ids)


def _connection(conf):
    """One transaction on ``conf``'s database."""
    session.configure(conf)
    return session.get_engine().begin()
