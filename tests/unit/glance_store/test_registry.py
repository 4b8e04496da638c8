"""Driver loading, the location maps and the multi-store API."""

import io
import os
import subprocess
import sys

import fixtures
import testtools

import glance_store
from glance_store import backend
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store import registry
from glance_store._drivers import filesystem
from glance_store._drivers import http
from tests import store_contract
from tests.fixtures import store_maps

RESERVED = {
    'os_glance_staging_store': 'file',
    'os_glance_tasks_store': 'file',
}


class RegistryTestCase(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def conf_for(self, backends, reserved=None):
        conf = store_contract.new_conf(backends)
        multi_backend.register_store_opts(conf, reserved_stores=reserved)
        for store_id, store_type in {**backends, **(reserved or {})}.items():
            if store_type == 'file':
                conf.set_override(
                    'filesystem_store_datadir',
                    os.path.join(self.tmp, store_id),
                    group=store_id,
                )
        return conf


class TestLocationMap(RegistryTestCase):
    def test_fast_cheap_web(self):
        conf = self.conf_for({'fast': 'file', 'cheap': 'file', 'web': 'http'})
        self.assertEqual(6, multi_backend.create_multi_stores(conf))
        backend_map = location.SCHEME_TO_CLS_BACKEND_MAP
        self.assertEqual(
            ['file', 'filesystem', 'http', 'https'], sorted(backend_map)
        )
        self.assertEqual(['fast', 'cheap'], list(backend_map['file']))
        self.assertEqual(['web'], list(backend_map['https']))
        for scheme, store_id, module in (
            ('file', 'fast', filesystem),
            ('filesystem', 'cheap', filesystem),
            ('http', 'web', http),
            ('https', 'web', http),
        ):
            entry = backend_map[scheme][store_id]
            self.assertEqual(
                {'store', 'location_class', 'store_entry'}, set(entry)
            )
            self.assertIsInstance(entry['store'], module.Store)
            self.assertIs(module.StoreLocation, entry['location_class'])
            self.assertEqual(
                'http' if module is http else 'file', entry['store_entry']
            )
            self.assertEqual(store_id, entry['store'].backend_group)
        # One instance per store, shared by its schemes.
        self.assertIs(
            backend_map['file']['fast']['store'],
            backend_map['filesystem']['fast']['store'],
        )
        self.assertEqual(
            'file://%s/cheap' % self.tmp,
            backend_map['file']['cheap']['store'].url_prefix,
        )
        self.assertEqual({}, location.SCHEME_TO_CLS_MAP)

    def test_reserved_stores_come_last(self):
        conf = self.conf_for({'fast': 'file'}, RESERVED)
        multi_backend.create_multi_stores(conf, reserved_stores=RESERVED)
        self.assertEqual(
            ['fast', 'os_glance_staging_store', 'os_glance_tasks_store'],
            list(location.SCHEME_TO_CLS_BACKEND_MAP['file']),
        )
        staging = multi_backend.get_store_from_store_identifier(
            'os_glance_staging_store'
        )
        self.assertEqual(
            'file://%s/os_glance_staging_store' % self.tmp, staging.url_prefix
        )

    def test_reserved_store_datadir_default(self):
        conf = store_contract.new_conf({'fast': 'file'})
        multi_backend.register_store_opts(conf, reserved_stores=RESERVED)
        self.assertEqual(
            '/var/lib/glance/os_glance_tasks_store',
            conf.os_glance_tasks_store.filesystem_store_datadir,
        )
        self.assertEqual(
            '/var/lib/glance/images', conf.fast.filesystem_store_datadir
        )

    def test_views_are_read_only(self):
        multi_backend.create_multi_stores(self.conf_for({'fast': 'file'}))
        for view in (registry.backend_map(), registry.scheme_map()):
            with testtools.ExpectedException(TypeError):
                view['x'] = {}
        self.assertIn('file', registry.backend_map())

    def test_reset_empties_the_maps(self):
        multi_backend.create_multi_stores(self.conf_for({'fast': 'file'}))
        registry.reset()
        self.assertEqual({}, location.SCHEME_TO_CLS_BACKEND_MAP)
        self.assertEqual({}, dict(registry.reserved_stores()))


class TestBadConfiguration(RegistryTestCase):
    def test_unknown_store_type(self):
        conf = store_contract.new_conf()
        conf.set_override('enabled_backends', {'fast': 'floppy'})
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            multi_backend.register_store_opts,
            conf,
        )
        self.assertIn('fast', str(error))
        self.assertIn('unknown store type "floppy"', str(error))
        self.assertIn('file, ', str(error))

    def test_reserved_prefix_used_by_operator(self):
        conf = store_contract.new_conf()
        conf.set_override('enabled_backends', {'os_glance_mine': 'file'})
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            multi_backend.create_multi_stores,
            conf,
        )
        self.assertIn('os_glance_mine', str(error))
        self.assertIn('reserved', str(error))

    def test_store_id_given_twice(self):
        config_file = os.path.join(self.tmp, 'glance-api.conf')
        with open(config_file, 'w') as f:
            f.write('[DEFAULT]\nenabled_backends = fast:file, fast:http\n')
        conf = store_contract.new_conf()
        conf(args=['--config-file', config_file], default_config_dirs=[])
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            multi_backend.create_multi_stores,
            conf,
        )
        self.assertIn('Duplicate key fast', str(error))

    def test_default_backend_must_be_enabled(self):
        conf = self.conf_for({'fast': 'file'})
        multi_backend.create_multi_stores(conf)
        multi_backend.verify_store(conf)
        conf.set_override('default_backend', 'slow', group='glance_store')
        self.assertRaises(RuntimeError, multi_backend.verify_store, conf)
        conf.clear_override('default_backend', group='glance_store')
        conf.set_override('default_backend', '', group='glance_store')
        self.assertRaises(RuntimeError, multi_backend.verify_store, conf)

    def test_unknown_store_identifier(self):
        self.assertRaises(
            exceptions.UnknownScheme,
            multi_backend.get_store_from_store_identifier,
            'nowhere',
        )


class TestMultiStoreApi(RegistryTestCase):
    def setUp(self):
        super().setUp()
        self.conf = self.conf_for({'fast': 'file', 'cheap': 'file'})
        self.conf.set_override('weight', 5, group='cheap')
        multi_backend.create_multi_stores(self.conf)

    def add(self, store_id, image_id='image', data=b'data'):
        return multi_backend.add_with_multihash(
            self.conf, image_id, io.BytesIO(data), len(data), store_id, 'sha1'
        )

    def test_add_to_default_and_named_store(self):
        self.assertEqual({'store': 'fast'}, self.add('')[4])
        self.assertEqual({'store': 'cheap'}, self.add('cheap')[4])
        url, size, checksum, metadata = multi_backend.add(
            self.conf, 'other', io.BytesIO(b'abc'), 3, 'cheap'
        )
        self.assertEqual({'store': 'cheap'}, metadata)

    def test_unknown_hashing_algo(self):
        self.assertRaises(
            exceptions.UnknownHashingAlgo,
            multi_backend.add_with_multihash,
            self.conf,
            'x',
            io.BytesIO(b''),
            0,
            'fast',
            'no-such-hash',
        )

    def test_get_without_store_tries_candidates(self):
        url = self.add('cheap')[0]
        data, size = multi_backend.get(url, None)
        self.assertEqual(b'data', b''.join(data))
        multi_backend.delete(url, None)
        self.assertRaises(exceptions.NotFound, multi_backend.get, url, None)

    def test_size_weight_and_schemes(self):
        url = self.add('fast')[0]
        self.assertEqual(
            4, multi_backend.get_size_from_uri_and_backend(url, 'fast')
        )
        self.assertEqual(5, multi_backend.get_store_weight('cheap'))
        self.assertEqual(0, multi_backend.get_store_weight('fast'))
        self.assertEqual(
            ('file', 'filesystem'),
            multi_backend.get_known_schemes_for_multi_store(),
        )

    def test_set_acls_is_a_no_op_for_files(self):
        url = self.add('fast')[0]
        multi_backend.set_acls_for_multi_store(url, 'fast', public=True)

    def test_package_exports(self):
        # Legacy names win where both APIs define them, as upstream.
        self.assertIs(
            backend.store_add_to_backend, glance_store.store_add_to_backend
        )
        self.assertIs(multi_backend.get, glance_store.get)
        self.assertIs(exceptions.NotFound, glance_store.NotFound)
        self.assertIs(location, glance_store.location)


class TestMetadataCheck(testtools.TestCase):
    def test_json_like_metadata_only(self):
        backend.check_location_metadata({'a': ['b', {'c': 'd'}]})
        error = self.assertRaises(
            exceptions.BackendException,
            backend.check_location_metadata,
            {'a': [1]},
        )
        self.assertIn('.a[0]', str(error))


BROKEN_DRIVER_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stdout,
                    format='%(levelname)s %(message)s')
if sys.argv[1] == 'no-boto3':
    sys.modules['boto3'] = None  # "import boto3" now raises ImportError
import os
from oslo_config import cfg
from glance_store import backend, capabilities, multi_backend, opts
from glance_store import location
conf = cfg.ConfigOpts()
conf.register_opt(cfg.DictOpt('enabled_backends'))
conf([])
backend.register_opts(conf)
print('legacy options', 'filesystem_store_datadir' in conf.glance_store)
conf.set_override('enabled_backends',
                  {'fast': 'file', 'cloud': 's3', 'extra': 'broken'})
multi_backend.register_store_opts(conf)
conf.set_override('default_backend', 'fast', group='glance_store')
conf.set_override('filesystem_store_datadir', sys.argv[2], group='fast')
for name, value in (('s3_store_host', 'http://127.0.0.1:9'),
                    ('s3_store_bucket', 'b'), ('s3_store_access_key', 'a'),
                    ('s3_store_secret_key', 's')):
    conf.set_override(name, value, group='cloud')
multi_backend.create_multi_stores(conf)
multi_backend.verify_store(conf)
cloud = multi_backend.get_store_from_store_identifier('cloud')
print('cloud writable', cloud.is_capable(capabilities.BitMasks.WRITE_ACCESS))
print('stores', sorted(location.SCHEME_TO_CLS_BACKEND_MAP['file']))
print('listed', sorted(group for group, _ in opts.list_multi_store_opts()))
"""


class TestBrokenDrivers(testtools.TestCase):
    """A ``glance_store.drivers`` entry point that cannot be imported (a
    real one, installed on the path of a fresh interpreter)."""

    def run_script(self, mode):
        tmp = self.useFixture(fixtures.TempDir()).path
        dist = os.path.join(tmp, 'site', 'broken_driver-1.0.dist-info')
        os.makedirs(dist)
        with open(os.path.join(dist, 'METADATA'), 'w') as f:
            f.write('Metadata-Version: 2.1\nName: broken-driver\n')
            f.write('Version: 1.0\n')
        with open(os.path.join(dist, 'entry_points.txt'), 'w') as f:
            f.write('[glance_store.drivers]\n')
            f.write('broken = no_such_module_of_glance:Store\n')
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            [os.path.join(tmp, 'site'), os.getcwd()]
        )
        result = subprocess.run(
            [sys.executable, '-c', BROKEN_DRIVER_SCRIPT, mode, tmp],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(0, result.returncode, result.stderr)
        return result.stdout

    def test_broken_driver_is_logged_and_skipped(self):
        output = self.run_script('as-installed')
        self.assertIn('legacy options True', output)
        self.assertIn(
            'WARNING Store driver broken is disabled: Could not load store '
            'driver broken',
            output,
        )
        self.assertIn('ERROR Store extra is disabled', output)
        self.assertIn("stores ['fast']", output)
        self.assertIn('cloud writable True', output)

    def test_without_boto3_only_s3_stores_are_affected(self):
        output = self.run_script('no-boto3')
        self.assertIn('legacy options True', output)
        # The s3 driver imports without boto3: its options are registered
        # and its store is read-only, saying why.
        self.assertIn('boto3 is not installed', output)
        self.assertIn('cloud writable False', output)
        self.assertIn("stores ['fast']", output)
        self.assertIn(
            "listed ['file', 'glance_store', 'http', 'rbd', 's3', 'swift']",
            output,
        )
