"""``glance.wsgi.api:application``, as uWSGI or mod_wsgi load it."""

import os
import subprocess
import sys

import fixtures
import testtools

from tests.fixtures import server as server_fixtures

# Builds the application from OS_GLANCE_CONFIG_DIR and sends it requests.
PROBE = """\
import webob
from glance.wsgi.api import application
for method, path in (('GET', '/versions'), ('POST', '/v2/images')):
    request = webob.Request.blank(path, method=method, json={'name': 'w'})
    print(method, path, request.get_response(application).status_int)
"""


class WsgiEntryPointTest(testtools.TestCase):
    def test_application_serves_from_config_dir(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(tmp, 'glance-api.conf'), 'w') as config:
            config.write(
                '[DEFAULT]\nenabled_backends = only:file\n'
                'node_staging_uri = file://%(tmp)s/staging\n'
                '[database]\nconnection = sqlite:///%(tmp)s/g.sqlite\n'
                '[glance_store]\ndefault_backend = only\n'
                '[only]\nfilesystem_store_datadir = %(tmp)s/only\n'
                % {'tmp': tmp}
            )
        environ = dict(
            os.environ,
            OS_GLANCE_CONFIG_DIR=tmp,
            HOME=tmp,
            PYTHONPATH=server_fixtures.REPO_ROOT,
        )
        subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage', '--config-dir', tmp]
            + ['db', 'sync'],
            env=environ,
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        probe = subprocess.run(
            [sys.executable, '-c', PROBE],
            env=environ,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(0, probe.returncode, probe.stderr)
        self.assertEqual(
            'GET /versions 200\nPOST /v2/images 201\n', probe.stdout
        )
