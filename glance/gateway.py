"""The repository stack a request works with, written out in one place.

    LazyStoreRepo (multi-store mode only: records missing location stores)
      -> ImageRepo (the database, visibility rules in its queries)

Policy is checked by the handlers, image bytes are moved by
``glance.image_data``; nothing else sits between a handler and the DB.
"""

from glance import lazy_store
from glance.db import images as db_images


class ImageRepo:
    """Images as the caller may see them, straight from the database."""

    def __init__(self, context):
        self.context = context

    def get(self, image_id):
        return db_images.get(self.context, image_id)

    def list(self, **query):
        return db_images.get_all(self.context, **query)

    def add(self, values):
        return db_images.create(self.context, values)

    def save(self, image, original):
        return db_images.save(self.context, image, original)

    def remove(self, image):
        return db_images.destroy(self.context, image.id)


def image_repo(context, store_index=None, enabled_backends=None):
    """The image repository for ``context``.

    ``store_index`` (a ``glance.store_resolution.StoreIndex``) is given in
    multi-store mode only; it turns on the lazy store update.
    """
    repo = ImageRepo(context)
    if store_index is None:
        return repo
    return lazy_store.LazyStoreRepo(repo, store_index, enabled_backends)
