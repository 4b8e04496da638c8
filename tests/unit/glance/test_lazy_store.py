import copy
import logging

import fixtures
import testtools

from glance import context as glance_context
from glance import domain
from glance import gateway
from glance import lazy_store
from glance.store_resolution import StoreIndex

FILE = ('file', 'filesystem')
INDEX = StoreIndex(
    {
        'fast': (FILE, ['file:///data/fast']),
        'cheap': (FILE, ['file:///data/cheap']),
        'cloud': (('s3', 's3+http'), ['s3+http://host/bucket']),
    }
)
ENABLED = {'fast': 'file', 'cheap': 'file', 'cloud': 's3'}
SECRET = 'se/cr@t'
LEGACY_S3 = 's3://AKIA:%s@host/bucket/' % SECRET


def image(image_id, *locations):
    return domain.Image(
        id=image_id,
        status='active',
        locations=[
            domain.Location(url, metadata, id=row, image_id=image_id)
            for row, (url, metadata) in enumerate(locations, start=1)
        ],
    )


class FakeImageRepo:
    """Hands out copies of its images, as a database would."""

    def __init__(self, context, images):
        self.context = context
        self.images = {item.id: item for item in images}
        self.calls = []

    def get(self, image_id):
        return copy.deepcopy(self.images[image_id])

    def list(self, **query):
        self.calls.append(('list', query))
        return copy.deepcopy(list(self.images.values()))

    def add(self, values):
        self.calls.append(('add', values))
        return copy.deepcopy(self.images[values['id']])

    def save(self, image, original):
        self.calls.append(('save', image, original))
        return copy.deepcopy(image)

    def remove(self, image):
        self.calls.append(('remove', image))
        return 'removed'


class RecordingSetStores:
    def __init__(self, error=None):
        self.calls = []
        self.error = error

    def __call__(self, context, changes):
        changes = list(changes)
        self.calls.append((context, changes))
        if self.error:
            raise self.error
        return {change.location_id for change in changes}


class LazyStoreRepoTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(
            fixtures.MonkeyPatch('glance.store_resolution._reported', set())
        )
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        self.context = glance_context.RequestContext(
            user_id='reader', project_id='other', roles=['reader']
        )

    def repo(self, *images, error=None):
        self.inner = FakeImageRepo(self.context, images)
        self.set_stores = RecordingSetStores(error)
        return lazy_store.LazyStoreRepo(
            self.inner, INDEX, ENABLED, set_stores=self.set_stores
        )

    def test_get_records_missing_and_renamed_stores(self):
        repo = self.repo(
            image(
                'a',
                ('file:///data/fast/a', {}),
                ('file:///data/cheap/a', {'store': 'old-name', 'id': 'x'}),
            )
        )
        got = repo.get('a')
        self.assertEqual(
            [{'store': 'fast'}, {'store': 'cheap', 'id': 'x'}],
            [location.metadata for location in got.locations],
        )
        [(context, changes)] = self.set_stores.calls
        self.assertEqual(
            [
                (1, {}, 'fast', 'file:///data/fast/a', None),
                (
                    2,
                    {'store': 'old-name', 'id': 'x'},
                    'cheap',
                    'file:///data/cheap/a',
                    None,
                ),
            ],
            changes,
        )

    def test_write_uses_an_elevated_context(self):
        repo = self.repo(image('a', ('file:///data/fast/a', {})))
        repo.get('a')
        [(context, _)] = self.set_stores.calls
        self.assertTrue(context.is_admin)
        self.assertFalse(self.context.is_admin)
        self.assertEqual('reader', context.user_id)

    def test_valid_stores_are_left_alone_without_a_write(self):
        repo = self.repo(
            image('a', ('file:///data/cheap/a', {'store': 'fast'})),
            image('b', ('file:///data/fast/b', {'store': 'fast'})),
        )
        images = repo.list()
        self.assertEqual([], self.set_stores.calls)
        self.assertEqual('fast', images[0].locations[0].store)

    def test_store_of_any_json_type_is_replaced(self):
        repo = self.repo(image('a', ('file:///data/fast/a', {'store': ['x']})))
        self.assertEqual('fast', repo.get('a').locations[0].store)
        [(_, changes)] = self.set_stores.calls
        self.assertEqual(
            [(1, {'store': ['x']}, 'fast', 'file:///data/fast/a', None)],
            changes,
        )

    def test_inactive_locations_are_left_alone(self):
        item = image('a', ('file:///data/fast/a', {}))
        item.locations[0].status = 'pending_delete'
        repo = self.repo(item)
        self.assertIsNone(repo.get('a').locations[0].store)
        self.assertEqual([], self.set_stores.calls)

    def test_unmatched_location_is_untouched_and_logged_once(self):
        repo = self.repo(
            image(
                'a',
                ('file:///elsewhere/a', {'store': 'gone'}),
                ('file:///data/fast/a', {}),
            )
        )
        repo.get('a')
        got = repo.get('a')
        self.assertEqual({'store': 'gone'}, got.locations[0].metadata)
        changes = [changes for _, changes in self.set_stores.calls]
        self.assertEqual(
            [[(2, {}, 'fast', 'file:///data/fast/a', None)]] * 2, changes
        )
        self.assertEqual(1, self.log.output.count('file:///elsewhere/a'))

    def test_one_write_per_list(self):
        repo = self.repo(
            image('a', ('file:///data/fast/a', {})),
            image('b', ('file:///data/cheap/b', {}), ('http://x/b', {})),
            image('c', ('file:///data/cheap/c', {'store': 'cheap'})),
        )
        images = repo.list(limit=3)
        self.assertEqual([('list', {'limit': 3})], self.inner.calls)
        self.assertEqual(1, len(self.set_stores.calls))
        self.assertEqual(
            [['fast'], ['cheap', None], ['cheap']],
            [[loc.store for loc in item.locations] for item in images],
        )

    def test_legacy_s3_urls_lose_their_credentials(self):
        repo = self.repo(
            image(
                'a',
                (LEGACY_S3 + '1', {}),
                (LEGACY_S3 + '2', {'store': 'cloud'}),
                ('s3://AKIA:%s@other/bucket/3' % SECRET, {}),
                ('s3+http://host/bucket/4', {'store': 'cloud'}),
            )
        )
        got = repo.get('a')
        self.assertEqual(
            [
                ('s3://host/bucket/1', 'cloud'),
                ('s3://host/bucket/2', 'cloud'),
                ('s3://AKIA:%s@other/bucket/3' % SECRET, None),
                ('s3+http://host/bucket/4', 'cloud'),
            ],
            [(loc.url, loc.store) for loc in got.locations],
        )
        [(_, changes)] = self.set_stores.calls
        self.assertEqual(
            [
                (1, {}, 'cloud', LEGACY_S3 + '1', 's3://host/bucket/1'),
                (
                    2,
                    {'store': 'cloud'},
                    'cloud',
                    LEGACY_S3 + '2',
                    's3://host/bucket/2',
                ),
            ],
            changes,
        )
        self.assertIn('s3://other/bucket/3', self.log.output)
        self.assertNotIn(SECRET, self.log.output)

    def test_write_failure_still_returns_the_resolved_image(self):
        repo = self.repo(
            image('a', ('file:///data/fast/a', {})),
            error=RuntimeError('database is read-only'),
        )
        self.assertEqual('fast', repo.get('a').locations[0].store)
        self.assertIn('database is read-only', self.log.output)
        self.assertIn('next read retries', self.log.output)

    def test_every_method_handing_out_an_image_records_stores(self):
        legacy = image('a', ('file:///data/fast/a', {}))
        repo = self.repo(legacy)
        added = repo.add({'id': 'a'})
        saved = repo.save(legacy, legacy)
        self.assertEqual(['fast'], [loc.store for loc in added.locations])
        self.assertEqual(['fast'], [loc.store for loc in saved.locations])
        self.assertEqual(2, len(self.set_stores.calls))

    def test_other_methods_pass_through(self):
        repo = self.repo(image('a'))
        item = image('a')
        self.assertEqual('removed', repo.remove(item))
        self.assertEqual([('remove', item)], self.inner.calls)
        self.assertEqual([], self.set_stores.calls)

    def test_the_image_methods_are_every_one_of_image_repo(self):
        # A repository method added later must be listed as handing out
        # images (or not): nothing it returns may skip the lazy update.
        hands_out_no_image = {
            'list',
            'remove',
            'transaction',
            'unreferenced',
            'data_named',
            'drop_location',
        }
        public = {
            name
            for name in vars(gateway.ImageRepo)
            if not name.startswith('_')
        }
        self.assertEqual(
            public - hands_out_no_image, set(lazy_store.IMAGE_METHODS)
        )


class PlanTest(testtools.TestCase):
    def test_plan_is_pure(self):
        item = image(
            'a',
            ('file:///data/fast/a', {}),
            ('file:///nowhere/a', {'store': 'gone'}),
            ('file:///data/cheap/a', {'store': 'cheap'}),
        )
        before = copy.deepcopy(item)
        plan = lazy_store.plan_store_updates([item], INDEX, ENABLED)
        self.assertEqual(before, item)
        self.assertEqual(
            [
                (item.locations[0], {}, 'fast', None),
                (item.locations[1], {'store': 'gone'}, None, None),
            ],
            [tuple(update) for update in plan],
        )
