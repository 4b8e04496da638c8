"""NotifyingRepo and Notifier: what is sent, when, and what is not."""

import contextlib
import threading

import testtools

from glance import domain
from glance import notifications


class RecordingNotifier:
    def __init__(self):
        self.sent = []

    def send(self, context, event_type, payload, priority='info'):
        self.sent.append((event_type, payload['id']))


class FakeRepo:
    """The inner repository: returns what it is given."""

    context = 'ctx'

    @contextlib.contextmanager
    def transaction(self):
        yield

    def add(self, values):
        return domain.Image(id=values['id'])

    def save(self, image, original):
        return image

    def change_status(self, image, event, **changes):
        return domain.Image(id=image.id, status=event)


class NotifyingRepoTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.notifier = RecordingNotifier()
        self.repo = notifications.NotifyingRepo(FakeRepo(), self.notifier)

    def test_outside_a_block_each_call_notifies_at_once(self):
        self.repo.add({'id': 'a'})
        self.assertEqual([('image.create', 'a')], self.notifier.sent)

    def test_a_block_notifies_when_the_outermost_block_commits(self):
        with self.repo.transaction():
            self.repo.add({'id': 'a'})
            with self.repo.transaction():
                self.repo.save(domain.Image(id='a'), None)
            self.assertEqual([], self.notifier.sent)
        self.assertEqual(
            [('image.create', 'a'), ('image.update', 'a')],
            self.notifier.sent,
        )

    def test_a_rolled_back_block_notifies_nothing(self):
        def failing():
            with self.repo.transaction():
                self.repo.add({'id': 'a'})
                raise ValueError('rolled back')

        self.assertRaises(ValueError, failing)
        self.assertEqual([], self.notifier.sent)
        self.repo.add({'id': 'b'})
        self.assertEqual([('image.create', 'b')], self.notifier.sent)

    def test_status_events_map_to_upstreams(self):
        image = domain.Image(id='a')
        for event in ('upload', 'stage', 'activate', 'deactivate'):
            self.repo.change_status(image, event)
        self.assertEqual(
            [
                'image.prepare',
                'image.prepare',
                'image.activate',
                'image.update',
            ],
            [t for t, _ in self.notifier.sent],
        )


class NotifierTest(testtools.TestCase):
    def test_disabled_types_and_groups(self):
        notifier = notifications.Notifier(
            object(), ['image.send', 'image.member.*']
        )
        self.assertFalse(notifier.enabled('image.send'))
        self.assertFalse(notifier.enabled('image.member.create'))
        self.assertTrue(notifier.enabled('image.create'))
        self.assertTrue(notifier.enabled('image.sending'))

    def test_a_bare_group_disables_the_group_as_upstream(self):
        notifier = notifications.Notifier(object(), ['metadef_tag', 'task'])
        self.assertFalse(notifier.enabled('metadef_tag.create'))
        self.assertFalse(notifier.enabled('task.success'))
        self.assertTrue(notifier.enabled('metadef_object.create'))
        self.assertTrue(notifier.enabled('image.create'))

    def test_a_block_in_one_thread_does_not_hold_another_threads_events(self):
        notifier = RecordingNotifier()
        repo = notifications.NotifyingRepo(FakeRepo(), notifier)
        with repo.transaction():
            worker = threading.Thread(target=repo.add, args=({'id': 'b'},))
            worker.start()
            worker.join()
            self.assertEqual([('image.create', 'b')], notifier.sent)
