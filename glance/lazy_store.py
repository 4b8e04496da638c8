"""Lazy store update: record on read which store holds each location.

Locations written before multi-store mode have no ``store`` metadata, and
renaming a store in the config leaves them naming a store that no longer
exists. Reading images through ``LazyStoreRepo`` resolves their store from
the URL, shows it in that very response and records it for every later
reader with one narrow write per request. Legacy s3 URLs carrying the
access and secret key are recorded without them at the same time.
"""

import collections

from oslo_log import log as logging

from glance import store_resolution
from glance.db import locations as db_locations

LOG = logging.getLogger(__name__)

# ``store_id`` is None when the URL matches no configured store (nothing
# is written then); ``new_url`` is the URL to record instead of the
# location's, None to keep it.
StoreUpdate = collections.namedtuple(
    'StoreUpdate', 'location old_metadata store_id new_url'
)


def plan_location_updates(locations, index, enabled_backends):
    """A StoreUpdate for every active location needing one.

    A location needs one when its ``store`` metadata is missing or names a
    store outside ``enabled_backends`` (a set of store ids), or when its
    URL is a legacy one carrying credentials. Pure: nothing is changed or
    logged.
    """
    plan = []
    for location in locations:
        if location.status != 'active':
            continue
        new_url = store_resolution.rewritten_url(location.url)
        if not store_resolution.recorded_store(location, enabled_backends):
            store_id = index.resolve(location.url)
        elif new_url:
            store_id = location.store
        else:
            continue
        plan.append(
            StoreUpdate(location, location.metadata, store_id, new_url)
        )
    return plan


def plan_store_updates(images, index, enabled_backends):
    """``plan_location_updates`` over every location of ``images``."""
    return plan_location_updates(
        (location for image in images for location in image.locations),
        index,
        enabled_backends,
    )


def store_changes(plan):
    """The resolved updates of ``plan`` as ``set_stores`` takes them.

    Call it before the planned locations are changed: it reads their URLs
    as the values to compare against.
    """
    return [
        db_locations.StoreChange(
            update.location.id,
            update.old_metadata,
            update.store_id,
            update.location.url,
            update.new_url,
        )
        for update in plan
        if update.store_id is not None
    ]


# The repository methods that hand out one image (or None); ``list`` hands
# out several. Every other method returns no image (see the unit test that
# holds this list against ImageRepo).
IMAGE_METHODS = (
    'get',
    'add',
    'save',
    'change_status',
    'update',
    'record_data',
    'write_failed',
    'add_location',
    'remove_location',
)


class LazyStoreRepo:
    """An image repository whose images have their location stores recorded.

    Every method that hands out images resolves the store of each active
    location whose store is missing or unknown (and the credential-free
    form of legacy s3 URLs), puts it in the returned images and persists
    all of them with one ``set_stores`` call under ``context.elevated()``:
    an internal write of the ``store`` key and the URL alone, so a reader
    who may not change the image still fixes it for everyone. A failed
    write is logged and the call answers anyway; the next read retries.
    ``context`` defaults to the inner repository's.
    """

    def __init__(
        self,
        inner_repo,
        index,
        enabled_backends,
        context=None,
        set_stores=db_locations.set_stores,
    ):
        self.inner_repo = inner_repo
        self.index = index
        self.enabled_backends = frozenset(enabled_backends)
        self.context = inner_repo.context if context is None else context
        self.set_stores = set_stores

    def __getattr__(self, name):
        method = getattr(self.inner_repo, name)
        if name not in IMAGE_METHODS:
            return method

        def with_stores_recorded(*args, **kwargs):
            image = method(*args, **kwargs)
            if image is not None:
                self._record_stores([image])
            return image

        return with_stores_recorded

    def list(self, **query):
        images = self.inner_repo.list(**query)
        self._record_stores(images)
        return images

    def _record_stores(self, images):
        plan = plan_store_updates(images, self.index, self.enabled_backends)
        changes = store_changes(plan)
        for location, old_metadata, store_id, new_url in plan:
            if store_id is None:
                store_resolution.report_unmatched(location.url)
            else:
                location.metadata = dict(old_metadata or {}, store=store_id)
                location.url = new_url or location.url
        if changes:
            self._persist(changes)

    def _persist(self, changes):
        try:
            written = self.set_stores(self.context.elevated(), changes)
        except Exception as error:  # the read must answer whatever happens
            LOG.warning(
                'Could not record the store of %d image location(s); the '
                'next read retries: %s: %s',
                len(changes),
                type(error).__name__,
                error,
            )
            return
        LOG.info(
            'Recorded the store of %d image location(s) (%d changed '
            'concurrently and were left alone)',
            len(written),
            len(changes) - len(written),
        )
