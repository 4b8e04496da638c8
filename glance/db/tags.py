"""Image tags: the set of strings attached to an image."""

import sqlalchemy as sa
from oslo_utils import timeutils

from glance import exception
from glance.db import models
from glance.db import session

TAGS = models.ImageTag.__table__


@session.reader
def get_all(context, image_id):
    rows = context.session.execute(
        sa.select(TAGS.c.value)
        .where(TAGS.c.image_id == image_id, models.live(TAGS))
        .order_by(TAGS.c.id)
    )
    return [row.value for row in rows]


@session.writer
def add(context, image_id, value):
    insert(context.session, image_id, value, timeutils.utcnow())


@session.writer
def delete(context, image_id, value):
    if not _remove(context.session, image_id, value, timeutils.utcnow()):
        raise exception.NotFound(
            'Tag %s not found on image %s' % (value, image_id)
        )


@session.writer
def set_all(context, image_id, values):
    current = get_all(context, image_id)
    replace(context.session, image_id, current, values, timeutils.utcnow())


def replace(connection, image_id, old, new, now):
    """Remove the tags of ``old`` missing from ``new``; add the new ones."""
    for tag in set(old) - set(new):
        _remove(connection, image_id, tag, now)
    for tag in dict.fromkeys(t for t in new if t not in old):
        insert(connection, image_id, tag, now)


def insert(connection, image_id, tag, now):
    """Add ``tag`` unless the image already has it (adding is idempotent)."""
    present = connection.execute(
        sa.select(TAGS.c.id).where(
            TAGS.c.image_id == image_id,
            TAGS.c.value == tag,
            models.live(TAGS),
        )
    ).first()
    if present is None:
        connection.execute(
            sa.insert(TAGS).values(
                image_id=image_id,
                value=tag,
                **models.new_row(now),
            )
        )


def _remove(connection, image_id, tag, now):
    # Found with a plain read, changed by primary key: an UPDATE searching
    # the (image_id, value) index would lock index gaps on MySQL/MariaDB
    # and deadlock with tag inserts on other images.
    ids = (
        connection.execute(
            sa.select(TAGS.c.id).where(
                TAGS.c.image_id == image_id,
                TAGS.c.value == tag,
                models.live(TAGS),
            )
        )
        .scalars()
        .all()
    )
    if not ids:
        return False
    result = connection.execute(
        sa.update(TAGS)
        .where(TAGS.c.id.in_(ids), models.live(TAGS))
        .values(deleted=True, deleted_at=now)
    )
    return result.rowcount > 0
