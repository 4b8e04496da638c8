"""glance.conf.checks: every value converted at start-up."""

import os

import fixtures
import testtools
from oslo_config import cfg

import glance.conf
from glance.conf import checks


class CheckTest(testtools.TestCase):
    def _conf(self, text, name='glance-api.conf'):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, name)
        with open(path, 'w') as config:
            config.write(text)
        conf = cfg.ConfigOpts()
        glance.conf.register_opts(conf)
        conf.register_opt(cfg.StrOpt('token', secret=True, choices=['a']))
        conf.register_opt(
            cfg.IntOpt(
                'count',
                deprecated_opts=[
                    cfg.DeprecatedOpt('old_count', group='DEFAULT')
                ],
            ),
            group='new',
        )
        conf(['--config-file', path])
        return conf, path

    def test_valid_values_pass(self):
        conf, _ = self._conf(
            '[import_filtering_opts]\nallowed_ports = [80, 443, 19596]\n'
            "allowed_hosts = ['mirror.example', other.example]\n"
        )
        checks.check(conf)
        self.assertEqual(
            [80, 443, 19596], conf.import_filtering_opts.allowed_ports
        )
        self.assertEqual(
            ['mirror.example', 'other.example'],
            conf.import_filtering_opts.allowed_hosts,
        )

    def test_names_option_file_and_value(self):
        conf, path = self._conf('[DEFAULT]\nimage_member_quota = many\n')
        error = self.assertRaises(checks.InvalidOption, checks.check, conf)
        self.assertIn(
            "[DEFAULT] image_member_quota in %s: 'many'" % path, str(error)
        )

    def test_deprecated_spelling_found_in_file(self):
        conf, path = self._conf('[DEFAULT]\nold_count = x\n')
        error = self.assertRaises(checks.InvalidOption, checks.check, conf)
        self.assertIn("[new] count in %s: 'x'" % path, str(error))

    def test_secret_value_not_shown(self):
        conf, _ = self._conf('[DEFAULT]\ntoken = s3cr3t\n')
        error = self.assertRaises(checks.InvalidOption, checks.check, conf)
        self.assertIn('[DEFAULT] token in', str(error))
        self.assertNotIn('s3cr3t', str(error))

    def test_hashing_algorithm_must_be_hashlibs(self):
        conf, _ = self._conf('[DEFAULT]\nhashing_algorithm = sha3_256\n')
        checks.check(conf)
        conf, path = self._conf('[DEFAULT]\nhashing_algorithm = sha7\n')
        error = self.assertRaises(checks.InvalidOption, checks.check, conf)
        self.assertIn(
            "[DEFAULT] hashing_algorithm in %s: 'sha7' (not a hashlib" % path,
            str(error),
        )

    def test_encryption_key_length_and_mask(self):
        conf, _ = self._conf(
            '[DEFAULT]\nmetadata_encryption_key = %s\n' % ('k' * 24)
        )
        checks.check(conf)
        conf, _ = self._conf('[DEFAULT]\nmetadata_encryption_key = short\n')
        error = self.assertRaises(checks.InvalidOption, checks.check, conf)
        self.assertIn('[DEFAULT] metadata_encryption_key in', str(error))
        self.assertNotIn('short', str(error))
