"""The image schema (``/v2/schemas/image``) with upstream's properties."""

import copy

from glance import domain
from glance.schemas import common

CONTAINER_FORMATS = [
    'ami',
    'ari',
    'aki',
    'bare',
    'ovf',
    'ova',
    'docker',
    'compressed',
]
DISK_FORMATS = [
    'ami',
    'ari',
    'aki',
    'vhd',
    'vhdx',
    'vmdk',
    'raw',
    'qcow2',
    'vdi',
    'iso',
    'ploop',
]
STATUSES = [
    'queued',
    'saving',
    'active',
    'killed',
    'deleted',
    'uploading',
    'importing',
    'pending_delete',
    'deactivated',
]


def _read_only(type_, description, **extra):
    return dict(type=type_, readOnly=True, description=description, **extra)


def _nullable_string(description, max_length=255, **extra):
    return dict(
        type=['null', 'string'],
        description=description,
        maxLength=max_length,
        **extra,
    )


PROPERTIES = {
    'id': {
        'type': 'string',
        'description': 'An identifier for the image',
        'pattern': common.UUID_PATTERN,
    },
    'name': _nullable_string('Descriptive name for the image'),
    'status': _read_only('string', 'Status of the image', enum=list(STATUSES)),
    'visibility': {
        'type': 'string',
        'description': 'Scope of image accessibility',
        'enum': sorted(domain.VISIBILITIES),
    },
    'protected': {
        'type': 'boolean',
        'description': 'If true, image will not be deletable.',
    },
    'os_hidden': {
        'type': 'boolean',
        'description': 'If true, image will not appear in default '
        'image list response.',
    },
    'checksum': _read_only(
        ['null', 'string'], 'md5 hash of image contents.', maxLength=32
    ),
    'os_hash_algo': _read_only(
        ['null', 'string'],
        'Algorithm to calculate the os_hash_value',
        maxLength=64,
    ),
    'os_hash_value': _read_only(
        ['null', 'string'],
        'Hexdigest of the image contents using the algorithm specified '
        'by the os_hash_algo',
        maxLength=128,
    ),
    'owner': _nullable_string('Owner of the image'),
    'size': _read_only(['null', 'integer'], 'Size of image file in bytes'),
    'virtual_size': _read_only(
        ['null', 'integer'], 'Virtual size of image in bytes'
    ),
    'container_format': {
        'type': ['null', 'string'],
        'description': 'Format of the container',
        'enum': [None] + CONTAINER_FORMATS,
    },
    'disk_format': {
        'type': ['null', 'string'],
        'description': 'Format of the disk',
        'enum': [None] + DISK_FORMATS,
    },
    'created_at': _read_only('string', 'Date and time of image registration'),
    'updated_at': _read_only(
        'string', 'Date and time of the last image modification'
    ),
    'tags': {
        'type': 'array',
        'description': 'List of strings related to the image',
        'items': {'type': 'string', 'maxLength': 255},
    },
    'direct_url': _read_only(
        'string', 'URL to access the image file kept in external store'
    ),
    'min_ram': {
        'type': 'integer',
        'minimum': 0,
        'description': 'Amount of ram (in MB) required to boot image.',
    },
    'min_disk': {
        'type': 'integer',
        'minimum': 0,
        'description': 'Amount of disk space (in GB) required to boot image.',
    },
    'self': _read_only('string', 'An image self url'),
    'file': _read_only('string', 'An image file url'),
    'stores': _read_only('string', 'Store in which image data resides.'),
    'schema': _read_only('string', 'An image schema url'),
    'locations': {
        'type': 'array',
        'description': 'A set of URLs to access the image file kept in '
        'external store',
        'items': {
            'type': 'object',
            'properties': {
                'url': {'type': 'string', 'maxLength': 255},
                'metadata': {'type': 'object'},
            },
            'required': ['url', 'metadata'],
        },
    },
    'kernel_id': _nullable_string(
        'ID of image stored in Glance that should be used as the kernel '
        'when booting an AMI-style image.',
        pattern=common.UUID_PATTERN,
        is_base=False,
    ),
    'ramdisk_id': _nullable_string(
        'ID of image stored in Glance that should be used as the ramdisk '
        'when booting an AMI-style image.',
        pattern=common.UUID_PATTERN,
        is_base=False,
    ),
    'instance_uuid': {
        'type': 'string',
        'description': 'Metadata which can be used to record which '
        'instance this image is associated with.',
        'is_base': False,
    },
    'architecture': {
        'type': 'string',
        'description': 'Operating system architecture as specified in '
        'https://docs.openstack.org/python-glanceclient/latest/cli'
        '/property-keys.html',
        'is_base': False,
    },
    'os_distro': {
        'type': 'string',
        'description': 'Common name of operating system distribution as '
        'specified in https://docs.openstack.org/python-glanceclient/'
        'latest/cli/property-keys.html',
        'is_base': False,
    },
    'os_version': {
        'type': 'string',
        'description': 'Operating system version as specified by the '
        'distributor.',
        'is_base': False,
    },
    'description': {
        'type': 'string',
        'description': 'A human-readable string describing this image.',
        'is_base': False,
    },
    'cinder_encryption_key_id': {
        'type': 'string',
        'description': 'Identifier in the OpenStack Key Management '
        'Service for the encryption key for the Block Storage Service to '
        'use when mounting a volume created from this image',
        'is_base': False,
    },
    'cinder_encryption_key_deletion_policy': {
        'type': 'string',
        'enum': ['on_image_deletion', 'do_not_delete'],
        'description': 'States the condition under which the Image '
        'Service will delete the object associated with the '
        "'cinder_encryption_key_id' image property.",
        'is_base': False,
    },
}

LINKS = [
    {'rel': 'self', 'href': '{self}'},
    {'rel': 'enclosure', 'href': '{file}'},
    {'rel': 'describedby', 'href': '{schema}'},
]

# Shown but never set by a client: 403 "read-only" on create or update.
READ_ONLY = frozenset(
    name for name, spec in PROPERTIES.items() if spec.get('readOnly')
)
# Columns and flags no client may name at all: 403 "reserved".
RESERVED = frozenset(['location', 'deleted', 'deleted_at'])
RESERVED_PREFIX = 'os_glance'


def image_schema(
    allow_additional_properties=True,
    disk_formats=DISK_FORMATS,
    container_formats=CONTAINER_FORMATS,
):
    schema = {
        'name': 'image',
        'properties': copy.deepcopy(PROPERTIES),
        'links': copy.deepcopy(LINKS),
    }
    properties = schema['properties']
    properties['disk_format']['enum'] = [None] + list(disk_formats)
    properties['container_format']['enum'] = [None] + list(container_formats)
    if allow_additional_properties:
        schema['additionalProperties'] = {'type': 'string'}
    else:
        schema['additionalProperties'] = False
    return schema


def for_conf(conf):
    """The image schema of a deployment: ``[image_format]`` sets the
    formats, ``allow_additional_image_properties`` extra properties."""
    return image_schema(
        conf.allow_additional_image_properties,
        conf.image_format.disk_formats,
        conf.image_format.container_formats,
    )


def images_schema(allow_additional_properties=True, image=None):
    return {
        'name': 'images',
        'properties': {
            'images': {
                'type': 'array',
                'items': image or image_schema(allow_additional_properties),
            },
            'schema': {'type': 'string'},
            'first': {'type': 'string'},
            'next': {'type': 'string'},
        },
        'links': [
            {'rel': 'first', 'href': '{first}'},
            {'rel': 'next', 'href': '{next}'},
            {'rel': 'describedby', 'href': '{schema}'},
        ],
    }
