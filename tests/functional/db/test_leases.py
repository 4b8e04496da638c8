"""Leases of uploads and stages (glance.leases) on every engine: held
leases are renewed, only ones that ran out are claimed (by one caller),
and the internal rows are no tasks of the API."""

import time

import fixtures

from glance import domain
from glance import gateway
from glance import leases
from tests.functional.db import base

# Leases older than this are stale here. Above one heartbeat (0.2 s) plus
# one second: MariaDB keeps updated_at in whole seconds, so a lease renewed
# a moment ago can look up to a second older than it is.
STALE = 2


class LeaseTests:
    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MonkeyPatch('glance.leases.HEARTBEAT', 0.2))
        self.tasks = gateway.task_repo(self.admin_context())

    def claim(self, **kwargs):
        # SQLite refuses a transaction that read before another wrote
        # (the renewing thread): the sweep tries again, and so does this.
        for attempt in range(5):
            try:
                return self.tasks.claim_stale(
                    domain.WRITE_TASK, STALE, **kwargs
                )
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.1)

    def lease(self, image_id='img'):
        return self.tasks.lease(
            domain.WRITE_TASK, image_id, {'event': 'upload', 'store': 'fast'}
        )

    def test_a_held_lease_is_renewed_and_never_claimed(self):
        held, dropped = self.lease('a'), self.lease('b')
        with leases.held(held):
            time.sleep(STALE + 0.5)
            claimed = self.claim()
        self.assertEqual([dropped], [task.id for task in claimed])
        # Claimed once: the claim renewed it.
        self.assertEqual([], self.claim())
        [task] = claimed
        self.assertEqual(
            ('b', 'upload', 'fast'),
            (task.image_id, task.input['event'], task.input['store']),
        )

    def test_claim_of_one_image(self):
        self.lease('a')
        self.lease('b')
        time.sleep(STALE + 0.1)
        claimed = self.claim(image_id='b')
        self.assertEqual(['b'], [task.image_id for task in claimed])

    def test_leases_are_no_api_tasks_and_go_for_good(self):
        task_id = self.lease()
        user = gateway.task_repo(self.user_context(None))
        for repo in (self.tasks, user):
            self.assertEqual([], repo.list())
        self.assertTrue(self.tasks.release(task_id))
        self.assertFalse(self.tasks.release(task_id))
        time.sleep(STALE + 0.1)
        self.assertEqual([], self.claim())


class TestLeasesSQLite(LeaseTests, base.DBTestCase):
    pass


class TestLeasesMySQL(LeaseTests, base.MySQLMixin, base.DBTestCase):
    pass


class TestLeasesPostgreSQL(LeaseTests, base.PostgreSQLMixin, base.DBTestCase):
    pass
