"""Accepted so that existing glance-api-paste.ini files load; no cache."""

from glance.api.middleware import base


class CacheManageFilter(base.Middleware):
    """Cache management filter: passes every request through (not built)."""
