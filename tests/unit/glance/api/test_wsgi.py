import os

import fixtures
import testtools
from oslo_config import cfg

from glance import wsgi


class ParseConfigTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.tmp))
        cwd = os.getcwd()
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, cwd)

    def test_no_config_file_means_embedded_default(self):
        conf = cfg.ConfigOpts()
        self.assertTrue(wsgi.parse_config(conf, []))
        data = os.path.join(self.tmp, 'data')
        self.assertEqual(
            {'fast': 'file', 'cheap': 'file'}, conf.enabled_backends
        )
        self.assertEqual('file://%s/staging' % data, conf.node_staging_uri)
        self.assertTrue(os.path.isdir(data))
        self.assertEqual(wsgi.PACKAGED_PASTE_FILE, wsgi.find_paste_file(conf))
        self.assertEqual('glance-api', wsgi.pipeline_name(conf))

    def test_config_file_is_used_as_given(self):
        path = os.path.join(self.tmp, 'glance-api.conf')
        with open(path, 'w') as config:
            config.write('[paste_deploy]\nflavor = keystone\n')
        paste = os.path.join(self.tmp, 'glance-api-paste.ini')
        open(paste, 'w').close()
        conf = cfg.ConfigOpts()
        self.assertFalse(wsgi.parse_config(conf, ['--config-file', path]))
        self.assertIsNone(conf.enabled_backends)
        self.assertEqual('glance-api-keystone', wsgi.pipeline_name(conf))
        self.assertEqual(paste, wsgi.find_paste_file(conf))

    def test_packaged_paste_file_exists(self):
        self.assertTrue(os.path.isfile(wsgi.PACKAGED_PASTE_FILE))

    def test_s3_client_libraries_log_warnings_only(self):
        conf = cfg.ConfigOpts()
        wsgi.register_opts(conf)
        conf([], project='glance')
        levels = conf.default_log_levels
        for library in ('botocore', 'boto3', 'urllib3', 'sqlalchemy'):
            self.assertIn(library + '=WARN', levels)
