"""glance.cmd.api's worker hooks: a stop signal that reached a worker
before it had its own handlers (queued in its copy of gunicorn's master)
is delivered again, to the worker's handler, and the worker starts no
background work."""

import queue
import signal

import fixtures
import testtools

from glance.cmd import api


class Master:
    """What a forked worker has of gunicorn's Arbiter: its signal queue."""

    def __init__(self, *queued):
        self.SIG_QUEUE = queue.SimpleQueue()
        for sig in queued:
            self.SIG_QUEUE.put_nowait(sig)


class WorkerHooksTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(
            fixtures.MonkeyPatch(
                'glance.wsgi.setup_profiler', lambda conf: None
            )
        )
        self.received = []
        previous = signal.signal(
            signal.SIGTERM, lambda sig, frame: self.received.append(sig)
        )
        self.addCleanup(signal.signal, signal.SIGTERM, previous)
        self.started = []

        class Application:
            def start_background(app):
                self.started.append(True)

        self.hooks = api._worker_hooks(None, Application())

    def _boot(self, master):
        self.hooks['post_fork'](master, None)
        self.hooks['post_worker_init'](None)

    def test_term_during_boot_is_delivered_again(self):
        self._boot(Master(signal.SIGHUP, signal.SIGTERM))
        self.assertEqual([signal.SIGTERM], self.received)
        self.assertEqual([], self.started)

    def test_normal_boot_starts_background_work(self):
        self._boot(Master(signal.SIGHUP))
        self.assertEqual([], self.received)
        self.assertEqual([True], self.started)

    def test_older_gunicorn_list_queue(self):
        master = Master()
        master.SIG_QUEUE = [signal.SIGTERM]
        self._boot(master)
        self.assertEqual([signal.SIGTERM], self.received)
