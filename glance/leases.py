"""Leases in the database: how a process says that work it started is
still running, so that other processes can tell live work from work whose
process died.

Work that must not be left half done (an import, an upload, a stage) is a
row of the tasks table (imports: upstream's ``api_image_import`` tasks;
uploads and stages: internal ``domain.WRITE_TASK`` rows) whose
``updated_at`` is its lease. While the work runs, ``held`` keeps the
lease renewed: one thread per process renews every lease the process
holds, every ``HEARTBEAT`` seconds, in one statement. A lease not renewed
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
        self._pid = None

    def hold(self, task_id):
        with self._lock:
            if self._pid != os.getpid():
                # First use in this process (workers fork without threads).
                self._pid = os.getpid()
                self._held.clear()
                threading.Thread(target=self._renew, daemon=True).start()
            self._held[task_id] += 1

    def drop(self, task_id):
        with self._lock:
            self._held[task_id] -= 1
            if self._held[task_id] <= 0:
                del self._held[task_id]

    def _renew(self):
        tasks = gateway.task_repo(glance_context.get_admin_context())
        pid = os.getpid()
        while True:
            time.sleep(HEARTBEAT)
            with self._lock:
                held = list(self._held)
                if self._pid != pid:
                    return
            if not held:
                continue
            try:
                tasks.touch(*held)
            except Exception:
                LOG.exception('Could not renew %d lease(s)', len(held))


_KEEPER = _Keeper()


@contextlib.contextmanager
def held(task_id):
    """Keep ``task_id``'s lease renewed until the block ends."""
    _KEEPER.hold(task_id)
    try:
        yield
    finally:
        _KEEPER.drop(task_id)
