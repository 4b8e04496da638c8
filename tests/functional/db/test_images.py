"""glance.db.images and glance.db.locations against real databases."""

import dataclasses
import datetime

import sqlalchemy as sa

from glance import exception
from glance.db import images
from glance.db import locations
from glance.db import members
from glance.db import models
from glance.db import session
from tests.functional.db import base


class ImagesTests:
    def create(self, **values):
        values.setdefault('owner', 'p1')
        return images.create(self.admin_context(), values)

    def ids(self, found):
        return [image.id for image in found]

    # create / get

    def test_create_and_get_round_trip(self):
        created = self.create(
            name='cirros',
            visibility='public',
            size=5,
            properties={'hw_disk_bus': 'scsi', 'os_distro': 'cirros'},
            tags=['a', 'b', 'a'],
        )
        self.assertEqual(36, len(created.id))
        got = images.get(self.user_context('p2'), created.id)
        self.assertEqual('cirros', got.name)
        self.assertEqual('queued', got.status)
        self.assertEqual(5, got.size)
        self.assertEqual(
            {'hw_disk_bus': 'scsi', 'os_distro': 'cirros'}, got.properties
        )
        self.assertEqual(['a', 'b'], got.tags)
        self.assertIsNotNone(got.created_at)
        self.assertFalse(got.os_hidden)

    def test_create_duplicate_id_and_unknown_attribute(self):
        image = self.create()
        self.assertRaises(exception.Duplicate, self.create, id=image.id)
        self.assertRaises(exception.Invalid, self.create, colour='red')

    def test_get_deleted_only_when_forced(self):
        image = self.create()
        images.destroy(self.admin_context(), image.id)
        self.assertRaises(
            exception.ImageNotFound,
            images.get,
            self.admin_context(),
            image.id,
        )
        shown = images.get(
            self.admin_context(), image.id, force_show_deleted=True
        )
        self.assertEqual('deleted', shown.status)
        self.assertTrue(shown.deleted)

    # visibility

    def _visibility_world(self):
        """p1 owns one image of each visibility; p2 accepted, p3 pending
        members of the shared one."""
        world = {
            v: self.create(name=v, visibility=v)
            for v in ('private', 'public', 'shared', 'community')
        }
        for member, status in (('p2', 'accepted'), ('p3', 'pending')):
            members.create(
                self.admin_context(), world['shared'].id, member, status
            )
        return world

    def test_get_visibility(self):
        world = self._visibility_world()
        expect = {
            'p1': {'private', 'public', 'shared', 'community'},
            'p2': {'public', 'shared', 'community'},
            'p3': {'public', 'shared', 'community'},
            'p4': {'public', 'community'},
        }
        for project, visible in expect.items():
            for visibility, image in world.items():
                context = self.user_context(project)
                if visibility in visible:
                    images.get(context, image.id)
                else:
                    self.assertRaises(
                        exception.ImageNotFound, images.get, context, image.id
                    )

    def test_list_visibility(self):
        self._visibility_world()

        def names(project=None, **query):
            context = (
                self.admin_context()
                if project is None
                else self.user_context(project)
            )
            return {image.name for image in images.get_all(context, **query)}

        self.assertEqual(
            {'private', 'public', 'shared', 'community'}, names('p1')
        )
        self.assertEqual({'public', 'shared'}, names('p2'))
        self.assertEqual({'public'}, names('p3'))
        self.assertEqual(
            {'public', 'shared'}, names('p3', member_status='pending')
        )
        self.assertEqual(
            {'shared'},
            names('p3', filters={'visibility': 'shared'}, member_status='all'),
        )
        self.assertEqual(
            {'community'}, names('p4', filters={'visibility': 'community'})
        )
        self.assertEqual(
            {'public', 'community'}, names('p4', filters={'visibility': 'all'})
        )
        # Admins too see community images of others only when asking.
        self.assertEqual({'private', 'public', 'shared'}, names())
        self.assertEqual(
            {'private', 'public', 'shared', 'community'},
            names(filters={'visibility': 'all'}),
        )
        self.assertEqual(
            {'community'}, names(filters={'visibility': 'community'})
        )
        self.assertEqual({'private'}, names(filters={'visibility': 'private'}))

    # filters

    def test_filters(self):
        small = self.create(
            name='small', size=10, disk_format='raw', tags=['x', 'y']
        )
        big = self.create(
            name='big',
            size=1000,
            disk_format='qcow2',
            tags=['x'],
            properties={'os_distro': 'debian'},
        )
        hidden = self.create(name='hidden', os_hidden=True)
        context = self.admin_context()

        def ids(**filters):
            return set(self.ids(images.get_all(context, filters=filters)))

        self.assertEqual({small.id, big.id}, ids())
        self.assertEqual({small.id}, ids(name='small'))
        self.assertEqual({small.id, big.id}, ids(name='in:small,big'))
        self.assertEqual({big.id}, ids(id='in:%s' % big.id))
        self.assertEqual({big.id}, ids(size_min='11'))
        self.assertEqual({small.id}, ids(size_max=10))
        self.assertEqual({small.id}, ids(tags=['x', 'y']))
        self.assertEqual({small.id, big.id}, ids(tags=['x']))
        self.assertEqual({big.id}, ids(os_distro='debian'))
        self.assertEqual({big.id}, ids(disk_format='qcow2'))
        self.assertEqual({hidden.id}, ids(os_hidden='true'))
        self.assertEqual(set(), ids(status='active'))
        long_ago = '2000-01-01T00:00:00Z'
        self.assertEqual({small.id, big.id}, ids(created_at='gt:' + long_ago))
        self.assertEqual(set(), ids(updated_at='lte:' + long_ago))
        for bad in (
            {'size_min': 'ten'},
            {'protected': 'maybe'},
            {'created_at': 'gt:yesterday'},
            {'visibility': 'secret'},
        ):
            self.assertRaises(
                exception.InvalidFilter,
                images.get_all,
                context,
                filters=bad,
            )

    # sorting and paging

    def test_sort_and_keyset_paging(self):
        made = [
            self.create(name=name, size=size)
            for name, size in (
                ('b', 2),
                ('a', None),
                ('c', 2),
                (None, 1),
                ('a', 3),
            )
        ]
        context = self.admin_context()
        for sort_key, sort_dir in (
            (['size', 'name'], ['asc', 'desc']),
            (['name'], ['asc']),
            (['name'], ['desc']),
            (None, None),
            (['visibility', 'size'], ['desc']),
        ):
            full = images.get_all(
                context, sort_key=sort_key, sort_dir=sort_dir
            )
            self.assertEqual(len(made), len(full))
            paged, marker = [], None
            while True:
                page = images.get_all(
                    context,
                    sort_key=sort_key,
                    sort_dir=sort_dir,
                    marker=marker,
                    limit=2,
                )
                if not page:
                    break
                paged.extend(page)
                marker = page[-1].id
            self.assertEqual(self.ids(full), self.ids(paged), sort_key)
        by_size = images.get_all(context, sort_key='size', sort_dir='asc')
        self.assertIsNone(by_size[0].size)

    def test_ties_broken_by_created_at_then_id(self):
        # Three images created at one time, one an hour later.
        made = [self.create(name='same') for _ in range(4)]
        table = models.Image.__table__
        then = made[0].created_at
        with session.writer.using(self.admin_context()) as connection:
            connection.execute(
                sa.update(table)
                .where(table.c.id.in_([i.id for i in made[:3]]))
                .values(created_at=then)
            )
            connection.execute(
                sa.update(table)
                .where(table.c.id == made[3].id)
                .values(created_at=then + datetime.timedelta(hours=1))
            )
        same_time = sorted(image.id for image in made[:3])
        newest_first = [made[3].id] + same_time[::-1]
        for sort_dir, expected in (
            (None, newest_first),
            ('desc', newest_first),
            ('asc', same_time + [made[3].id]),
        ):
            found = images.get_all(
                self.admin_context(), sort_key='name', sort_dir=sort_dir
            )
            self.assertEqual(expected, self.ids(found), sort_dir)

    def test_paging_stable_under_inserts(self):
        for name in 'bdf':
            self.create(name=name)
        context = self.admin_context()
        first = images.get_all(
            context, sort_key='name', sort_dir='asc', limit=2
        )
        self.create(name='a')
        self.create(name='e')
        rest = images.get_all(
            context,
            sort_key='name',
            sort_dir='asc',
            marker=first[-1].id,
        )
        self.assertEqual(['b', 'd', 'e', 'f'], [i.name for i in first + rest])

    def test_bad_marker_and_sort(self):
        context = self.admin_context()
        self.assertRaises(
            exception.Invalid, images.get_all, context, marker='nope'
        )
        self.assertRaises(
            exception.InvalidSortKey, images.get_all, context, sort_key='x'
        )

    # save

    def test_save_writes_only_the_difference(self):
        image = self.create(name='n', properties={'a': '1', 'b': '2'})
        changed = dataclasses.replace(
            image,
            name='m',
            status='active',
            properties={'a': '1', 'b': '3', 'c': '4'},
            tags=['t'],
        )
        saved = images.save(self.admin_context(), changed, image)
        self.assertEqual('m', saved.name)
        self.assertEqual('active', saved.status)
        self.assertEqual({'a': '1', 'b': '3', 'c': '4'}, saved.properties)
        self.assertEqual(['t'], saved.tags)
        removed = dataclasses.replace(saved, properties={'a': '1'}, tags=[])
        again = images.save(self.admin_context(), removed, saved)
        self.assertEqual({'a': '1'}, again.properties)
        self.assertEqual([], again.tags)
        revived = dataclasses.replace(again, properties={'a': '1', 'b': '9'})
        self.assertEqual(
            {'a': '1', 'b': '9'},
            images.save(self.admin_context(), revived, again).properties,
        )

    def test_concurrent_saves_of_different_fields_both_land(self):
        image = self.create(name='n', properties={'a': '1'})
        context = self.admin_context()
        images.save(
            context, dataclasses.replace(image, properties={'a': '2'}), image
        )
        images.save(
            context,
            dataclasses.replace(
                image, properties={'a': '1', 'b': '5'}, name='z'
            ),
            image,
        )
        final = images.get(context, image.id)
        self.assertEqual({'a': '2', 'b': '5'}, final.properties)
        self.assertEqual('z', final.name)

    def test_same_field_race_loser_gets_conflict_and_writes_nothing(self):
        image = self.create(name='n', properties={'a': '1'})
        context = self.admin_context()
        images.save(context, dataclasses.replace(image, name='first'), image)
        late = dataclasses.replace(image, name='second', min_ram=64)
        self.assertRaises(
            exception.Conflict, images.save, context, late, image
        )
        self.assertRaises(
            exception.Conflict,
            images.save,
            context,
            dataclasses.replace(image, properties={'a': 'x', 'q': '1'}),
            dataclasses.replace(image, properties={'a': 'stale'}),
        )
        final = images.get(context, image.id)
        self.assertEqual(('first', 0), (final.name, final.min_ram))
        self.assertEqual({'a': '1'}, final.properties)

    def test_save_of_deleted_image_is_not_found(self):
        image = self.create()
        images.destroy(self.admin_context(), image.id)
        self.assertRaises(
            exception.ImageNotFound,
            images.save,
            self.admin_context(),
            dataclasses.replace(image, name='x'),
            image,
        )


class LocationsTests:
    def _image_with_locations(self, *metadatas):
        image = images.create(self.admin_context(), {'owner': 'p1'})
        made = [
            locations.add(
                self.admin_context(),
                image.id,
                'file:///data/%s/%d' % (image.id, n),
                metadata,
            )
            for n, metadata in enumerate(metadatas)
        ]
        return image, made

    def test_add_update_delete_show_in_image(self):
        image, (first, second) = self._image_with_locations({}, {'store': 'a'})
        context = self.admin_context()
        locations.update(context, first.id, status='pending_delete')
        locations.delete(context, second.id)
        shown = images.get(context, image.id)
        self.assertEqual(
            [(first.id, 'pending_delete', {})],
            [(loc.id, loc.status, loc.metadata) for loc in shown.locations],
        )
        self.assertRaises(
            exception.LocationNotFound, locations.delete, context, second.id
        )

    def test_set_stores_compare_and_set(self):
        image, made = self._image_with_locations({}, {'store': 'old'}, {})
        context = self.admin_context()
        before = images.get(context, image.id)
        written = locations.set_stores(
            context,
            [
                (made[0].id, {}, 'fast'),
                (made[1].id, {'store': 'old'}, 'fast'),
                (made[2].id, {'store': 'someone-else'}, 'fast'),
            ],
        )
        self.assertEqual({made[0].id, made[1].id}, written)
        after = images.get(context, image.id)
        self.assertEqual(
            ['fast', 'fast', None], [loc.store for loc in after.locations]
        )
        self.assertEqual(before.updated_at, after.updated_at)
        self.assertEqual(set(), locations.set_stores(context, []))

    def test_set_stores_compares_decoded_metadata(self):
        _, (location,) = self._image_with_locations({'a': 1, 'b': 2})
        with session.writer.using(self.admin_context()) as connection:
            connection.execute(
                sa.text(
                    'UPDATE image_locations SET meta_data = :m WHERE id = :i'
                ),
                {'m': '{"b":2,"a":1}', 'i': location.id},
            )
        written = locations.set_stores(
            self.admin_context(), [(location.id, {'a': 1, 'b': 2}, 's')]
        )
        self.assertEqual({location.id}, written)

    def test_set_stores_leaves_location_timestamps(self):
        _, (location,) = self._image_with_locations({})
        table = models.ImageLocation.__table__
        query = sa.select(table.c.updated_at).where(table.c.id == location.id)
        with session.reader.using(self.admin_context()) as connection:
            stamp = connection.execute(query).scalar_one()
        locations.set_stores(self.admin_context(), [(location.id, {}, 's')])
        with session.reader.using(self.admin_context()) as connection:
            self.assertEqual(stamp, connection.execute(query).scalar_one())

    def test_get_batch_walks_active_locations_in_id_order(self):
        image, made = self._image_with_locations({}, {}, {}, {})
        context = self.admin_context()
        locations.delete(context, made[1].id)
        locations.update(context, made[2].id, status='pending_delete')
        first = locations.get_batch(context, after_id=0, limit=1)
        rest = locations.get_batch(context, after_id=first[-1].id)
        self.assertEqual(
            [made[0].id, made[3].id], [loc.id for loc in first + rest]
        )
        self.assertEqual({image.id}, {loc.image_id for loc in first + rest})

    def test_count_active_counts_what_get_batch_walks(self):
        context = self.admin_context()
        self.assertEqual(0, locations.count_active(context))
        _, made = self._image_with_locations({}, {}, {})
        locations.delete(context, made[0].id)
        locations.update(context, made[1].id, status='pending_delete')
        self.assertEqual(1, locations.count_active(context))
        images.destroy(context, made[2].image_id)
        self.assertEqual(0, locations.count_active(context))


class TestImagesSQLite(ImagesTests, base.DBTestCase):
    pass


class TestImagesMySQL(ImagesTests, base.MySQLMixin, base.DBTestCase):
    pass


class TestImagesPostgreSQL(ImagesTests, base.PostgreSQLMixin, base.DBTestCase):
    pass


class TestLocationsSQLite(LocationsTests, base.DBTestCase):
    pass


class TestLocationsMySQL(LocationsTests, base.MySQLMixin, base.DBTestCase):
    pass


class TestLocationsPostgreSQL(
    LocationsTests, base.PostgreSQLMixin, base.DBTestCase
):
    pass
