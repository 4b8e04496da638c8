"""[task]: how long finished tasks stay visible."""

from oslo_config import cfg

GROUP = 'task'

opts = [
    cfg.IntOpt(
        'task_time_to_live',
        default=48,
        min=0,
        deprecated_opts=[cfg.DeprecatedOpt('task_time_to_live', 'DEFAULT')],
        help='Hours a task stays visible after it succeeded or failed; '
        'after that the tasks API no longer shows it.',
    ),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return [(GROUP, opts)]
