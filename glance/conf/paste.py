"""[paste_deploy] options: which pipeline of glance-api-paste.ini to load."""

from oslo_config import cfg

GROUP = 'paste_deploy'

opts = [
    cfg.StrOpt(
        'flavor',
        help='Suffix of the pipeline to use, e.g. "keystone" selects '
        'glance-api-keystone; unset selects glance-api.',
    ),
    cfg.StrOpt(
        'config_file',
        help='Path to glance-api-paste.ini; searched beside the config '
        'file when unset.',
    ),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return [(GROUP, opts)]
