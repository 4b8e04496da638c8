"""Synthetic legacy images, written straight into the database.

Legacy means what upstream Glance left behind before multi-store: one
active file location per image whose ``meta_data`` is ``{}``. Rows go in
with SQLAlchemy core bulk inserts (thousands per second on SQLite); only
the images whose data is downloaded get a real file.
"""

import datetime
import os
import uuid

import sqlalchemy as sa

from glance.db import models

IMAGES = models.Image.__table__
LOCATIONS = models.ImageLocation.__table__
BATCH = 5000
MIB = 1024 * 1024


def add_legacy_images(engine, datadir, count, size=0):
    """Insert ``count`` active public images with one legacy location
    each, under ``datadir``; returns their ids, newest first."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    # Distinct creation times keep the default sort (created_at desc)
    # deterministic; the last id inserted is the newest.
    start = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    with engine.begin() as connection:
        for first in range(0, count, BATCH):
            batch = list(enumerate(ids[first : first + BATCH], first))
            connection.execute(
                IMAGES.insert(),
                [
                    _image_row(image_id, start, n, size)
                    for n, image_id in batch
                ],
            )
            connection.execute(
                LOCATIONS.insert(),
                [
                    _location_row(image_id, start, n, datadir)
                    for n, image_id in batch
                ],
            )
    return ids[::-1]


def _image_row(image_id, start, n, size):
    created = start + datetime.timedelta(microseconds=n)
    return dict(
        models.new_row(created),
        id=image_id,
        name='bench-%d' % n,
        disk_format='raw',
        container_format='bare',
        size=size,
        status='active',
        visibility='public',
        owner='bench',
        min_disk=0,
        min_ram=0,
        protected=False,
        os_hidden=False,
    )


def _location_row(image_id, start, n, datadir):
    created = start + datetime.timedelta(microseconds=n)
    return dict(
        models.new_row(created),
        image_id=image_id,
        value='file://%s/%s' % (datadir, image_id),
        meta_data={},
        status='active',
    )


def forget_stores(engine, image_ids=None):
    """Make locations legacy again (all, or those of ``image_ids``)."""
    statement = LOCATIONS.update().values(meta_data={})
    if image_ids is not None:
        statement = statement.where(LOCATIONS.c.image_id.in_(image_ids))
    with engine.begin() as connection:
        connection.execute(statement)


def count_locations(engine, recorded=False):
    """Live active locations; with ``recorded``, those naming a store."""
    condition = sa.and_(models.live(LOCATIONS), LOCATIONS.c.status == 'active')
    if recorded:
        # Compared as stored text: the column type would JSON-encode '{}'.
        stored = sa.type_coerce(LOCATIONS.c.meta_data, sa.Text)
        condition = sa.and_(condition, stored != '{}')
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(LOCATIONS).where(condition)
        ).scalar()


def write_file(path, size_mib):
    """A file of ``size_mib`` MiB of random-looking bytes (one random MiB
    repeated: content does not change the cost of hashing or copying)."""
    block = os.urandom(MIB)
    with open(path, 'wb') as target:
        for _ in range(size_mib):
            target.write(block)
    return path


def read_chunks(path, chunk_size=MIB):
    """The bytes of ``path`` in ``chunk_size`` pieces."""
    with open(path, 'rb') as source:
        while chunk := source.read(chunk_size):
            yield chunk
