"""``inject_image_metadata``: the ``[inject_metadata_properties] inject``
properties set on every image imported by a caller who has none of the
``ignore_user_roles`` (default: admin), as upstream.

They are set when the import starts, with the import lock, so a resumed
import (which has no caller) needs nothing more. Keys glance reserves
(``os_glance*``) and names of core attributes are skipped with a
warning: an operator's typo must not become a lock or a disk format.
"""

import logging

from glance import domain

LOG = logging.getLogger(__name__)

_KEY_LENGTH = 255


class Injection:
    def __init__(self, conf):
        self.conf = conf

    def properties(self, caller, image):
        group = self.conf.inject_metadata_properties
        ignored = set(group.ignore_user_roles)
        if ignored.intersection(caller.roles or ()):
            return {}
        injected = {}
        for key, value in (group.inject or {}).items():
            if (
                key.startswith('os_glance')
                or key in domain.CORE_ATTRIBUTES
                or len(key) > _KEY_LENGTH
            ):
                LOG.warning('Not injecting reserved property %r', key)
                continue
            injected[key] = value
        return injected
