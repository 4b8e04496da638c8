"""glance.db.tags, members and tasks against real databases."""

import copy

from glance import exception
from glance.db import images
from glance.db import members
from glance.db import tasks
from tests.functional.db import base


class TagsMembersTasksTests:
    def _image(self):
        return images.create(self.admin_context(), {'owner': 'p1'})

    def test_tags(self):
        context = self.admin_context()
        image = images.create(context, {'owner': 'p1', 'tags': ['a', 'a']})
        self.assertEqual(['a'], image.tags)
        changed = copy.deepcopy(image)
        changed.tags = ['c', 'b', 'c']
        images.save(context, changed, image)
        self.assertEqual(['c', 'b'], images.get(context, image.id).tags)

    def test_members(self):
        image_id = self._image().id
        context = self.admin_context()
        created = members.create(context, image_id, 'p2')
        self.assertEqual(
            ('p2', 'pending', False),
            (created.member, created.status, created.can_share),
        )
        self.assertRaises(
            exception.Duplicate, members.create, context, image_id, 'p2'
        )
        members.create(context, image_id, 'p3', status='accepted')
        updated = members.update(context, image_id, 'p2', status='rejected')
        self.assertEqual('rejected', updated.status)
        self.assertEqual(
            ['p3'],
            [m.member for m in members.get_all(context, image_id, 'accepted')],
        )
        members.delete(context, image_id, 'p2')
        self.assertRaises(
            exception.MemberNotFound, members.get, context, image_id, 'p2'
        )
        # A removed member can be added again (the unique key has
        # deleted_at in it).
        self.assertEqual(
            'pending', members.create(context, image_id, 'p2').status
        )

    def test_tasks(self):
        owner = self.user_context('p1')
        made = [
            tasks.create(
                owner,
                {
                    'type': 'import',
                    'status': 'pending',
                    'owner': 'p1',
                    'input': {'image_id': str(n)},
                },
            )
            for n in range(3)
        ]
        tasks.create(
            self.admin_context(),
            {'type': 'import', 'status': 'pending', 'owner': 'p2'},
        )
        self.assertEqual({'image_id': '0'}, tasks.get(owner, made[0].id).input)
        self.assertRaises(
            exception.TaskNotFound,
            tasks.get,
            self.user_context('p9'),
            made[0].id,
        )
        done = tasks.update(
            owner,
            made[1].id,
            {'status': 'success', 'result': {'ok': True}, 'message': 'fine'},
        )
        self.assertEqual(
            ('success', {'ok': True}, 'fine'),
            (done.status, done.result, done.message),
        )
        listed = tasks.get_all(owner, sort_key='id', sort_dir='asc')
        self.assertEqual(sorted(t.id for t in made), [t.id for t in listed])
        page = tasks.get_all(
            owner, sort_key='id', sort_dir='asc', marker=listed[0].id, limit=1
        )
        self.assertEqual([listed[1].id], [t.id for t in page])
        self.assertEqual(
            [made[1].id],
            [
                t.id
                for t in tasks.get_all(owner, filters={'status': 'success'})
            ],
        )
        self.assertEqual(4, len(tasks.get_all(self.admin_context())))
        self.assertRaises(
            exception.InvalidFilter,
            tasks.get_all,
            owner,
            filters={'colour': 'red'},
        )


class TestTagsMembersTasksSQLite(TagsMembersTasksTests, base.DBTestCase):
    pass


class TestTagsMembersTasksMySQL(
    TagsMembersTasksTests, base.MySQLMixin, base.DBTestCase
):
    pass


class TestTagsMembersTasksPostgreSQL(
    TagsMembersTasksTests, base.PostgreSQLMixin, base.DBTestCase
):
    pass
