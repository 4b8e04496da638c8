"""[image_format]: the disk and container formats images may declare, and
how their data is inspected (``glance.format_inspection``)."""

from oslo_config import cfg

from glance.schemas import image as image_schema

GROUP = 'image_format'

opts = [
    cfg.ListOpt(
        'container_formats',
        default=list(image_schema.CONTAINER_FORMATS),
        deprecated_opts=[
            cfg.DeprecatedOpt('container_formats', group='DEFAULT')
        ],
        help="Values the image attribute 'container_format' may take.",
    ),
    cfg.ListOpt(
        'disk_formats',
        default=list(image_schema.DISK_FORMATS),
        deprecated_opts=[cfg.DeprecatedOpt('disk_formats', group='DEFAULT')],
        help="Values the image attribute 'disk_format' may take.",
    ),
    cfg.ListOpt(
        'vmdk_allowed_types',
        default=['streamOptimized', 'monolithicSparse'],
        help='VMDK create-types accepted; others (descriptor files naming '
        'extents, which could expose host files) are refused as unsafe. '
        'Empty: no VMDK is accepted.',
    ),
    cfg.BoolOpt(
        'require_image_format_match',
        default=True,
        help='Refuse (415) uploads and imports whose data is not of the '
        "image's disk_format. Safety checks apply either way.",
    ),
    cfg.ListOpt(
        'gpt_safety_checks_nonfatal',
        default=[],
        help='Names of safety checks ("mbr", "gptmbr") that only log a '
        'warning for data detected as gpt instead of refusing it.',
    ),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return [(GROUP, opts)]
