import testtools

from glance import domain


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
