"""Two processes updating one image at once lose nothing (MariaDB, PG).

Each round both processes read the image, meet at a barrier, then save a
change of the same column (``name``) plus a property of their own: one
wins, the other must get Conflict, re-read and succeed; a second barrier
ends the round. The location
process also adds a location and records its store with set_stores in
every round, racing the other process's saves.
"""

import dataclasses
import multiprocessing

from glance import context as glance_context
from glance import exception
from glance.db import images
from glance.db import locations
from glance.db import session
from tests.functional.db import base

ROUNDS = 15


def _save_with_retry(ctx, original, worker, round_number):
    """Save a same-column change; returns how many Conflicts it took."""
    conflicts = 0
    while True:
        changed = dataclasses.replace(
            original,
            name='%s-%d' % (worker, round_number),
            properties=dict(
                original.properties,
                **{'%s_%d' % (worker, round_number): 'x'},
            ),
        )
        try:
            images.save(ctx, changed, original)
            return conflicts
        except exception.Conflict:
            conflicts += 1
            original = images.get(ctx, original.id)


def _worker(url, image_id, worker, barrier, results):
    session.configure(base.make_conf(url))
    ctx = glance_context.get_admin_context()
    conflicts = 0
    for round_number in range(ROUNDS):
        if worker == 'locations':
            location = locations.add(
                ctx, image_id, 'file:///d/%s/%d' % (image_id, round_number), {}
            )
            written = locations.set_stores(ctx, [(location.id, {}, 'fast')])
            assert written == {location.id}, written
        original = images.get(ctx, image_id)
        barrier.wait(timeout=60)
        conflicts += _save_with_retry(ctx, original, worker, round_number)
        # Both saves done before either reads for the next round.
        barrier.wait(timeout=60)
    session.get_engine().dispose()
    results.put((worker, conflicts))


class ConcurrencyTests:
    def test_parallel_saves_and_location_writes_lose_nothing(self):
        image = images.create(self.admin_context(), {'owner': 'p1'})
        session.get_engine().dispose()
        spawn = multiprocessing.get_context('spawn')
        barrier = spawn.Barrier(2)
        results = spawn.Queue()
        workers = [
            spawn.Process(
                target=_worker,
                args=(self.database.url, image.id, name, barrier, results),
            )
            for name in ('properties', 'locations')
        ]
        for process in workers:
            process.start()
        outcome = dict(results.get(timeout=240) for _ in workers)
        for process in workers:
            process.join(timeout=30)
            self.assertEqual(0, process.exitcode)
        # One of the two same-column saves loses every round, then retries.
        self.assertEqual(ROUNDS, sum(outcome.values()))
        final = images.get(self.admin_context(), image.id)
        expected = {
            '%s_%d' % (worker, n): 'x'
            for worker in ('properties', 'locations')
            for n in range(ROUNDS)
        }
        self.assertEqual(expected, final.properties)
        self.assertEqual(ROUNDS, len(final.locations))
        self.assertEqual(
            {'fast'}, {location.store for location in final.locations}
        )


class TestConcurrencyMySQL(ConcurrencyTests, base.MySQLMixin, base.DBTestCase):
    pass


class TestConcurrencyPostgreSQL(
    ConcurrencyTests, base.PostgreSQLMixin, base.DBTestCase
):
    pass
