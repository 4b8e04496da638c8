"""JSON-patch bodies of image updates: parsing and applying, no HTTP.

Two media types, as upstream: 2.1 is RFC 6902 style
(``{"op": "replace", "path": "/name", "value": "x"}``), 2.0 names the
operation as the key (``{"replace": "/name", "value": "x"}``). Paths are one
level deep (``/name``, ``/tags``, ``/<extra property>``) except locations
(``/locations``, ``/locations/<index>`` or ``/locations/-``).
"""

import dataclasses

from glance import domain
from glance import exception
from glance.schemas import image as image_schema

MEDIA_TYPE_2_1 = 'application/openstack-images-v2.1-json-patch'
MEDIA_TYPE_2_0 = 'application/openstack-images-v2.0-json-patch'
MEDIA_TYPES = (MEDIA_TYPE_2_1, MEDIA_TYPE_2_0)
OPERATIONS = ('add', 'remove', 'replace')

# Columns a client may change (the rest of domain.CORE_ATTRIBUTES are set by
# the service).
WRITABLE_COLUMNS = frozenset(
    [
        'name',
        'visibility',
        'protected',
        'os_hidden',
        'disk_format',
        'container_format',
        'min_disk',
        'min_ram',
        'owner',
    ]
)


@dataclasses.dataclass(frozen=True)
class Operation:
    op: str
    path: tuple
    value: object = None

    @property
    def name(self):
        return self.path[0]


def parse(document, media_type=MEDIA_TYPE_2_1):
    """The list of ``Operation`` in a patch body; Invalid when malformed."""
    if not isinstance(document, list):
        raise exception.Invalid(
            'Request body must be a JSON array of operation objects.'
        )
    return [_parse_operation(item, media_type) for item in document]


def _parse_operation(item, media_type):
    if not isinstance(item, dict):
        raise exception.Invalid('Operations must be JSON objects.')
    if media_type == MEDIA_TYPE_2_0:
        ops = [key for key in OPERATIONS if key in item]
        if len(ops) != 1:
            raise exception.Invalid(
                'Operation objects must contain exactly one member named '
                '"add", "remove", or "replace".'
            )
        op, pointer = ops[0], item[ops[0]]
    else:
        op, pointer = item.get('op'), item.get('path')
        if op not in OPERATIONS:
            raise exception.Invalid(
                'Operation objects must contain an "op" member with one of '
                'the values "add", "remove", or "replace".'
            )
    if op == 'remove':
        return Operation(op, parse_pointer(pointer))
    if 'value' not in item:
        raise exception.Invalid(
            'Operation object must contain a "value" member.'
        )
    return Operation(op, parse_pointer(pointer), item['value'])


def parse_pointer(pointer):
    """``'/a~1b'`` -> ``('a/b',)``; only paths our images have."""
    if not isinstance(pointer, str) or not pointer.startswith('/'):
        raise exception.Invalid(
            'Pointer `%s` does not start with "/".' % (pointer,)
        )
    parts = tuple(_unescape(part) for part in pointer[1:].split('/'))
    if parts[0] == 'locations' and len(parts) <= 2:
        if len(parts) == 2 and not _is_index(parts[1]):
            raise _bad_pointer(pointer)
        return parts
    if len(parts) != 1 or not parts[0]:
        raise _bad_pointer(pointer)
    return parts


def _is_index(part):
    return part == '-' or part.isdigit()


def _unescape(part):
    if '~' in part.replace('~0', '').replace('~1', ''):
        raise exception.Invalid('Invalid JSON pointer escape in "%s"' % part)
    return part.replace('~1', '/').replace('~0', '~')


def _bad_pointer(pointer):
    return exception.Invalid(
        "Invalid JSON pointer for this resource: '%s'" % pointer
    )


def check_settable(name):
    """Forbidden unless a client may set attribute ``name``."""
    if name in image_schema.RESERVED or name.startswith(
        image_schema.RESERVED_PREFIX
    ):
        raise exception.ReservedProperty(property=name)
    if name in image_schema.READ_ONLY or (
        name in domain.CORE_ATTRIBUTES and name not in WRITABLE_COLUMNS
    ):
        raise exception.Forbidden("Attribute '%s' is read-only." % name)


def apply(image, operations):
    """Apply all but location operations to ``image`` (changed in place).

    Returns the location operations, which need the stores and the DB.
    """
    location_ops = []
    for operation in operations:
        if operation.name == 'locations':
            location_ops.append(operation)
            continue
        check_settable(operation.name)
        if operation.name == 'tags':
            _apply_tags(image, operation)
        elif operation.name in WRITABLE_COLUMNS:
            _apply_column(image, operation)
        else:
            _apply_property(image.properties, operation)
    return location_ops


def _apply_tags(image, operation):
    if operation.op == 'remove':
        image.tags = []
    elif isinstance(operation.value, list):
        image.tags = list(dict.fromkeys(operation.value))
    else:
        raise exception.Invalid('Tags must be given as a list of strings.')


def _apply_column(image, operation):
    if operation.op == 'remove':
        raise exception.Forbidden(
            "Attribute '%s' cannot be removed." % operation.name
        )
    setattr(image, operation.name, operation.value)


def _apply_property(properties, operation):
    name = operation.name
    if operation.op in ('replace', 'remove') and name not in properties:
        raise exception.Conflict('Property %s does not exist.' % name)
    if operation.op == 'remove':
        del properties[name]
    else:
        properties[name] = operation.value
