"""Store capabilities: what a configured store can do right now."""

import enum
import functools
import inspect

from glance_store import exceptions


class BitMasks(enum.IntEnum):
    NONE = 0b00000000
    ALL = 0b11111111
    READ_ACCESS = 0b00000001
    READ_OFFSET = 0b00000011  # implies READ_ACCESS
    READ_CHUNK = 0b00000101  # implies READ_ACCESS
    READ_RANDOM = 0b00000111  # READ_OFFSET | READ_CHUNK
    WRITE_ACCESS = 0b00001000
    WRITE_OFFSET = 0b00011000  # implies WRITE_ACCESS
    WRITE_CHUNK = 0b00101000  # implies WRITE_ACCESS
    WRITE_RANDOM = 0b00111000  # WRITE_OFFSET | WRITE_CHUNK
    RW_ACCESS = 0b00001001
    RW_OFFSET = 0b00011011
    RW_CHUNK = 0b00101101
    RW_RANDOM = 0b00111111
    DRIVER_REUSABLE = 0b01000000  # one instance may serve every request


class StoreCapability:
    """Mixin keeping a bit set of ``BitMasks``; drivers set ``_CAPABILITIES``.

    ``update_capabilities`` is the hook a driver overrides to recompute
    its capabilities once it is configured.
    """

    _CAPABILITIES = BitMasks.NONE

    def __init__(self):
        # A plain int: combinations of masks are not BitMasks members.
        self._capabilities = int(self._CAPABILITIES)

    @property
    def capabilities(self):
        return self._capabilities

    @staticmethod
    def contains(containing, contained):
        return containing & contained == contained

    def is_capable(self, *capabilities):
        wanted = functools.reduce(
            lambda a, b: a | b, capabilities, BitMasks.NONE
        )
        return self.contains(self._capabilities, wanted)

    def set_capabilities(self, *capabilities):
        for capability in capabilities:
            self._capabilities |= capability

    def unset_capabilities(self, *capabilities):
        for capability in capabilities:
            self._capabilities &= ~capability

    def update_capabilities(self):
        """Recompute capabilities after configuration (driver hook)."""


def _check_get(signature, store, args, kwargs):
    arguments = signature.bind(store, *args, **kwargs).arguments
    offset = arguments.get('offset')
    chunk_size = arguments.get('chunk_size')
    wanted = BitMasks.READ_ACCESS
    if offset:
        wanted |= BitMasks.READ_OFFSET
    if chunk_size:
        wanted |= BitMasks.READ_CHUNK
    if store.is_capable(wanted):
        return
    if wanted == BitMasks.READ_ACCESS:
        raise exceptions.StoreGetNotSupported()
    raise exceptions.StoreRandomGetNotSupported(
        offset=offset, chunk_size=chunk_size
    )


def _check_write(error):
    def checker(signature, store, args, kwargs):
        if not store.is_capable(BitMasks.WRITE_ACCESS):
            raise error()

    return checker


_CHECKS = {
    'get': _check_get,
    'add': _check_write(exceptions.StoreAddDisabled),
    'delete': _check_write(exceptions.StoreDeleteNotSupported),
}


def check(store_op):
    """Refuse a get/add/delete the store is not capable of right now."""
    checker = _CHECKS[store_op.__name__]
    signature = inspect.signature(store_op)

    @functools.wraps(store_op)
    def checked(store, *args, **kwargs):
        checker(signature, store, args, kwargs)
        return store_op(store, *args, **kwargs)

    return checked
