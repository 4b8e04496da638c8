"""The processes the benchmark talks to.

``BenchServer`` is the functional tests' glance-api fixture pointed at the
benchmark's database and store directory, in multi-store mode or in legacy
single-store mode (the lazy update off). ``StaticServer`` is the reference
for downloads: nginx with sendfile when installed, else a Python server
that sends with ``socket.sendfile``.
"""

import http.server
import os
import shutil
import subprocess
import threading
import time

import fixtures
import requests

from tests.fixtures import server as server_fixtures

# Appended after the fixture's own sections: oslo.config takes the last
# value of an option given twice, so these win.
SHARED_MULTI = """
[database]
connection = {connection}
[fast]
filesystem_store_datadir = {datadir}
"""
SHARED_LEGACY = """
[database]
connection = {connection}
[glance_store]
filesystem_store_datadir = {datadir}
"""


class BenchServer(server_fixtures.GlanceAPIServer):
    """glance-api over ``connection`` whose file store (``fast`` in
    multi-store mode) keeps its data in ``datadir``."""

    def __init__(self, connection, datadir, multi_store, workers):
        template = SHARED_MULTI if multi_store else SHARED_LEGACY
        super().__init__(
            multi_store=multi_store,
            workers=workers,
            extra_config=template.format(
                connection=connection, datadir=datadir
            ),
        )

    def manage(self, *args):
        """Run glance-manage with this server's config."""
        self._run_manage(*args)


def reset_peak_rss(pids):
    """Make VmHWM start again from the current RSS (Linux clear_refs)."""
    for pid in pids:
        with open('/proc/%d/clear_refs' % pid, 'w') as refs:
            refs.write('5')


def peak_rss_mib(pids):
    """Largest VmHWM (peak resident memory) among ``pids``, in MiB."""
    peaks = []
    for pid in pids:
        with open('/proc/%d/status' % pid) as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def cpu_seconds(pids):
    """User + system CPU seconds ``pids`` used so far (all their threads,
    ended ones too)."""
    ticks = 0
    for pid in pids:
        with open('/proc/%d/stat' % pid) as stat:
            # After the command name in parentheses: utime is the 12th
            # field, stime the 13th.
            fields = stat.read().rpartition(')')[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf('SC_CLK_TCK')


NGINX_CONFIG = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


class StaticServer(fixtures.Fixture):
    """Serves the files of ``root`` at ``url``; ``name`` says which
    server it is."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def _setUp(self):
        port = server_fixtures.free_port()
        self.url = 'http://127.0.0.1:%d' % port
        nginx = shutil.which('nginx') or shutil.which('/usr/sbin/nginx')
        if nginx:
            self._start_nginx(nginx, port)
        else:
            self._start_python(port)
        self._wait_until_serving()

    def _start_nginx(self, nginx, port):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'nginx.conf')
        with open(path, 'w') as config:
            config.write(
                NGINX_CONFIG.format(tmp=tmp, port=port, root=self.root)
            )
        version = subprocess.run(
            [nginx, '-v'], capture_output=True, text=True, check=False
        )
        self.name = version.stderr.strip().rpartition(': ')[2] + ' (sendfile)'
        process = subprocess.Popen(
            [nginx, '-p', tmp, '-c', path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(_stop, process)

    def _start_python(self, port):
        handler = _sendfile_handler(self.root)
        server = http.server.ThreadingHTTPServer(('127.0.0.1', port), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.name = 'python http.server + socket.sendfile'

    def _wait_until_serving(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.head(self.url + '/', timeout=1)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def _stop(process):
    process.terminate()
    process.wait(timeout=10)


def _sendfile_handler(root):
    class SendfileHandler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def copyfile(self, source, outputfile):
            self.wfile.flush()
            self.connection.sendfile(source)

        def log_message(self, *args):
            pass

    return SendfileHandler
