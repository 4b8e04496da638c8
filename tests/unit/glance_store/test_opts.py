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
        self.assertIn('default_backend', names['glance_store'])
        self.assertIn('weight', names['backend_defaults'])

    def test_glance_api_lists_its_groups(self):
        names = self.names(glance_opts.list_opts())
        self.assertIn('enabled_backends', names['DEFAULT'])
        self.assertIn('flavor', names['paste_deploy'])
        self.assertIn('connection', names['database'])
