"""A real glance-api process for functional tests.

``GlanceAPIServer`` writes a config file into a temp directory (SQLite file
database, file stores, logs to a file), creates the schema with
``glance-manage db sync``, starts ``glance-api`` on a free port, waits until
``/versions`` answers and stops it with SIGTERM at clean-up.
"""

import inspect
import os
import socket
import subprocess
import sys
import time

import fixtures
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
START_TIMEOUT = 60

LEGACY_STORE = """\
[glance_store]
stores = file, http
default_store = file
filesystem_store_datadir = {tmp}/images
"""

MULTI_STORE = """\
[DEFAULT]
enabled_backends = fast:file, cheap:file

[glance_store]
default_backend = fast

[fast]
filesystem_store_datadir = {tmp}/fast
store_description = Fast store

[cheap]
filesystem_store_datadir = {tmp}/cheap
"""

BASE = """\
[DEFAULT]
bind_host = 127.0.0.1
bind_port = {port}
workers = {workers}
log_file = {tmp}/glance-api.log
node_staging_uri = file://{tmp}/staging
{options}
[database]
connection = {connection}

"""


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class GlanceAPIServer(fixtures.Fixture):
    """``url``, ``log_path``, ``tmp`` and ``read_log()`` once set up.

    ``options`` are extra ``[DEFAULT]`` lines (``{'show_multiple_locations':
    'true'}``); ``extra_config`` is appended verbatim. ``stores_config``
    replaces the legacy or multi-store template; ``{tmp}`` in it is
    ``data_dir`` (default: the server's temp directory), so several servers
    can share store directories, as they can share a database through
    ``connection`` (default: SQLite in the temp directory).
    """

    def __init__(
        self,
        multi_store=False,
        options=None,
        extra_config='',
        workers=1,
        stores_config=None,
        data_dir=None,
        connection=None,
    ):
        super().__init__()
        self.multi_store = multi_store
        self.options = options or {}
        self.extra_config = extra_config
        self.workers = workers
        self.stores_config = stores_config
        self.data_dir = data_dir
        self.connection = connection

    def _setUp(self):
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log_path = os.path.join(self.tmp, 'glance-api.log')
        self.config_path = self._write_config()
        self._run_manage('db', 'sync')
        self._start()

    def _write_config(self):
        options = ''.join(
            '%s = %s\n' % item for item in sorted(self.options.items())
        )
        text = BASE.format(
            tmp=self.tmp,
            port=self.port,
            workers=self.workers,
            options=options,
            connection=self.connection
            or 'sqlite:///%s/glance.sqlite' % self.tmp,
        )
        stores = self.stores_config or (
            MULTI_STORE if self.multi_store else LEGACY_STORE
        )
        text += stores.format(tmp=self.data_dir or self.tmp)
        text += self.extra_config
        path = os.path.join(self.tmp, 'glance-api.conf')
        with open(path, 'w') as config:
            config.write(text)
        return path

    def _environ(self):
        environ = dict(os.environ)
        environ['PYTHONPATH'] = REPO_ROOT
        return environ

    def _run_manage(self, *args):
        subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage']
            + ['--config-file', self.config_path]
            + list(args),
            cwd=self.tmp,
            env=self._environ(),
            check=True,
            capture_output=True,
        )

    def _start(self):
        output = open(os.path.join(self.tmp, 'stdout.log'), 'wb')
        self.addCleanup(output.close)
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'glance.cmd.api']
            + ['--config-file', self.config_path],
            cwd=self.tmp,
            env=self._environ(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        self.addCleanup(self._stop)
        self._wait_until_serving()

    def restart(self, **changes):
        """Stop, apply ``changes`` (constructor arguments), start again.

        The temp directory, and with it the SQLite database and store
        directories, is kept; the server gets a new port.
        """
        self._stop()
        settings = inspect.signature(GlanceAPIServer).parameters
        for name, value in changes.items():
            if name not in settings:
                raise TypeError('unknown server setting: %s' % name)
            setattr(self, name, value)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.config_path = self._write_config()
        self._start()

    def _wait_until_serving(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    'glance-api exited with %d:\n%s'
                    % (self.process.returncode, self.read_output())
                )
            try:
                requests.get(self.url + '/versions', timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError('glance-api did not start:\n' + self.read_output())

    def _stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def read_log(self):
        with open(self.log_path, errors='replace') as log:
            return log.read()

    def read_output(self):
        with open(os.path.join(self.tmp, 'stdout.log'), errors='replace') as f:
            return f.read()
