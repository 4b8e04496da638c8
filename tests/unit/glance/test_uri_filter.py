"""Table-driven tests of glance.uri_filter."""

import socket

import testtools
from oslo_config import cfg

from glance import uri_filter
from glance.conf import import_filtering

DEFAULTS = {}
ONLY_HOSTS = {'allowed_hosts': ['images.example.com', '[2001:DB8::1]']}
DENY_LOCAL = {'disallowed_hosts': ['127.0.0.1', 'localhost', '::1']}
ANY_PORT_BUT_22 = {'allowed_ports': [], 'disallowed_ports': [22]}
NO_SCHEME_LIST = {'allowed_schemes': [], 'disallowed_schemes': ['HTTP']}
BOTH = {
    'allowed_hosts': ['a.example.com'],
    'disallowed_hosts': ['a.example.com'],
    'allowed_ports': [8080],
    'disallowed_ports': [8080],
}

# What the stand-in resolver answers for names (no DNS query is made:
# numeric hosts are parsed, unknown names do not resolve).
NAMES = {
    'example.com': ['93.184.216.34'],
    'images.example.com': ['10.0.0.5'],
    'a.example.com': ['10.0.0.6'],
    'b.example.com': ['10.0.0.7'],
    'other.example.com': ['10.0.0.8'],
    'localhost': ['127.0.0.1', '::1'],
    'metadata.example.com': ['169.254.169.254'],
    'half-local.example.com': ['10.0.0.9', '127.0.0.1'],
}
LOCAL_ALLOWED = {'allowed_hosts': ['localhost', '127.0.0.1']}


def resolve(host, port):
    if host.lower() in NAMES:
        return NAMES[host.lower()]
    try:
        found = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
    except socket.gaierror:
        return []
    return [sockaddr[0] for *_, sockaddr in found]


# (options, uri, allowed)
CASES = [
    # defaults: http(s), any host, ports 80 and 443 or none at all
    (DEFAULTS, 'http://example.com/img', True),
    (DEFAULTS, 'https://example.com:443/img', True),
    (DEFAULTS, 'HTTP://Example.COM:80/img', True),
    (DEFAULTS, 'https://example.com:8443/img', False),
    (DEFAULTS, 'http://127.0.0.1:22/', False),
    (DEFAULTS, 'ftp://example.com/img', False),
    (DEFAULTS, 'file:///etc/passwd', False),
    # no scheme, no host, unparsable host or port: refused
    (DEFAULTS, '//example.com/img', False),
    (DEFAULTS, 'http:///img', False),
    (DEFAULTS, 'example.com/img', False),
    (DEFAULTS, 'http://[::1/img', False),
    (DEFAULTS, 'http://example.com:99999/img', False),
    (DEFAULTS, 'http://example.com:port/img', False),
    # an allow list of hosts is all that passes
    (ONLY_HOSTS, 'https://images.example.com/img', True),
    (ONLY_HOSTS, 'https://IMAGES.example.com./img', True),
    (ONLY_HOSTS, 'https://[2001:db8:0::1]/img', True),
    (ONLY_HOSTS, 'https://other.example.com/img', False),
    (ONLY_HOSTS, 'https://images.example.com.evil.org/img', False),
    # a deny list cannot be dodged with another spelling of the host
    (DENY_LOCAL, 'http://example.com/img', True),
    (DENY_LOCAL, 'http://127.0.0.1/img', False),
    (DENY_LOCAL, 'http://127.1/img', False),
    (DENY_LOCAL, 'http://0x7f.0.0.1/img', False),
    (DENY_LOCAL, 'http://2130706433/img', False),
    (DENY_LOCAL, 'http://LocalHost./img', False),
    (DENY_LOCAL, 'http://[::0001]/img', False),
    (DENY_LOCAL, 'http://user:secret@127.0.0.1/img', False),
    # an empty allow list makes the deny list count
    (ANY_PORT_BUT_22, 'http://example.com:8080/img', True),
    (ANY_PORT_BUT_22, 'http://example.com:22/img', False),
    (NO_SCHEME_LIST, 'https://example.com/img', True),
    (NO_SCHEME_LIST, 'http://example.com/img', False),
    # with both lists set, the allow list wins
    (BOTH, 'http://a.example.com:8080/img', True),
    (BOTH, 'http://b.example.com:8080/img', False),
    (BOTH, 'http://a.example.com:8081/img', False),
    # loopback, link-local and unspecified, by every spelling: refused
    (DEFAULTS, 'http://127.0.0.1/', False),
    (DEFAULTS, 'http://127.1/', False),
    (DEFAULTS, 'http://0x7f.0.0.1/', False),
    (DEFAULTS, 'http://2130706433/', False),
    (DEFAULTS, 'http://017700000001/', False),
    (DEFAULTS, 'http://localhost/', False),
    (DEFAULTS, 'http://LOCALHOST./', False),
    (DEFAULTS, 'http://[::1]/', False),
    (DEFAULTS, 'http://[::ffff:127.0.0.1]/', False),
    (DEFAULTS, 'http://[::ffff:7f00:1]/', False),
    (DEFAULTS, 'http://169.254.169.254/latest/meta-data/', False),
    (DEFAULTS, 'http://[::ffff:169.254.169.254]/', False),
    (DEFAULTS, 'http://[fe80::1]/', False),
    (DEFAULTS, 'http://0.0.0.0/', False),
    (DEFAULTS, 'http://0/', False),
    (DEFAULTS, 'http://[::]/', False),
    (DEFAULTS, 'http://metadata.example.com/', False),
    (DEFAULTS, 'http://half-local.example.com/', False),
    (DEFAULTS, 'http://unresolvable.invalid/', False),
    # private ranges stay allowed (internal mirrors)
    (DEFAULTS, 'http://10.1.2.3/img', True),
    (DEFAULTS, 'http://192.168.1.1/img', True),
    (DEFAULTS, 'http://[fd00::1]/img', True),
    # unless allowed_hosts names the host
    (LOCAL_ALLOWED, 'http://localhost/img', True),
    (LOCAL_ALLOWED, 'http://127.0.0.1/img', True),
    (LOCAL_ALLOWED, 'http://169.254.169.254/img', False),
]


def filter_conf(options):
    conf = cfg.ConfigOpts()
    import_filtering.register_opts(conf)
    conf([], project='glance')
    for name, value in options.items():
        conf.set_override(name, value, group=import_filtering.GROUP)
    return conf


class ValidateImportUriTest(testtools.TestCase):
    def test_cases(self):
        for options, uri, allowed in CASES:
            self.assertEqual(
                allowed,
                uri_filter.validate_import_uri(
                    filter_conf(options), uri, resolve
                ),
                (options, uri),
            )

    def test_checked_address_is_the_one_to_connect_to(self):
        conf = filter_conf(LOCAL_ALLOWED)
        self.assertEqual(
            '127.0.0.1',
            uri_filter.checked_address(conf, 'http://2130706433/', resolve),
        )
        self.assertEqual(
            '93.184.216.34',
            uri_filter.checked_address(
                filter_conf(DEFAULTS), 'http://example.com/', resolve
            ),
        )
        self.assertIsNone(
            uri_filter.checked_address(conf, 'http://[::1]/', resolve)
        )

    def test_upstream_defaults(self):
        opts = filter_conf(DEFAULTS).import_filtering_opts
        self.assertEqual(['http', 'https'], opts.allowed_schemes)
        self.assertEqual([80, 443], opts.allowed_ports)
        for name in (
            'disallowed_schemes',
            'allowed_hosts',
            'disallowed_hosts',
            'disallowed_ports',
        ):
            self.assertEqual([], opts[name], name)
