"""Plain image and location records, and the image life cycle.

The DB layer returns these records; handlers and the repository layers read
and change them. ``LIFE_CYCLE`` is the one table of image status changes.
"""

import dataclasses
import datetime

from glance import exception

# In the order of upstream's ``image_visibility`` column type: MySQL sorts
# and compares ENUM values by position.
VISIBILITIES = ('private', 'public', 'shared', 'community')

# What images may be sorted by (upstream's list).
SORT_KEYS = (
    'name',
    'status',
    'container_format',
    'disk_format',
    'size',
    'id',
    'created_at',
    'updated_at',
    'visibility',
    'owner',
    'min_ram',
    'min_disk',
    'virtual_size',
    'os_hidden',
    'protected',
)

# The image life cycle: event -> {status it may happen in: next status}.
# Every status change of an image goes through ``next_status``.
LIFE_CYCLE = {
    # PUT /file: the data is being written, then recorded (or not).
    'upload': {'queued': 'saving'},
    # PUT /stage: the data is being written to the staging area.
    'stage': {'queued': 'uploading'},
    # A write refused or interrupted, in this process or in one that died
    # (glance.image_data.abandon_write): its data removed, back to queued.
    'write_failed': {'saving': 'queued', 'uploading': 'queued'},
    # Imports, by method: what each starts from, and while it runs.
    'glance-direct': {'uploading': 'importing'},
    'web-download': {'queued': 'importing'},
    'copy-image': {'active': 'active'},
    'import_failed': {
        'importing': 'queued',
        'queued': 'queued',
        'active': 'active',
    },
    # Data recorded: by an upload, an import, or a first location added.
    'activate': {'saving': 'active', 'importing': 'active'},
    'add_location': {'queued': 'active', 'active': 'active'},
    'deactivate': {'active': 'deactivated', 'deactivated': 'deactivated'},
    'reactivate': {'deactivated': 'active', 'active': 'active'},
}
# What an event not allowed in the image's status raises: 409, except
# where upstream answers 403.
_REFUSAL = {
    'deactivate': exception.Forbidden,
    'reactivate': exception.Forbidden,
}
_WHAT = {
    'upload': 'data upload',
    'stage': 'data staging',
    'add_location': 'adding a location',
    'glance-direct': 'a glance-direct import',
    'web-download': 'a web-download import',
    'copy-image': 'a copy-image import',
}


def next_status(image, event):
    """The status ``image`` moves to on ``event``, or the event's refusal
    (one message format for every event)."""
    status = LIFE_CYCLE[event].get(image.status)
    if status is None:
        allowed = ' or '.join(sorted(LIFE_CYCLE[event]))
        raise _REFUSAL.get(event, exception.Conflict)(
            'Image %s is %s; %s needs an image that is %s.'
            % (image.id, image.status, _WHAT.get(event, event), allowed)
        )
    return status


# Attributes stored as columns of the images table (everything else a
# client sets is an extra property).
CORE_ATTRIBUTES = (
    'id',
    'name',
    'status',
    'visibility',
    'protected',
    'os_hidden',
    'checksum',
    'os_hash_algo',
    'os_hash_value',
    'size',
    'virtual_size',
    'disk_format',
    'container_format',
    'min_disk',
    'min_ram',
    'owner',
    'created_at',
    'updated_at',
    'deleted_at',
    'deleted',
)


@dataclasses.dataclass
class Location:
    """One row of image_locations: ``url`` is the column ``value``."""

    url: str
    metadata: dict = dataclasses.field(default_factory=dict)
    status: str = 'active'
    id: int | None = None
    image_id: str | None = None

    @property
    def store(self):
        return (self.metadata or {}).get('store')


@dataclasses.dataclass
class Image:
    id: str
    status: str = 'queued'
    name: str | None = None
    visibility: str = 'shared'
    protected: bool = False
    os_hidden: bool = False
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    size: int | None = None
    virtual_size: int | None = None
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    owner: str | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    deleted_at: datetime.datetime | None = None
    deleted: bool = False
    properties: dict = dataclasses.field(default_factory=dict)
    tags: list = dataclasses.field(default_factory=list)
    locations: list = dataclasses.field(default_factory=list)

    @property
    def active_locations(self):
        return [loc for loc in self.locations if loc.status == 'active']


@dataclasses.dataclass
class Member:
    image_id: str
    member: str
    status: str = 'pending'
    can_share: bool = False
    id: int | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None


TASK_FINISHED = ('success', 'failure')
# The lease of a running upload or stage (``glance.leases``): an internal
# task row, never shown by the tasks API, removed when the write ends.
WRITE_TASK = 'os_glance_write'


@dataclasses.dataclass
class Task:
    id: str
    type: str
    status: str
    owner: str
    input: dict | None = None
    result: dict | None = None
    message: str = ''
    expires_at: datetime.datetime | None = None
    image_id: str | None = None
    request_id: str | None = None
    user_id: str | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None

    def expiry(self, ttl):
        """When the task stops being shown: its own ``expires_at``, else
        ``ttl`` after it finished; None while it runs."""
        if self.expires_at is not None:
            return self.expires_at
        if self.status in TASK_FINISHED and self.updated_at is not None:
            return self.updated_at + ttl
        return None
