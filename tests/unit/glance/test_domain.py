import testtools

from glance import domain
from glance import exception


class ImageTest(testtools.TestCase):
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


# (status, event, next status or the refusal's exception class): every
# status change the service makes, and the refusals clients see.
LIFE_CYCLE_CASES = (
    ('queued', 'upload', 'saving'),
    ('saving', 'upload', exception.Conflict),
    ('active', 'upload', exception.Conflict),
    ('queued', 'stage', 'uploading'),
    ('uploading', 'stage', exception.Conflict),
    ('saving', 'write_failed', 'queued'),
    ('uploading', 'write_failed', 'queued'),
    ('saving', 'activate', 'active'),
    ('importing', 'activate', 'active'),
    ('queued', 'activate', exception.Conflict),
    ('uploading', 'glance-direct', 'importing'),
    ('queued', 'glance-direct', exception.Conflict),
    ('queued', 'web-download', 'importing'),
    ('uploading', 'web-download', exception.Conflict),
    ('active', 'copy-image', 'active'),
    ('queued', 'copy-image', exception.Conflict),
    ('importing', 'import_failed', 'queued'),
    ('active', 'import_failed', 'active'),
    ('queued', 'add_location', 'active'),
    ('active', 'add_location', 'active'),
    ('saving', 'add_location', exception.Conflict),
    ('deactivated', 'add_location', exception.Conflict),
    ('active', 'deactivate', 'deactivated'),
    ('deactivated', 'deactivate', 'deactivated'),
    ('queued', 'deactivate', exception.Forbidden),
    ('deactivated', 'reactivate', 'active'),
    ('active', 'reactivate', 'active'),
    ('saving', 'reactivate', exception.Forbidden),
)


class LifeCycleTest(testtools.TestCase):
    def test_table(self):
        for status, event, expected in LIFE_CYCLE_CASES:
            image = domain.Image(id='img', status=status)
            if isinstance(expected, str):
                self.assertEqual(
                    expected, domain.next_status(image, event), (status, event)
                )
                continue
            error = self.assertRaises(
                expected, domain.next_status, image, event
            )
            # One message format: the image, its status, what it needs.
            self.assertIn('Image img is %s; ' % status, error.msg)
            self.assertIn('needs an image that is', error.msg)

    def test_every_event_is_covered(self):
        self.assertEqual(
            set(domain.LIFE_CYCLE), {case[1] for case in LIFE_CYCLE_CASES}
        )
