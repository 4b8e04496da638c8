"""The ``Store`` base class every driver extends."""

import functools
import importlib
import logging

from oslo_config import cfg

from glance_store import capabilities
from glance_store import exceptions

LOG = logging.getLogger(__name__)

SINGLE_STORE_GROUP = 'glance_store'
SHARED_CONF_GROUP = 'backend_defaults'

MULTI_BACKEND_OPTIONS = [
    cfg.StrOpt(
        'store_description',
        help='Description of this store shown to users by /v2/info/stores.',
    ),
    cfg.IntOpt(
        'weight',
        default=0,
        help='Preference of this store when several hold an image; '
        'the highest weight is used first.',
    ),
]


class Store(capabilities.StoreCapability):
    """One configured store; ``backend`` is its id in multi-store mode.

    Drivers define ``OPTIONS``, ``_CAPABILITIES``, ``get_schemes``,
    ``configure_add`` (which sets ``_url_prefix`` in multi-store mode), a
    module-level ``StoreLocation`` class and the data operations.
    """

    OPTIONS = None
    MULTI_BACKEND_OPTIONS = MULTI_BACKEND_OPTIONS
    READ_CHUNKSIZE = 4 * 1024 * 1024
    WRITE_CHUNKSIZE = READ_CHUNKSIZE

    def __init__(self, conf, backend=None):
        super().__init__()
        self.conf = conf
        self.backend_group = backend
        self.store_location_class = None
        self._url_prefix = None
        self.register_opts(conf, backend)

    @classmethod
    def register_opts(cls, conf, backend=None):
        """Register the driver options for store ``backend`` (or legacy)."""
        if cls.OPTIONS:
            conf.register_opts(
                cls.OPTIONS, group=backend or SINGLE_STORE_GROUP
            )
            conf.register_opts(cls.OPTIONS, group=SHARED_CONF_GROUP)
        if backend:
            conf.register_opts(cls.MULTI_BACKEND_OPTIONS, group=backend)

    @property
    def group_name(self):
        """The config group holding this store's options."""
        return self.backend_group or SINGLE_STORE_GROUP

    def _at_default(self, name, group):
        # oslo.config gives no location at all for an unset None default.
        where = self.conf.get_location(name, group)
        return where is None or where.location is cfg.Locations.opt_default

    def _option_group(self, name):
        # In multi-store mode an option the store's group leaves at its
        # default is taken from [backend_defaults].
        if self.backend_group and self._at_default(name, self.backend_group):
            return SHARED_CONF_GROUP
        return self.group_name

    def option(self, name):
        """Value of driver option ``name`` for this store."""
        return self.conf[self._option_group(name)][name]

    def option_is_set(self, name):
        """Whether the configuration sets ``name`` rather than defaulting."""
        return not self._at_default(name, self._option_group(name))

    @property
    def store_conf(self):
        """This store's options as attributes (upstream's name), with
        ``[backend_defaults]`` where the store's group is silent."""
        return _StoreOptions(self)

    @property
    def url_prefix(self):
        """Common beginning of the URLs this store creates (multi mode)."""
        return self._url_prefix

    @property
    def url_prefixes(self):
        """Every URL prefix this store owns; empty when unknown."""
        return (self._url_prefix,) if self._url_prefix else ()

    @property
    def detail_properties(self):
        """Facts for /v2/info/stores/detail that are no option (e.g. the
        cluster a store talks to); drivers override."""
        return {}

    @property
    def weight(self):
        if not self.backend_group:
            return 0
        return self.conf[self.backend_group].weight

    def configure(self, re_raise_bsc=False):
        """Configure the store; a bad configuration makes it read-only."""
        try:
            self.configure_add()
        except exceptions.BadStoreConfiguration as e:
            self.unset_capabilities(capabilities.BitMasks.WRITE_ACCESS)
            LOG.warning('Store %s is read-only: %s', self.group_name, e)
            if re_raise_bsc:
                raise
        finally:
            self.update_capabilities()

    def configure_add(self):
        """Check and apply the options needed to add images (driver hook)."""

    def get_schemes(self):
        """URL schemes this store serves."""
        raise NotImplementedError

    def get_store_location_class(self):
        if self.store_location_class is None:
            module = importlib.import_module(type(self).__module__)
            self.store_location_class = module.StoreLocation
        return self.store_location_class

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        """Return ``(iterator of bytes, size)`` for the image data."""
        raise NotImplementedError

    def get_size(self, location, context=None):
        """Return the size in bytes of the image data."""
        raise NotImplementedError

    def get_local_path(self, location):
        """Path of a local file holding exactly the image data, for
        callers that can send it with sendfile; None when the data is not
        a local file (an extension of ours: upstream has no such method)."""
        return None

    def discard_partial(self, image_id):
        """Remove what an interrupted ``add`` of ``image_id`` left behind
        (a process killed while writing). The caller makes sure no add of
        ``image_id`` to this store is running. An extension of ours; stores
        whose adds leave nothing partial need not override it."""

    def final_urls(self, image_id):
        """The URLs a finished ``add`` of ``image_id`` may have returned,
        whether or not data is there, so that a caller who knows the add
        was never recorded can delete what it wrote. An extension of ours;
        none by default (the store cannot tell)."""
        return []

    @capabilities.check
    def add(
        self,
        image_id,
        image_file,
        image_size,
        hashing_algo,
        context=None,
        verifier=None,
    ):
        """Store the data read from ``image_file``.

        Returns ``(url, bytes_written, md5 hexdigest, multihash hexdigest,
        location metadata)``.
        """
        raise NotImplementedError

    @capabilities.check
    def delete(self, location, context=None):
        raise NotImplementedError

    def set_acls(
        self,
        location,
        public=False,
        read_tenants=None,
        write_tenants=None,
        context=None,
    ):
        """Change who may read the data (drivers with ACLs override)."""
        raise NotImplementedError


class _StoreOptions:
    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        try:
            return self._store.option(name)
        except cfg.NoSuchOptError:
            raise AttributeError(name) from None

    def get(self, name, default=None):
        return getattr(self, name, default)


_LEGACY_HASHING_ALGO = 'md5'


def back_compat_add(store_add):
    """Let ``add`` also serve callers written before multihash existed.

    Such callers pass ``(image_id, image_file, image_size[, context[,
    verifier]])`` and get ``(url, size, md5, metadata)`` back.
    """

    @functools.wraps(store_add)
    def add(store, image_id, image_file, image_size, *args, **kwargs):
        if 'hashing_algo' in kwargs or (args and isinstance(args[0], str)):
            return store_add(
                store, image_id, image_file, image_size, *args, **kwargs
            )
        url, size, checksum, _multihash, metadata = store_add(
            store,
            image_id,
            image_file,
            image_size,
            _LEGACY_HASHING_ALGO,
            *args,
            **kwargs,
        )
        return url, size, checksum, metadata

    return add
