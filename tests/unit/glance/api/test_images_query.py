import testtools
import webob.exc
from webob import multidict

from glance import domain
from glance.api.v2 import images_query
from tests.unit.glance.api import base


def params(*pairs):
    return multidict.MultiDict(pairs)


class ParseTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.conf = base.make_conf(limit_param_default=25, api_limit_max=100)

    def parse(self, *pairs):
        return images_query.parse(params(*pairs), self.conf)

    def test_defaults(self):
        query = self.parse()
        self.assertEqual(25, query.limit)
        self.assertEqual(['created_at'], query.sort_key)
        self.assertEqual(['desc'], query.sort_dir)
        self.assertEqual('accepted', query.member_status)
        self.assertEqual({}, query.filters)

    def test_limit_capped(self):
        self.assertEqual(100, self.parse(('limit', '5000')).limit)

    def test_sort_param(self):
        query = self.parse(('sort', 'name:asc, size'))
        self.assertEqual(['name', 'size'], query.sort_key)
        self.assertEqual(['asc', 'desc'], query.sort_dir)

    def test_sort_key_and_dir(self):
        query = self.parse(
            ('sort_key', 'name'), ('sort_key', 'id'), ('sort_dir', 'asc')
        )
        self.assertEqual(['name', 'id'], query.sort_key)
        self.assertEqual(['asc', 'asc'], query.sort_dir)

    def test_filters_and_tags(self):
        query = self.parse(
            ('tag', 'a'),
            ('tag', 'b'),
            ('name', 'n'),
            ('marker', 'm'),
            ('os_distro', 'debian'),
        )
        self.assertEqual(
            {'tags': ['a', 'b'], 'name': 'n', 'os_distro': 'debian'},
            query.filters,
        )
        self.assertEqual('m', query.marker)

    def test_invalid(self):
        for pairs in (
            [('limit', '-2')],
            [('sort_key', 'bogus')],
            [('sort_dir', 'up')],
            [('sort', 'name'), ('sort_key', 'name')],
            [
                ('sort_key', 'a'),
                ('sort_key', 'b'),
                ('sort_dir', 'asc'),
                ('sort_dir', 'asc'),
                ('sort_dir', 'asc'),
            ],
            [('member_status', 'maybe')],
        ):
            self.assertRaises(webob.exc.HTTPBadRequest, self.parse, *pairs)


class PageLinksTest(testtools.TestCase):
    def test_full_page_has_next(self):
        found = [domain.Image(id='a'), domain.Image(id='b')]
        links = images_query.page_links(
            params(('limit', '2'), ('marker', 'z')), found, 2
        )
        self.assertEqual('/v2/images?limit=2', links['first'])
        self.assertEqual('/v2/images?limit=2&marker=b', links['next'])

    def test_short_page_has_no_next(self):
        links = images_query.page_links(params(), [domain.Image(id='a')], 2)
        self.assertEqual({'first': '/v2/images'}, links)
