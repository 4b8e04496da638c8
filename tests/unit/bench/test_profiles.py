"""bench.profiles' summary of py-spy's raw stacks (pure part only)."""

import testtools

from bench import profiles

REQUEST = (
    'Thread.run (threading.py:982);_worker (concurrent/futures/thread.py:83);'
    '_WorkItem.run (concurrent/futures/thread.py:58);'
    'show_image (glance/api/v2/images.py:40);'
)
STACKS = [
    REQUEST + 'LazyStoreRepo.get (glance/lazy_store.py:90);'
    'do_commit (sqlalchemy/engine/default.py:700) 30\n',
    REQUEST + 'get (glance/db/images.py:120) 10\n',
    # An idle pool thread: not request work.
    'Thread.run (threading.py:982);_worker (concurrent/futures/thread.py:81)'
    ' 960\n',
]


class BusySharesTest(testtools.TestCase):
    def test_idle_threads_are_left_out(self):
        own, _ = profiles.busy_shares(STACKS, 5)
        self.assertEqual(
            [
                (0.75, 'sqlalchemy/engine/default.py:do_commit'),
                (0.25, 'glance/db/images.py:get'),
            ],
            own,
        )

    def test_inclusive_shares_name_only_our_functions(self):
        _, inclusive = profiles.busy_shares(STACKS, 5)
        self.assertEqual(
            [
                (1.0, 'glance/api/v2/images.py:show_image'),
                (0.75, 'glance/lazy_store.py:LazyStoreRepo.get'),
                (0.25, 'glance/db/images.py:get'),
            ],
            inclusive,
        )
