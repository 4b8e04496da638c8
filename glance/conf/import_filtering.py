"""[import_filtering_opts]: which URIs web-download may fetch.

For each part of a URI (scheme, host, port) a non-empty ``allowed_*`` list
is the only thing that passes, and ``disallowed_*`` is then ignored;
otherwise ``disallowed_*`` lists what is refused. As upstream declares
them, values are written in brackets: ``allowed_ports = [80, 443]``.
"""

from oslo_config import cfg
from oslo_config import types

GROUP = 'import_filtering_opts'

_PORTS = types.Integer(min=1, max=65535)
_NAMES = types.String(quotes=True)

opts = [
    cfg.ListOpt(
        'allowed_schemes',
        item_type=_NAMES,
        bounds=True,
        default=['http', 'https'],
        help='URI schemes web-download may fetch; when set, '
        'disallowed_schemes is ignored.',
    ),
    cfg.ListOpt(
        'disallowed_schemes',
        item_type=_NAMES,
        bounds=True,
        default=[],
        help='URI schemes web-download refuses (used only when '
        'allowed_schemes is empty).',
    ),
    cfg.ListOpt(
        'allowed_hosts',
        item_type=_NAMES,
        bounds=True,
        default=[],
        help='Host names or addresses web-download may fetch from; when '
        'set, disallowed_hosts is ignored.',
    ),
    cfg.ListOpt(
        'disallowed_hosts',
        item_type=_NAMES,
        bounds=True,
        default=[],
        help='Host names or addresses web-download refuses (used only '
        'when allowed_hosts is empty).',
    ),
    cfg.ListOpt(
        'allowed_ports',
        item_type=_PORTS,
        bounds=True,
        default=[80, 443],
        help='Ports a web-download URI may name explicitly; when set, '
        'disallowed_ports is ignored. A URI without a port uses its '
        "scheme's default port and is not checked here.",
    ),
    cfg.ListOpt(
        'disallowed_ports',
        item_type=_PORTS,
        bounds=True,
        default=[],
        help='Ports a web-download URI may not name (used only when '
        'allowed_ports is empty).',
    ),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return [(GROUP, opts)]
