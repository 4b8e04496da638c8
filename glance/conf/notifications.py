"""Notification options: ours in [DEFAULT] (upstream's names and
defaults) and oslo.messaging's own, ``[DEFAULT] transport_url`` and the
``[oslo_messaging_notifications]`` group, registered from its option list
so start-up and the configuration reference see them."""

import warnings

from oslo_config import cfg

# oslo.messaging imports oslo.service, whose eventlet backend warns on
# import (on stderr of every command); glance uses no eventlet.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
import oslo_messaging  # noqa: E402
from oslo_messaging import opts as messaging_opts  # noqa: E402

opts = [
    cfg.StrOpt(
        'default_publisher_id',
        default='image.localhost',
        help='Publisher id of the notifications glance-api sends.',
    ),
    cfg.ListOpt(
        'disabled_notifications',
        default=[],
        help='Notifications not to send: event types such as image.send, '
        'groups such as image.member.* (every event type starting with '
        'image.member.), or, as upstream, the part before the first dot '
        '(image, task, metadef_tag: the whole group).',
    ),
]

# oslo.messaging's groups a notifier reads (None: [DEFAULT], where
# transport_url lives).
MESSAGING_GROUPS = (None, 'oslo_messaging_notifications')


def _messaging_opts():
    return [
        (group, group_opts)
        for group, group_opts in messaging_opts.list_opts()
        if group in MESSAGING_GROUPS
    ]


def register_opts(conf):
    # Upstream's exchange. Set before the options are copied: oslo.messaging
    # registers its own again, and oslo.config wants them equal.
    oslo_messaging.set_transport_defaults('glance')
    conf.register_opts(opts)
    for group, group_opts in _messaging_opts():
        conf.register_opts(group_opts, group=group)


def list_opts():
    oslo_messaging.set_transport_defaults('glance')
    return [('DEFAULT', opts)] + [
        (group or 'DEFAULT', group_opts)
        for group, group_opts in _messaging_opts()
    ]
