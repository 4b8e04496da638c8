import testtools

from glance.cmd import manage_locations


class ProgressTextTest(testtools.TestCase):
    def bar(self, filled):
        return '[%s%s]' % ('#' * filled, ' ' * (30 - filled))

    def test_bar_percentage_count_and_rate(self):
        self.assertEqual(
            self.bar(0) + '   0% 0/200 locations, 0/s',
            manage_locations.progress_text(0, 200, 0.0),
        )
        self.assertEqual(
            self.bar(15) + '  50% 100/200 locations, 40/s',
            manage_locations.progress_text(100, 200, 2.5),
        )
        self.assertEqual(
            self.bar(29) + '  99% 199/200 locations, 199/s',
            manage_locations.progress_text(199, 200, 1.0),
        )

    def test_stops_at_100_percent(self):
        # Locations added while the command runs: more done than counted.
        self.assertEqual(
            self.bar(30) + ' 100% 250/200 locations, 250/s',
            manage_locations.progress_text(250, 200, 1.0),
        )
        self.assertEqual(
            self.bar(30) + ' 100% 0/0 locations, 0/s',
            manage_locations.progress_text(0, 0, 0.5),
        )
