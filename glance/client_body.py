"""Request bodies under a deadline, and keep-alive only when it holds.

gunicorn's gthread worker gives a request one of a few threads, and the
thread blocks in ``recv()`` for as long as the client takes to send the
body. ``Guard`` wraps the application so that a body cannot hold a thread
without delivering:

- no byte for ``client_socket_timeout`` seconds: a socket timeout on every
  receive;
- less than ``client_body_min_rate`` bytes per second: every
  ``RATE_WINDOW`` bytes (or what is left of the body) must arrive within
  ``max(RATE_FLOOR, window / rate)`` seconds;
- at most ``max_stalled`` threads of a worker wait on bodies that gave
  nothing for ``STALL_GRACE`` seconds: beyond them the newest are cut
  (after only ``PRESSURE_GRACE`` seconds once that many are held), so
  the other threads stay free for requests that can be served.

A per-process watchdog thread enforces the last two: it shuts the read side
of the socket, which wakes the blocked ``recv()`` whatever loop of the WSGI
server it is in, chunked or Content-Length body alike. The read then raises
``RequestBodyTimeout`` (408) where the application reads, so an upload or
a stage ends in the normal failed-write clean-up (partial data removed,
image back to ``queued``).

Keep-alive: a response must not announce ``Connection: keep-alive`` on a
connection that will be closed because the body was not read. When the
application answers before reading the whole body (an early 404, 409, 413 or
415), up to ``DRAIN_MAX`` bytes are read and dropped within ``DRAIN_TIME``;
if the body does not end by then, or reading it failed, the response says
``Connection: close`` and the server closes after it.
"""

import logging
import os
import socket
import threading
import time

from glance import exception

LOG = logging.getLogger(__name__)

# Largest piece read (and timed) at once. Small, because the server's
# reader blocks until it has the whole piece: a slow client that is still
# sending must be seen to progress before STALL_GRACE ends (64 KiB in 2 s:
# anything slower than 32 KiB/s looks stalled).
PIECE = 64 * 1024
# The minimum rate is judged over windows of this many bytes, so that it
# holds for rates up to RATE_WINDOW / RATE_FLOOR.
RATE_WINDOW = 1024 * 1024
# Least time a piece gets, however small, under the minimum rate.
RATE_FLOOR = 5.0
# A read giving nothing for this long counts as stalled.
STALL_GRACE = 2.0
# ... and for this long once max_stalled reads have stalled.
PRESSURE_GRACE = 0.5
# Unread body read and dropped after an early answer, and the time for it.
DRAIN_MAX = 1024 * 1024
DRAIN_TIME = 5.0
DRAIN_STEP = 64 * 1024
# How often the watchdog looks while bodies are being read.
TICK = 0.1

ENVIRON_KEY = 'glance.client_body'


class Limits:
    """``timeout``: seconds without a byte (0: none); ``min_rate``:
    bytes per second (0: none); ``max_stalled``: stalled body reads a
    worker keeps (None: no limit)."""

    def __init__(self, timeout=0, min_rate=0, max_stalled=None):
        self.timeout = timeout or None
        self.min_rate = min_rate or 0
        self.max_stalled = max_stalled

    def piece_time(self, size):
        if not self.min_rate:
            return None
        return max(RATE_FLOOR, size / self.min_rate)


class Watchdog:
    """Cuts body reads past their deadline, and the longest stalled ones
    beyond ``limits.max_stalled``. One thread per process, started on the
    first read (a forked worker starts its own)."""

    def __init__(self, limits):
        self.limits = limits
        self._cond = threading.Condition()
        self._reads = {}  # body -> (started, deadline or None)
        self._pid = None

    def begin(self, body, deadline):
        with self._cond:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._reads.clear()
                threading.Thread(
                    target=self._run, name='client-body-watchdog', daemon=True
                ).start()
            self._reads[body] = (time.monotonic(), deadline)
            self._cond.notify()

    def end(self, body):
        with self._cond:
            self._reads.pop(body, None)

    def _run(self):
        while True:
            with self._cond:
                while not self._reads:
                    self._cond.wait()
                self._cond.wait(TICK)
                cuts = self._due(time.monotonic())
                for body, _ in cuts:
                    self._reads.pop(body, None)
            for body, reason in cuts:
                body.cut(reason)

    def _due(self, now):
        """(body, reason) of the reads to cut now.

        Beyond ``max_stalled`` stalled reads, the newest are cut: the
        threads the first ones hold stay held (until their own timeout),
        the others stay free. Once that many have stalled, a newcomer
        gets only ``PRESSURE_GRACE``, so a crowd of stalled clients
        queued for threads passes through the free ones quickly."""
        cuts = []
        waiting = []
        for body, (started, deadline) in self._reads.items():
            if deadline is not None and now >= deadline:
                cuts.append((body, 'slower than the minimum rate'))
            elif now - started >= PRESSURE_GRACE:
                waiting.append((started, id(body), body))
        keep = self.limits.max_stalled
        if keep is None:
            return cuts
        stalled = [w for w in waiting if now - w[0] >= STALL_GRACE]
        candidates = waiting if len(stalled) >= keep else stalled
        if len(candidates) > keep:
            candidates.sort()
            cuts.extend(
                (body, 'too many stalled request bodies at once')
                for _, _, body in candidates[keep:]
            )
        return cuts


class Body:
    """``wsgi.input`` with the limits enforced; knows whether the body
    was read to its end."""

    def __init__(self, raw, sock, length, limits, watchdog, what):
        self._raw = raw
        self._sock = sock
        self._remaining = length  # None: chunked
        self._limits = limits
        self._watchdog = watchdog
        self._what = what
        self._cut = None
        self._lock = threading.Lock()
        self.failed = False
        self.ended = length == 0
        self._window_left = 0
        self._window_deadline = None
        self._prior_timeout = None
        if sock is not None and limits.timeout:
            self._prior_timeout = sock.gettimeout()
            sock.settimeout(limits.timeout)

    def read(self, size=-1):
        if size is None or size < 0:
            size = self._remaining if self._remaining is not None else -1
        if size == 0 or self.ended:
            return b''
        if 0 < size <= PIECE:
            return self._piece(size)
        pieces = []
        while size != 0 and not self.ended:
            data = self._piece(PIECE if size < 0 else min(size, PIECE))
            pieces.append(data)
            size -= len(data) if size > 0 else 0
        return b''.join(pieces)

    def _piece(self, size, deadline=None):
        if self._cut is not None:
            raise exception.RequestBodyTimeout(reason=self._cut)
        if self._remaining is not None:
            size = min(size, self._remaining)
        if self._window_left <= 0:
            self._window_left = RATE_WINDOW
            if self._remaining is not None:
                self._window_left = min(RATE_WINDOW, self._remaining)
            allowed = self._limits.piece_time(self._window_left)
            self._window_deadline = (
                None if allowed is None else time.monotonic() + allowed
            )
        if self._window_deadline is not None:
            deadline = (
                self._window_deadline
                if deadline is None
                else min(deadline, self._window_deadline)
            )
        self._watchdog.begin(self, deadline)
        try:
            data = self._raw.read(size)
        except TimeoutError:
            self.failed = True
            raise exception.RequestBodyTimeout(
                reason='nothing received for %s seconds' % self._limits.timeout
            )
        except Exception:
            self.failed = True
            if self._cut is not None:
                raise exception.RequestBodyTimeout(reason=self._cut)
            raise
        finally:
            self._watchdog.end(self)
        if self._cut is not None:
            self.failed = True
            raise exception.RequestBodyTimeout(reason=self._cut)
        self._window_left -= len(data)
        if self._remaining is not None:
            self._remaining -= len(data)
            self.ended = self._remaining <= 0 or not data
        else:
            self.ended = not data
        return data

    def readline(self, size=-1):
        # Bodies here are binary or JSON; webob reads with read().
        return self.read(size)

    def __iter__(self):
        while True:
            data = self.read(PIECE)
            if not data:
                return
            yield data

    def cut(self, reason):
        """Called by the watchdog: wake the blocked read."""
        with self._lock:
            if self._cut is not None or self.ended:
                return
            self._cut = reason
        LOG.warning('Cutting the request body of %s: %s', self._what, reason)
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass

    def drain(self):
        """Read and drop what is left, within bounds; True when the body
        ended (the connection can serve another request)."""
        if self.failed or self._cut is not None:
            return False
        if self.ended:
            return True
        if self._remaining is not None and self._remaining > DRAIN_MAX:
            return False
        deadline = time.monotonic() + DRAIN_TIME
        drained = 0
        try:
            while not self.ended and drained <= DRAIN_MAX:
                if time.monotonic() >= deadline:
                    return False
                drained += len(self._piece(DRAIN_STEP, deadline))
        except Exception:
            return False
        return self.ended

    def restore(self):
        if self._sock is not None and self._limits.timeout:
            try:
                self._sock.settimeout(self._prior_timeout)
            except OSError:
                pass


def _body_length(environ):
    """Content-Length, None for a chunked body, 0 for no body."""
    if 'chunked' in environ.get('HTTP_TRANSFER_ENCODING', '').lower():
        return None
    try:
        return max(int(environ.get('CONTENT_LENGTH') or 0), 0)
    except ValueError:
        return 0


class Guard:
    """WSGI middleware putting every request body under ``limits``.

    ``close`` is told the server's ``start_response`` when the connection
    must close after the response; the default asks gunicorn's response
    (the object ``start_response`` belongs to) to close.
    """

    def __init__(self, application, limits, close=None):
        self.application = application
        self.limits = limits
        self.watchdog = Watchdog(limits)
        self._close = close or _gunicorn_close

    def __call__(self, environ, start_response):
        length = _body_length(environ)
        if length == 0:
            return self.application(environ, start_response)
        body = Body(
            environ['wsgi.input'],
            environ.get('gunicorn.socket'),
            length,
            self.limits,
            self.watchdog,
            '%s %s from %s'
            % (
                environ.get('REQUEST_METHOD'),
                environ.get('PATH_INFO'),
                environ.get('REMOTE_ADDR'),
            ),
        )
        environ['wsgi.input'] = body
        environ[ENVIRON_KEY] = body

        def guarded_start_response(status, headers, exc_info=None):
            if not body.drain():
                self._close(start_response)
            body.restore()
            return start_response(status, headers, exc_info)

        return self.application(environ, guarded_start_response)


def _gunicorn_close(start_response):
    response = getattr(start_response, '__self__', None)
    force_close = getattr(response, 'force_close', None)
    if force_close is not None:
        force_close()
