"""glance-api: the Images API server (gunicorn, embedded).

Workers are processes (``workers``, default one per CPU), each with a few
threads (gthread) so that a long download does not hold a whole worker.
gunicorn reads chunked request bodies, streams responses, offers
``wsgi.file_wrapper`` (sendfile) and stops gracefully on SIGTERM.
"""

import os
import queue
import signal
import sys

from gunicorn.app import base
from oslo_config import cfg
from oslo_log import log as logging

from glance import client_body
from glance import property_protection
from glance import wsgi
from glance.conf import checks
from glance.wsgi import access_log

LOG = logging.getLogger(__name__)
THREADS_PER_WORKER = 8
# gunicorn's ceiling for the request line.
MAX_REQUEST_LINE = 8190
NEVER = 365 * 24 * 3600
# Threads of a worker that request bodies stalled for a while may hold;
# beyond that the longest stalled are cut (glance.client_body).
MAX_STALLED_PER_WORKER = THREADS_PER_WORKER // 2


class Server(base.BaseApplication):
    """gunicorn serving an application built once, before forking."""

    def __init__(self, application, options):
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self):
        # Settings this gunicorn does not know (older releases) are skipped.
        for name, value in self.options.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self):
        return self.application


# Signals that stop a worker.
_STOPPING = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _worker_hooks(conf, application):
    """gunicorn's post_fork and post_worker_init hooks.

    Until a new worker has installed its own signal handlers, it still has
    the master's, which only queue a signal in the (forked copy of the)
    master's SIG_QUEUE: a SIGTERM sent while the worker boots would be
    lost, and the worker would serve on until the master's graceful
    timeout kills it. Once the worker's handlers are in place, such a
    signal is sent again, to them.

    A worker then starts its background work (import recovery) at once,
    rather than on its first request, and gets a profiler notifier of its
    own (its connection must not be shared with other processes).
    """
    start = getattr(application, 'start_background', None)
    forked_from = []

    def post_fork(server, worker):
        forked_from.append(server)

    def post_worker_init(worker):
        early = [sig for sig in _queued(forked_from) if sig in _STOPPING]
        if early:
            os.kill(os.getpid(), early[0])
            return
        wsgi.setup_profiler(conf)
        if start is not None:
            start()

    return {'post_fork': post_fork, 'post_worker_init': post_worker_init}


def _queued(forked_from):
    """The signals queued in the worker's copy of the master (a
    SimpleQueue in gunicorn >= 23, a list before)."""
    pending = (
        getattr(forked_from[0], 'SIG_QUEUE', None) if forked_from else None
    )
    if isinstance(pending, list):
        return list(pending)
    signals = []
    while pending is not None:
        try:
            signals.append(pending.get_nowait())
        except queue.Empty:
            break
    return signals


def server_options(conf, application=None):
    workers = conf.workers if conf.workers is not None else os.cpu_count()
    return {
        'bind': '%s:%d' % (_bracketed(conf.bind_host), conf.bind_port),
        'workers': max(workers or 1, 1),
        'worker_class': 'gthread',
        'threads': THREADS_PER_WORKER,
        'backlog': conf.backlog,
        # An idle keep-alive connection is closed after this (upstream's
        # client_socket_timeout; 0 there means never).
        'keepalive': conf.client_socket_timeout or NEVER,
        'limit_request_field_size': conf.max_header_line,
        'limit_request_line': min(conf.max_header_line, MAX_REQUEST_LINE),
        # Workers heartbeat from their main loop, so this only bounds a
        # hung worker, never a long transfer.
        'timeout': 120,
        'graceful_timeout': 60,
        'preload_app': True,
        # Access lines go to oslo.log, with the request's context.
        'accesslog': None,
        'logger_class': access_log.Logger,
        'proc_name': 'glance-api',
        # One control socket per user would clash between several servers.
        'control_socket_disable': True,
        **_worker_hooks(conf, application),
    }


def guarded(conf, application):
    """The application with request bodies under the client limits."""
    return client_body.Guard(
        application,
        client_body.Limits(
            timeout=conf.client_socket_timeout,
            min_rate=conf.client_body_min_rate,
            max_stalled=MAX_STALLED_PER_WORKER,
        ),
    )


def _bracketed(host):
    return '[%s]' % host if ':' in host else host


def main(argv=None):
    conf = cfg.CONF
    try:
        application = wsgi.init_application(
            sys.argv[1:] if argv is None else argv, conf
        )
    except (
        checks.InvalidOption,
        property_protection.InvalidRules,
        cfg.Error,
    ) as error:
        sys.exit('glance-api: %s' % error)
    options = server_options(conf, application)
    LOG.info(
        'glance-api serving on %s with %d worker(s)',
        options['bind'],
        options['workers'],
    )
    Server(guarded(conf, application), options).run()


if __name__ == '__main__':
    main()
