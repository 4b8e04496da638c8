"""Table-driven tests of glance.uri_filter."""

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
                uri_filter.validate_import_uri(filter_conf(options), uri),
                (options, uri),
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
