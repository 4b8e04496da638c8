"""``user_storage_quota``: bytes an owner's images may take in the stores.

As upstream, usage is the size of each image (not killed or deleted)
times its live locations; an upload may write at most what is left.
"""

import re

from glance.db import images

_UNITS = {'': 1, 'B': 1, 'KB': 1024, 'MB': 1024**2, 'GB': 1024**3}
_UNITS['TB'] = 1024**4
_QUOTA = re.compile(r'^(\d+)((K|M|G|T)?B)?$')


def parse(text):
    """Bytes of a quota such as ``500MB`` or ``1073741824`` (0: none)."""
    match = _QUOTA.match(text.strip())
    if match is None:
        raise ValueError(
            'expected a byte count with an optional unit B, KB, MB, GB or TB'
        )
    return int(match.group(1)) * _UNITS[match.group(2) or '']


def upload_cap(context, conf, image):
    """Most bytes an upload of ``image`` may write: ``image_size_cap``,
    less when the owner's quota leaves less."""
    quota = parse(conf.user_storage_quota)
    if not quota or not image.owner:
        return conf.image_size_cap
    used = images.storage_usage(context, image.owner, exclude=image.id)
    return max(0, min(conf.image_size_cap, quota - used))
