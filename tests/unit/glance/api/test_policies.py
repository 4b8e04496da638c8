import testtools

from glance import context
from glance import exception
from glance import policies
from glance.policies import images as rules
from glance.policies import metadefs as metadef_rules
from tests.unit.glance.api import base

EXPECTED_RULES = {
    'context_is_admin',
    'default',
    'cache_image',
    'cache_list',
    'cache_delete',
    'cache_clean',
    'cache_prune',
    'list_cached_nodes',
    'get_image',
    'get_images',
    'add_image',
    'modify_image',
    'delete_image',
    'publicize_image',
    'communitize_image',
    'get_image_location',
    'set_image_location',
    'delete_image_location',
    'download_image',
    'upload_image',
    'deactivate',
    'reactivate',
    'copy_image',
    'add_member',
    'get_member',
    'get_members',
    'modify_member',
    'delete_member',
    'stores_info_detail',
}
# Upstream's task rules.
EXPECTED_RULES |= {
    'get_task',
    'get_tasks',
    'add_task',
    'modify_task',
    'tasks_api_access',
}
# Upstream's metadata definition rules.
EXPECTED_RULES |= {
    'metadef_default',
    'metadef_admin',
    'get_metadef_namespace',
    'get_metadef_namespaces',
    'modify_metadef_namespace',
    'add_metadef_namespace',
    'delete_metadef_namespace',
    'get_metadef_object',
    'get_metadef_objects',
    'modify_metadef_object',
    'add_metadef_object',
    'delete_metadef_object',
    'list_metadef_resource_types',
    'get_metadef_resource_type',
    'add_metadef_resource_type_association',
    'remove_metadef_resource_type_association',
    'get_metadef_property',
    'get_metadef_properties',
    'modify_metadef_property',
    'add_metadef_property',
    'remove_metadef_property',
    'get_metadef_tag',
    'get_metadef_tags',
    'modify_metadef_tag',
    'add_metadef_tag',
    'add_metadef_tags',
    'delete_metadef_tag',
    'delete_metadef_tags',
}


def caller(project, *roles):
    return context.RequestContext(
        project_id=project, roles=list(roles), overwrite=False
    )


class PolicyTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.enforcer = policies.enforcer(base.make_conf())

    def allowed(self, ctx, rule, **target):
        return policies.allowed(self.enforcer, ctx, rule, target)

    def test_rule_names_as_upstream(self):
        names = {rule.name for rule in policies.list_rules()}
        self.assertEqual(EXPECTED_RULES, names)

    def test_owner_member_may_modify_others_may_not(self):
        image = {'project_id': 'p1', 'visibility': 'public'}
        member = caller('p1', 'member', 'reader')
        self.assertTrue(self.allowed(member, rules.MODIFY_IMAGE, **image))
        stranger = caller('p2', 'member', 'reader')
        self.assertFalse(self.allowed(stranger, rules.MODIFY_IMAGE, **image))
        self.assertTrue(self.allowed(stranger, rules.GET_IMAGE, **image))
        reader = caller('p1', 'reader')
        self.assertFalse(self.allowed(reader, rules.MODIFY_IMAGE, **image))

    def test_admin_only_rules(self):
        owner = caller('p1', 'member', 'reader')
        admin = caller('p9', 'admin')
        for rule in (
            rules.PUBLICIZE_IMAGE,
            rules.GET_IMAGE_LOCATION,
            rules.SET_IMAGE_LOCATION,
            rules.DELETE_IMAGE_LOCATION,
            rules.STORES_INFO_DETAIL,
        ):
            self.assertFalse(self.allowed(owner, rule, project_id='p1'))
            self.assertTrue(self.allowed(admin, rule, project_id='p1'))

    def test_private_image_not_visible_to_strangers(self):
        stranger = caller('p2', 'reader')
        self.assertFalse(
            self.allowed(
                stranger,
                rules.GET_IMAGE,
                project_id='p1',
                visibility='private',
                member_id=None,
            )
        )

    def test_only_the_member_changes_its_status(self):
        target = {'project_id': 'p1', 'member_id': 'p2'}
        self.assertTrue(
            self.allowed(caller('p2', 'member'), rules.MODIFY_MEMBER, **target)
        )
        self.assertFalse(
            self.allowed(caller('p1', 'member'), rules.MODIFY_MEMBER, **target)
        )

    def test_authorize_raises_forbidden(self):
        self.assertRaises(
            exception.Forbidden,
            policies.authorize,
            self.enforcer,
            caller('p2', 'member'),
            rules.DELETE_IMAGE,
            {'project_id': 'p1'},
        )

    def test_default_target_is_callers_project(self):
        self.assertTrue(self.allowed(caller('p1', 'member'), rules.ADD_IMAGE))

    def test_readers_see_public_and_own_namespaces(self):
        reader = caller('p2', 'reader')
        public = {'project_id': 'p1', 'visibility': 'public'}
        private = {'project_id': 'p1', 'visibility': 'private'}
        own = {'project_id': 'p2', 'visibility': 'private'}
        for rule in (metadef_rules.GET_NAMESPACE, metadef_rules.GET_OBJECTS):
            self.assertTrue(self.allowed(reader, rule, **public))
            self.assertFalse(self.allowed(reader, rule, **private))
            self.assertTrue(self.allowed(reader, rule, **own))
        nobody = caller('p2')
        self.assertFalse(
            self.allowed(nobody, metadef_rules.GET_NAMESPACE, **public)
        )

    def test_changes_need_metadef_admin(self):
        owner = caller('p1', 'member', 'reader')
        admin = caller('p9', 'admin')
        target = {'project_id': 'p1', 'visibility': 'private'}
        for rule in (
            metadef_rules.ADD_NAMESPACE,
            metadef_rules.MODIFY_OBJECT,
            metadef_rules.DELETE_TAGS,
            metadef_rules.ADD_ASSOCIATION,
        ):
            self.assertFalse(self.allowed(owner, rule, **target))
            self.assertTrue(self.allowed(admin, rule, **target))
