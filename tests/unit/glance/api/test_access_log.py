"""The access line: what of the request target it shows."""

import testtools

from glance.wsgi import access_log


class LoggedPathTest(testtools.TestCase):
    def test_query_and_fragment_dropped(self):
        self.assertEqual(
            '/v2/images',
            access_log.logged_path('/v2/images?marker=x&token=secret#f'),
        )

    def test_userinfo_of_an_absolute_target_dropped(self):
        self.assertEqual(
            'http://host:9292/v2/images',
            access_log.logged_path('http://user:pw@host:9292/v2/images?a=b'),
        )

    def test_unprintable_characters_escaped(self):
        self.assertEqual(
            '/v2/images/a\\x0ab\\x22c\\x5c\\xe9\\u263a',
            access_log.logged_path('/v2/images/a\nb"c\\\xe9\u263a'),
        )

    def test_percent_escapes_kept_as_sent(self):
        self.assertEqual(
            '/v2/metadefs/namespaces/a%20b',
            access_log.logged_path('/v2/metadefs/namespaces/a%20b'),
        )
