"""Accepted so that existing glance-api-paste.ini files load; no cache."""

from glance.api.middleware import base


class CacheFilter(base.Middleware):
    """Image cache filter: passes every request through (not built)."""
