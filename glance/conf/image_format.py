"""[image_format]: the disk and container formats images may declare."""

from oslo_config import cfg

GROUP = 'image_format'

opts = [
    cfg.ListOpt(
        'container_formats',
        default=[
            'ami',
            'ari',
            'aki',
            'bare',
            'ovf',
            'ova',
            'docker',
            'compressed',
        ],
        deprecated_opts=[
            cfg.DeprecatedOpt('container_formats', group='DEFAULT')
        ],
        help="Values the image attribute 'container_format' may take.",
    ),
    cfg.ListOpt(
        'disk_formats',
        default=[
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
        ],
        deprecated_opts=[cfg.DeprecatedOpt('disk_formats', group='DEFAULT')],
        help="Values the image attribute 'disk_format' may take.",
    ),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return [(GROUP, opts)]
