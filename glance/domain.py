"""Plain image and location records shared by the DB layer and the API.

The DB layer returns these; handlers and the lazy store layer read and
change them.
"""

import dataclasses
import datetime

VISIBILITIES = ('public', 'private', 'shared', 'community')

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
