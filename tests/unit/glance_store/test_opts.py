import importlib.metadata
import subprocess
import sys

import testtools

from glance.conf import opts as glance_opts
from glance_store import opts


class ListOptsTest(testtools.TestCase):
    def names(self, listed):
        """group -> option names; a group may be listed more than once."""
        names = {}
        for group, options in listed:
            names.setdefault(group, set()).update(o.dest for o in options)
        return names

    def test_every_driver_option_is_listed(self):
        names = self.names(opts.list_opts())
        for group in ('glance_store', 'backend_defaults'):
            for name in (
                'filesystem_store_datadir',
                'https_insecure',
                's3_store_host',
                'rbd_store_pool',
                'swift_store_config_file',
            ):
                self.assertIn(name, names[group])
        self.assertIn('stores', names['glance_store'])
        self.assertIn('weight', names['backend_defaults'])

    def test_multi_store_lists_a_section_per_driver(self):
        # Upstream's glance.multi_store: default_backend, then one group per
        # driver (upstream names some after their long aliases; ours uses
        # the short names).
        names = self.names(opts.list_multi_store_opts())
        self.assertEqual(
            {'glance_store', 'file', 'http', 'rbd', 's3', 'swift'},
            set(names),
        )
        self.assertEqual({'default_backend'}, names['glance_store'])
        self.assertIn('filesystem_store_timeout', names['file'])
        self.assertIn('s3_store_request_checksum_calculation', names['s3'])
        for group in ('file', 'http', 'rbd', 's3', 'swift'):
            self.assertIn('store_description', names[group])
            self.assertIn('weight', names[group])

    def test_entry_points_are_installed(self):
        found = {
            e.name: e.value
            for e in importlib.metadata.entry_points(group='oslo.config.opts')
        }
        self.assertEqual('glance_store.opts:list_opts', found['glance.store'])
        self.assertEqual(
            'glance_store.opts:list_multi_store_opts',
            found['glance.multi_store'],
        )

    def test_generator_lists_each_option_once(self):
        # What tox -e genconfig runs, on our generator config.
        output = subprocess.run(
            [
                sys.executable,
                '-m',
                'oslo_config.generator',
                '--namespace',
                'glance.store',
                '--namespace',
                'glance.multi_store',
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        sections = {}
        section = None
        for line in output.splitlines():
            if line.startswith('['):
                section = sections.setdefault(line, [])
            elif (
                line.startswith('#') and ' = ' in line and section is not None
            ):
                section.append(line.split(' = ')[0])
        for name, options in sections.items():
            self.assertEqual(len(set(options)), len(options), name)
        self.assertIn('#default_backend', sections['[glance_store]'])

    def test_glance_api_lists_its_groups(self):
        names = self.names(glance_opts.list_opts())
        self.assertIn('enabled_backends', names['DEFAULT'])
        self.assertIn('flavor', names['paste_deploy'])
        self.assertIn('connection', names['database'])
