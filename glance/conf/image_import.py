"""Import plugins: [image_import_opts], [image_conversion] and
[inject_metadata_properties], with upstream's names, types and defaults.

Upstream reads them from ``glance-image-import.conf`` beside
``glance-api.conf``; here they may be in either file (the WSGI entry
point reads both, as upstream's).
"""

from oslo_config import cfg

IMPORT_GROUP = 'image_import_opts'
CONVERSION_GROUP = 'image_conversion'
INJECT_GROUP = 'inject_metadata_properties'

import_opts = [
    cfg.ListOpt(
        'image_import_plugins',
        item_type=cfg.types.String(quotes=True),
        bounds=True,
        default=[],
        sample_default='[no_op]',
        help='Plugins every glance-direct and web-download import runs, in '
        'this order, on the staged data before it is copied to the stores '
        '(copy-image runs none, as upstream). Names of entry points of '
        'namespace glance.image_import.plugins: no_op, image_conversion, '
        'image_decompression, inject_image_metadata. Written in brackets: '
        '[image_decompression, image_conversion]. An unknown name stops '
        'glance-api at start-up.',
    ),
]

conversion_opts = [
    cfg.StrOpt(
        'output_format',
        default='raw',
        choices=('qcow2', 'raw', 'vmdk'),
        help='Disk format the image_conversion plugin converts imported '
        'images to with qemu-img (raw for Ceph copy-on-write clones). An '
        'image whose data is not of its disk_format, or fails the safety '
        'checks, is refused before qemu-img reads it.',
    ),
]

inject_opts = [
    cfg.ListOpt(
        'ignore_user_roles',
        default=['admin'],
        help='Roles whose imports the inject_image_metadata plugin leaves '
        'alone: a caller with any of them gets no injected properties.',
    ),
    cfg.DictOpt(
        'inject',
        default={},
        help='Properties (key:value,key:value) the inject_image_metadata '
        'plugin sets on every image imported by a caller without an '
        'ignored role. Keys starting with os_glance and the names of core '
        'image attributes are never injected.',
    ),
]


WSGI_GROUP = 'wsgi'

wsgi_opts = [
    cfg.StrOpt(
        'python_interpreter',
        help="Python that runs oslo.concurrency's prlimit wrapper around "
        'qemu-img (image_conversion). Unset: the Python running glance-api; '
        'set it under uWSGI or mod_wsgi, whose executable is not Python.',
    ),
]


def register_opts(conf):
    conf.register_opts(wsgi_opts, group=WSGI_GROUP)
    conf.register_opts(import_opts, group=IMPORT_GROUP)
    conf.register_opts(conversion_opts, group=CONVERSION_GROUP)
    conf.register_opts(inject_opts, group=INJECT_GROUP)


def list_opts():
    return [
        (IMPORT_GROUP, import_opts),
        (CONVERSION_GROUP, conversion_opts),
        (INJECT_GROUP, inject_opts),
        (WSGI_GROUP, wsgi_opts),
    ]
