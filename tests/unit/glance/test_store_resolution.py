import logging
import operator
import random

import fixtures
import testtools

from glance import store_resolution
from glance.store_resolution import StoreIndex

FILE = ('file', 'filesystem')
S3 = ('s3', 's3+http', 's3+https')
SWIFT = ('swift', 'swift+http', 'swift+https', 'swift+config')
HTTP = ('http', 'https')

# One deployment with a store of every kind, prefixes as each driver
# writes them (UPSTREAM-FACTS A.2), including their quirks: trailing
# slashes or not, credentials in the s3 prefix, the bare 'http'.
DEPLOYMENT = {
    'data': (FILE, ['file:///data']),
    'ssd': (FILE, ['file:///data/ssd/']),
    'images': (FILE, ['file:///srv/images']),
    'pair': (FILE, ['file:///mnt/a', 'file:///mnt/b/']),
    'ceph': (['rbd'], ['rbd://c0ffee-fsid/my%2fpool/']),
    'objects': (S3, ['s3+https://AKIA:s3cr3t@s3.example.com/glance']),
    'by-ref': (SWIFT, ['swift+config://ref1/glance/']),
    'by-auth': (SWIFT, ['swift+https://keystone.example.com/v3/imgs/']),
    'volumes': (['cinder'], ['cinder://volumes']),
    'web': (HTTP, ['http']),
    'vmware': (['vsphere'], ['vsphere://vc.example.com/openstack_glance']),
    'os_glance_staging_store': (FILE, ['file:///var/staging']),
}

RESOLVE_CASES = [
    # nested datadirs: the longest prefix wins
    ('file:///data/abc', 'data'),
    ('file:///data/ssd/abc', 'ssd'),
    ('file:///data/ssd', 'ssd'),
    ('file:///data/ssd2/abc', 'data'),
    # sibling trap: /srv/images does not own /srv/images2
    ('file:///srv/images/abc', 'images'),
    ('file:///srv/images2/abc', None),
    ('file:///srv/images', 'images'),
    ('file:///srv/images/', 'images'),
    ('file:///srv', None),
    # normalisation on the URL side
    ('FILE:///srv//images/./x/../abc', 'images'),
    ('filesystem:///srv/images/abc', 'images'),
    ('file:///srv/%69mages/abc', 'images'),
    ('file:///srv/images/../images2/abc', None),
    # a store with several datadirs owns all of them
    ('file:///mnt/a/abc', 'pair'),
    ('file:///mnt/b/abc', 'pair'),
    ('file:///mnt/c/abc', None),
    # rbd: fsid and pool quoted, escapes compared canonically
    ('rbd://c0ffee-fsid/my%2Fpool/img/snap', 'ceph'),
    ('rbd://c0ffee-fsid/other/img/snap', None),
    ('rbd://C0FFEE-FSID/my%2Fpool/img/snap', None),
    ('rbd://legacy-image', 'ceph'),
    # rbd://<pool>/<image>/<snap>: the only store using that pool
    ('rbd://my%2fpool/img/snap', 'ceph'),
    ('rbd://images/img/snap', None),
    # s3 with and without credentials; unquoted secrets
    ('s3://AKIA:s3cr3t@s3.example.com/glance/id', 'objects'),
    ('s3+https://s3.example.com/glance/id', 'objects'),
    ('s3://OLDKEY:a/b?c#d@S3.Example.com/glance/id', 'objects'),
    ('s3+http://s3.example.com:443/glance/id', None),
    ('s3://s3.example.com/glance2/id', None),
    # swift: reference file, auth address, legacy swift:// (= https)
    ('swift+config://ref1/glance/id', 'by-ref'),
    ('swift+config://ref2/glance/id', None),
    (
        'swift+https://us%3Aer:k%2Fey@keystone.example.com/v3/imgs/id',
        'by-auth',
    ),
    ('swift://keystone.example.com/v3/imgs/id', 'by-auth'),
    ('swift+https://keystone.example.com/v3/imgs_2/id', None),
    # cinder: new URLs name the store; legacy ones are the sole store's
    ('cinder://volumes/5f1c3b5e-5b34-4c5c-9f0d-1c2b3a4d5e6f', 'volumes'),
    ('cinder://volumes2/5f1c3b5e-5b34-4c5c-9f0d-1c2b3a4d5e6f', None),
    ('cinder://5f1c3b5e-5b34-4c5c-9f0d-1c2b3a4d5e6f', 'volumes'),
    # the only http store owns every http(s) URL
    ('http://mirror.example.com/cirros.img', 'web'),
    ('HTTPS://user:pw@Mirror.example.com:443/cirros.img?x=1', 'web'),
    # vsphere URLs hold '/folder', upstream's prefix does not
    ('vsphere://vc.example.com/folder/openstack_glance/id?dsName=d', 'vmware'),
    # reserved stores are never attributed
    ('file:///var/staging/abc', None),
    # junk
    ('', None),
    ('not a url', None),
    ('/data/abc', None),
    ('unknown://data/abc', None),
    ('http', None),
    ('rbd://', None),
    (None, None),
]

NORMALIZE_CASES = [
    ('HTTP://Example.COM:80/a/./b/../c//d/', 'http://example.com/a/c/d'),
    ('https://example.com:443', 'https://example.com/'),
    ('https://example.com:0443/x', 'https://example.com/x'),
    ('http://example.com:8080/', 'http://example.com:8080/'),
    (
        'http://u:p@[FE80::1]:80/x?b=%7e&a=%2f#frag',
        'http://[fe80::1]/x?b=~&a=%2F',
    ),
    ('file:///data/images/', 'file:///data/images'),
    ('file:///', 'file:///'),
    ('file:///data/my img/%7e%2f', 'file:///data/my%20img/~%2F'),
    ('filesystem:///data/../x', 'file:///x'),
    ('rbd://fsid/po%2fol/img/snap/', 'rbd://fsid/po%2Fol/img/snap'),
    ('rbd://Fsid/./img', 'rbd://Fsid/./img'),
    ('s3+https://AK:se/cr@et@Host/bucket/id', 's3://host/bucket/id'),
    ('swift+http://u:k@Auth/v3/c/o', 'swift://auth/v3/c/o'),
    ('swift+config://Ref1/c/', 'swift+config://Ref1/c'),
    ('cinder://Store/vol', 'cinder://Store/vol'),
    ('http', 'http://'),
    ('rbd://', 'rbd://'),
    ('junk', None),
    ('', None),
    (b'file:///x', None),
]

REDACT_CASES = [
    ('s3://AKIA:s3cr3t@host/bucket/id', 's3://host/bucket/id'),
    ('s3+https://AK:se/cr?e#t@host/bucket/id', 's3+https://host/bucket/id'),
    ('swift+https://user:key@auth/v3/c/o', 'swift+https://auth/v3/c/o'),
    (
        'http://u:p@host/x?a=1&X-Amz-Signature=abc',
        'http://host/x?a=1&X-Amz-Signature=***',
    ),
    (
        'https://host/x?temp_url_sig=abc&temp_url_expires=1#frag',
        'https://host/x?temp_url_sig=***&temp_url_expires=1',
    ),
    (
        'http://host/x?token=t&password=p&name=n',
        'http://host/x?token=***&password=***&name=n',
    ),
    ('user:secret@host/x', 'host/x'),
    ('file:///data/a@b/x', 'file:///data/a@b/x'),
    ('rbd://fsid/pool/img/snap', 'rbd://fsid/pool/img/snap'),
]

STRIP_CASES = [
    ('s3://AKIA:se/cr@et@host/bucket/id', 's3://host/bucket/id'),
    ('s3+https://AK:se?c#r@Host:9000/b/id', 's3+https://Host:9000/b/id'),
    ('swift+https://t:u:key@auth/v3/c/o', 'swift+https://auth/v3/c/o'),
    ('http://u:p@host/a@b?sig=s#f', 'http://host/a@b?sig=s#f'),
    ('https://host/x?user=a@b', 'https://host/x?user=a@b'),
    ('file:///data/a@b/x', 'file:///data/a@b/x'),
    ('s3://host/bucket/id', 's3://host/bucket/id'),
    ('user:secret@host/x', 'user:secret@host/x'),
]

# url -> what the lazy update records instead (None: keep it).
REWRITE_CASES = [
    ('s3://AKIA:se/cr@et@host/bucket/id', 's3://host/bucket/id'),
    ('S3+HTTP://AK:s@host/b/id', 'S3+HTTP://host/b/id'),
    ('s3://host/bucket/id', None),
    ('swift+https://u:k@auth/v3/c/o', 'swift+https://auth/v3/c/o'),
    ('swift://t:u:k/ey@Auth/c/o', 'swift://Auth/c/o'),
    ('swift+config://ref1/c/o', None),
    ('http://u:p@host/x', None),
    ('file:///data/a@b/x', None),
    ('junk@', None),
]


class NormalizeTest(testtools.TestCase):
    def test_cases(self):
        for url, expected in NORMALIZE_CASES:
            self.assertEqual(
                expected, store_resolution.normalize(url), 'url %r' % url
            )

    def test_never_raises_on_junk(self):
        alphabet = 'aZ09:/@?#%[]._~-+ \x00\udc80\ud800é'
        rng = random.Random(4)
        index = StoreIndex(DEPLOYMENT)
        for _ in range(3000):
            junk = ''.join(rng.choices(alphabet, k=rng.randint(0, 24)))
            for url in (junk, 'http://' + junk, 's3://' + junk):
                store_resolution.normalize(url)
                store_resolution.redact(url)
                store_resolution.strip_credentials(url)
                store_resolution.rewritten_url(url)
                index.resolve(url)


class RedactTest(testtools.TestCase):
    def test_cases(self):
        for url, expected in REDACT_CASES:
            self.assertEqual(
                expected, store_resolution.redact(url), 'url %r' % url
            )


class StripCredentialsTest(testtools.TestCase):
    def test_cases(self):
        for url, expected in STRIP_CASES:
            self.assertEqual(
                expected,
                store_resolution.strip_credentials(url),
                'url %r' % url,
            )

    def test_only_credentialed_s3_and_swift_urls_are_rewritten(self):
        for url, expected in REWRITE_CASES:
            self.assertEqual(
                expected, store_resolution.rewritten_url(url), 'url %r' % url
            )

    def test_rewritten_url_resolves_like_the_legacy_one(self):
        index = StoreIndex({'cloud': (('s3',), ['s3+http://host/bucket'])})
        legacy = 's3://AK:s/x@host/bucket/id'
        self.assertEqual('cloud', index.resolve(legacy))
        self.assertEqual(
            'cloud', index.resolve(store_resolution.rewritten_url(legacy))
        )

    def test_rewritten_swift_url_resolves_like_the_legacy_one(self):
        index = StoreIndex({'east': (SWIFT, ['swift+http://ks:5000/v3/c/'])})
        legacy = 'swift+http://p:u:k/ey@ks:5000/v3/c/id'
        rewritten = store_resolution.rewritten_url(legacy)
        self.assertEqual('swift+http://ks:5000/v3/c/id', rewritten)
        self.assertEqual('east', index.resolve(legacy))
        self.assertEqual('east', index.resolve(rewritten))


class ResolveTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.index = StoreIndex(DEPLOYMENT)

    def test_cases(self):
        for url, expected in RESOLVE_CASES:
            self.assertEqual(expected, self.index.resolve(url), 'url %r' % url)

    def test_prefix_normalised_like_urls(self):
        index = StoreIndex(
            {'a': (FILE, ['FILE:///data//x/']), 'b': (FILE, ['file:///y/.'])}
        )
        self.assertEqual('a', index.resolve('file:///data/x/id'))
        self.assertEqual('b', index.resolve('file:///y/id'))

    def test_index_is_read_only(self):
        self.assertRaises(AttributeError, setattr, self.index, 'extra', 1)
        self.assertRaises(
            TypeError, operator.setitem, self.index._owners, ('file', ''), 'x'
        )


class SpecialRulesTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.log = self.useFixture(
            fixtures.FakeLogger(
                name='glance.store_resolution', level=logging.WARNING
            )
        )

    def test_several_http_stores_match_nothing_and_say_why(self):
        index = StoreIndex(
            {
                'web1': (HTTP, ['http']),
                'web2': (HTTP, ['http://', 'https://']),
                'data': (FILE, ['file:///data']),
            }
        )
        self.assertIsNone(index.resolve('http://host/x'))
        self.assertEqual('data', index.resolve('file:///data/x'))
        self.assertIn('web1 claims every http location', self.log.output)
        self.assertIn('web2 claims every http location', self.log.output)

    def test_bare_rbd_prefix_needs_a_single_rbd_store(self):
        single = StoreIndex({'ceph': (['rbd'], ['rbd://'])})
        self.assertEqual('ceph', single.resolve('rbd://fsid/pool/img/snap'))
        self.assertEqual('ceph', single.resolve('rbd://legacy-image'))
        double = StoreIndex(
            {
                'ceph': (['rbd'], ['rbd://']),
                'ceph2': (['rbd'], ['rbd://fsid2/images/']),
            }
        )
        self.assertIsNone(double.resolve('rbd://fsid/pool/img/snap'))
        self.assertIsNone(double.resolve('rbd://legacy-image'))
        self.assertEqual(
            'ceph2', double.resolve('rbd://fsid2/images/img/snap')
        )
        self.assertIn('ceph claims every rbd location', self.log.output)
        # ceph's pool is unknown: it may hold any pool-only URL.
        self.assertIsNone(double.resolve('rbd://images/img/snap'))
        self.assertEqual('ceph', single.resolve('rbd://images/img/snap'))

    def test_fsid_less_rbd_url_needs_a_single_store_with_its_pool(self):
        edges = StoreIndex(
            {
                'edge1': (['rbd'], ['rbd://fsid1/images/']),
                'edge2': (['rbd'], ['rbd://fsid2/images/']),
                'vms': (['rbd'], ['rbd://fsid2/vms/']),
            }
        )
        self.assertIsNone(edges.resolve('rbd://images/img/snap'))
        self.assertEqual('vms', edges.resolve('rbd://vms/img/snap'))
        self.assertEqual('edge2', edges.resolve('rbd://fsid2/images/i/snap'))
        self.assertIsNone(edges.resolve('rbd://fsid3/images/i/snap'))
        self.assertIsNone(edges.resolve('rbd://legacy-image'))

    def test_legacy_cinder_url_needs_a_single_cinder_store(self):
        volume = '5f1c3b5e-5b34-4c5c-9f0d-1c2b3a4d5e6f'
        index = StoreIndex(
            {
                'c1': (['cinder'], ['cinder://c1']),
                'c2': (['cinder'], ['cinder://c2']),
            }
        )
        self.assertIsNone(index.resolve('cinder://' + volume))
        self.assertEqual('c2', index.resolve('cinder://c2/' + volume))
        self.assertIsNone(index.resolve('cinder://c10/' + volume))

    def test_shared_prefix_is_ambiguous(self):
        index = StoreIndex(
            {
                'a': (FILE, ['file:///data/images']),
                'b': (FILE, ['file:///data/images/']),
                'c': (FILE, ['file:///data']),
            }
        )
        self.assertIsNone(index.resolve('file:///data/images/x'))
        self.assertEqual('c', index.resolve('file:///data/other/x'))
        self.assertIn('Stores a, b share the URL prefix', self.log.output)

    def test_credentials_in_prefixes_are_never_logged(self):
        StoreIndex(
            {
                'a': (S3, ['s3://AKIA:s3cr3t@host/bucket']),
                'b': (S3, ['s3://OTHER:s3cr3t@host/bucket']),
            }
        )
        self.assertIn('share the URL prefix', self.log.output)
        self.assertNotIn('s3cr3t', self.log.output)
        self.assertNotIn('AKIA', self.log.output)


class FakeStore:
    """The public attributes of an upstream store (url_prefix only)."""

    def __init__(self, url_prefix):
        self.url_prefix = url_prefix


class FakeMultiPrefixStore(FakeStore):
    def __init__(self, url_prefixes):
        super().__init__(url_prefixes[0] if url_prefixes else None)
        self.url_prefixes = tuple(url_prefixes)


class FromLocationMapTest(testtools.TestCase):
    def test_builds_from_backend_map(self):
        fast = FakeMultiPrefixStore(['file:///data/a', 'file:///data/b'])
        upstream = FakeStore('file:///data/c')
        staging = FakeStore('file:///data/staging')
        web = FakeStore('http')
        broken = FakeStore(None)
        location_map = {
            scheme: {
                'fast': {'store': fast, 'store_entry': 'file'},
                'upstream': {'store': upstream, 'store_entry': 'file'},
                'broken': {'store': broken, 'store_entry': 'file'},
                'os_glance_staging_store': {'store': staging},
            }
            for scheme in FILE
        }
        location_map.update({s: {'web': {'store': web}} for s in HTTP})
        index = StoreIndex.from_location_map(location_map)
        self.assertEqual('fast', index.resolve('file:///data/b/x'))
        self.assertEqual('upstream', index.resolve('file:///data/c/x'))
        self.assertIsNone(index.resolve('file:///data/staging/x'))
        self.assertEqual('web', index.resolve('https://host/x'))


class ReportUnmatchedTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(
            fixtures.MonkeyPatch('glance.store_resolution._reported', set())
        )
        self.log = self.useFixture(
            fixtures.FakeLogger(
                name='glance.store_resolution', level=logging.WARNING
            )
        )

    def test_logged_once_per_url_without_credentials(self):
        url = 's3://AKIA:s3cr3t@host/bucket/id'
        self.assertTrue(store_resolution.report_unmatched(url))
        self.assertFalse(store_resolution.report_unmatched(url))
        self.assertTrue(store_resolution.report_unmatched('file:///x/id'))
        lines = self.log.output.splitlines()
        self.assertEqual(2, len(lines))
        self.assertIn('s3://host/bucket/id', lines[0])
        self.assertNotIn('s3cr3t', self.log.output)

    def test_memory_is_bounded(self):
        self.useFixture(
            fixtures.MonkeyPatch(
                'glance.store_resolution.UNMATCHED_REPORT_LIMIT', 3
            )
        )
        logged = [
            store_resolution.report_unmatched('file:///x/%d' % i)
            for i in range(6)
        ]
        self.assertEqual([True] * 3 + [False] * 3, logged)
        self.assertIn('no longer reporting', self.log.output)
        self.assertEqual(4, len(self.log.output.splitlines()))
        self.assertEqual(4, len(store_resolution._reported))
