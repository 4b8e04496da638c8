"""The one door to image rows, and the repository stack, written out here.

    NotifyingRepo (glance.notifications: image.* events once a change is
                   committed)
      -> LazyStoreRepo (multi-store mode only: every image it hands out has
                        its location stores recorded; its internal write
                        notifies nothing)
        -> ImageRepo (the database: visibility in its queries, status changes
                    through glance.domain's life cycle, one transaction per
                    call or per ``transaction()`` block)

Every image row is read and written through ``image_repo(context, stores)``:
handlers, uploads, imports and location changes alike, so a layer added
here sees them all. Policy is checked by the handlers; bytes move through
``glance.stores``. Members and metadata definitions are the exceptions to
this door: their handlers call ``glance.db.members`` and
``glance.db.metadef*`` directly, placement-style, since no layer applies
to them (their handlers send member events themselves). Tasks (imports
record themselves as tasks) are read and written through
``task_repo(context, notifier)``: NotifyingTaskRepo over TaskRepo.
"""

import copy

from glance import domain
from glance import exception
from glance import lazy_store
from glance import notifications
from glance.db import images as db_images
from glance.db import locations as db_locations
from glance.db import session
from glance.db import tasks as db_tasks


class ImageRepo:
    """Images as the caller may see them, straight from the database."""

    def __init__(self, context):
        self.context = context

    def transaction(self):
        """One transaction for every repository call inside the block."""
        return session.writer.using(self.context)

    def get(self, image_id):
        return db_images.get(self.context, image_id)

    def list(self, **query):
        return db_images.get_all(self.context, **query)

    def add(self, values):
        return db_images.create(self.context, values)

    def save(self, image, original):
        """Write what ``image`` changes of ``original`` (compare-and-set:
        Conflict when another request changed the same attributes)."""
        return db_images.save(self.context, image, original)

    def remove(self, image):
        return db_images.destroy(self.context, image.id)

    def change_status(self, image, event, **changes):
        """Move ``image`` along the life cycle on ``event``, setting
        ``changes`` too, in one compare-and-set."""
        changed = copy.deepcopy(image)
        changed.status = domain.next_status(image, event)
        for name, value in changes.items():
            setattr(changed, name, value)
        if changed == image:
            return image
        return self.save(changed, image)

    def update(self, image_id, change, attempts=3):
        """Apply ``change(image)`` to a fresh copy and save it, retrying
        when a concurrent request changed the image in between."""
        for attempt in range(attempts):
            image = self.get(image_id)
            changed = copy.deepcopy(image)
            change(changed)
            try:
                return self.save(changed, image)
            except exception.Conflict:
                if attempt == attempts - 1:
                    raise
        return None

    def write_failed(self, image, error):
        """A write of ``image``'s data failed (``error``): back to
        queued."""
        return self.change_status(image, 'write_failed')

    def record_data(self, image, stored, hashing_algo):
        """Record newly written data as the image's first location and
        activate it, in one transaction."""
        with self.transaction():
            self.change_status(
                image,
                'activate',
                size=stored.size,
                checksum=stored.checksum,
                os_hash_algo=hashing_algo,
                os_hash_value=stored.multihash,
                virtual_size=stored.virtual_size,
            )
            db_locations.add(
                self.context, image.id, stored.url, stored.metadata
            )
            return self.get(image.id)

    def add_location(self, image, url, metadata, size=None, activate=True):
        """Add a location; with ``activate``, a queued image becomes active
        with ``size``."""
        with self.transaction():
            status = domain.next_status(image, 'add_location')
            db_locations.add(self.context, image.id, url, metadata)
            if activate and status != image.status:
                self.change_status(image, 'add_location', size=size)
            return self.get(image.id)

    def remove_location(self, image, location):
        """Soft delete one location row (its data stays in the store)."""
        db_locations.delete(self.context, location.id)
        return self.get(image.id)

    def drop_location(self, location):
        """Soft delete one location row as a step of deleting its image
        (no change of the image of its own: no event)."""
        db_locations.delete(self.context, location.id)

    def data_named(self, image_id):
        """Whether a live location row (of any image) has ``image_id`` in
        its URL: every URL of data a store wrote for that image id, in
        whatever spelling, names it. Call it in the transaction that
        deletes such data."""
        return db_locations.naming(self.context, image_id)

    def unreferenced(self, locations):
        """Those of ``locations`` whose URL no live row holds any more:
        the only ones whose data may be deleted. Call it in the
        transaction that removed their rows."""
        held = db_locations.referenced(
            self.context, [loc.url for loc in locations]
        )
        return [loc for loc in locations if loc.url not in held]


class TaskRepo:
    """Tasks (image imports) as the caller may see them."""

    def __init__(self, context):
        self.context = context

    def add(self, values):
        return db_tasks.create(self.context, values)

    def get(self, task_id, ttl=None):
        """The task; with ``ttl``, NotFound once it expired."""
        return db_tasks.get(self.context, task_id, ttl=ttl)

    def list(self, **query):
        return db_tasks.get_all(self.context, **query)

    def update(self, task_id, values):
        return db_tasks.update(self.context, task_id, values)

    def touch(self, *task_ids):
        """Renew the leases of running tasks (their ``updated_at``)."""
        return db_tasks.touch(self.context, *task_ids)

    def claim_stale(self, task_type, lease_seconds, image_id=None):
        """Running tasks of ``task_type`` (of ``image_id``, when given)
        whose lease ran out, each taken over by this caller
        (compare-and-set on the lease)."""
        return db_tasks.claim_stale(
            self.context, task_type, lease_seconds, image_id
        )

    def lease(self, task_type, image_id, task_input):
        """Record an internal running task (an upload's lease); its id."""
        return db_tasks.create_lease(
            self.context, task_type, image_id, task_input
        )

    def release(self, task_id):
        """Remove an internal task for good; False when it was gone."""
        return db_tasks.destroy(self.context, task_id)


def image_repo(context, stores=None, notifier=None):
    """The image repository for ``context``.

    With ``stores`` in multi-store mode (a ``StoreIndex`` is set), every
    image it returns has its location stores recorded; with ``notifier``,
    every committed change is notified.
    """
    repo = ImageRepo(context)
    if stores is not None and stores.index is not None:
        repo = lazy_store.LazyStoreRepo(repo, stores.index, stores.ids)
    if notifier is not None:
        repo = notifications.NotifyingRepo(repo, notifier)
    return repo


def task_repo(context, notifier=None):
    repo = TaskRepo(context)
    if notifier is not None:
        repo = notifications.NotifyingTaskRepo(repo, notifier)
    return repo
