"""Image tags: the set of strings attached to an image, written as part
of ``glance.db.images.create`` and ``save``."""

import sqlalchemy as sa

from glance.db import models

TAGS = models.ImageTag.__table__


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
