"""Leases in the database: how a process says that work it started is
still running, so that other processes can tell live work from work whose
process died.

Work that must not be left half done (an import, an upload, a stage) is a
row of the tasks table (imports: upstream's ``api_image_import`` tasks;
uploads and stages: internal ``domain.WRITE_TASK`` rows) whose
``updated_at`` is its lease. While the work runs, ``held`` keeps the
lease renewed: one thread per process renews every lease the process
holds, every ``HEARTBEAT`` seconds, batched (at most four statements per
heartbeat whatever their number; work shorter than a heartbeat writes no
renewal). A lease not renewed
for ``LEASE`` seconds has lost its process; ``glance.import_flow.Recovery``
(one per API worker, every ``SWEEP_INTERVAL`` seconds) claims such rows
with a compare-and-set, so of several processes exactly one takes each
over, and never work another live process is doing.
"""

import collections
import contextlib
import logging
import os
import threading
import time

from glance import context as glance_context
from glance import gateway

LOG = logging.getLogger(__name__)

# Seconds between lease renewals of running work, and the lease: work not
# renewed for LEASE seconds has lost its process.
HEARTBEAT = 2
LEASE = 10
# Seconds between two sweeps for abandoned work (a cheap indexed query).
SWEEP_INTERVAL = 4


class _Keeper:
    """The leases this process holds, renewed by one thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held = collections.Counter()
        # When each lease was taken or last renewed (monotonic).
        self._renewed = {}
        self._pid = None

    def hold(self, task_id):
        with self._lock:
            if self._pid != os.getpid():
                # First use in this process (workers fork without threads).
                self._pid = os.getpid()
                self._held.clear()
                self._renewed.clear()
                threading.Thread(target=self._renew, daemon=True).start()
            self._held[task_id] += 1
            self._renewed.setdefault(task_id, time.monotonic())

    def drop(self, task_id):
        with self._lock:
            self._held[task_id] -= 1
            if self._held[task_id] <= 0:
                del self._held[task_id]
                self._renewed.pop(task_id, None)

    def _renew(self):
        tasks = gateway.task_repo(glance_context.get_admin_context())
        pid = os.getpid()
        while True:
            time.sleep(HEARTBEAT / 4)
            now = time.monotonic()
            with self._lock:
                if self._pid != pid:
                    return
                # Work shorter than a heartbeat never writes a renewal.
                due = [
                    task_id
                    for task_id, renewed in self._renewed.items()
                    if now - renewed >= HEARTBEAT
                ]
            if not due:
                continue
            try:
                tasks.touch(*due)
            except Exception:
                LOG.exception('Could not renew %d lease(s)', len(due))
                continue
            with self._lock:
                for task_id in due:
                    if task_id in self._renewed:
                        self._renewed[task_id] = now


_KEEPER = _Keeper()


@contextlib.contextmanager
def held(task_id):
    """Keep ``task_id``'s lease renewed until the block ends."""
    _KEEPER.hold(task_id)
    try:
        yield
    finally:
        _KEEPER.drop(task_id)
