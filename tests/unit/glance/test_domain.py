import testtools

from glance import domain
from glance import exception


class StatusTransitionTest(testtools.TestCase):
    def test_upload_path_allowed(self):
        domain.check_transition('queued', 'saving')
        domain.check_transition('saving', 'active')

    def test_deleted_is_final(self):
        self.assertRaises(
            exception.InvalidStatusTransition,
            domain.check_transition,
            'deleted',
            'active',
        )

    def test_active_locations_skip_deleted(self):
        image = domain.Image(
            id='x',
            locations=[
                domain.Location('file:///a', {'store': 'a'}),
                domain.Location('file:///b', {}, status='deleted'),
            ],
        )
        self.assertEqual(
            ['file:///a'], [x.url for x in image.active_locations]
        )
        self.assertEqual('a', image.active_locations[0].store)
