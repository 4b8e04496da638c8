"""Rule names and defaults for images, their data, locations and members."""

from glance.policies import base

GET_IMAGE = 'get_image'
GET_IMAGES = 'get_images'
ADD_IMAGE = 'add_image'
MODIFY_IMAGE = 'modify_image'
DELETE_IMAGE = 'delete_image'
PUBLICIZE_IMAGE = 'publicize_image'
COMMUNITIZE_IMAGE = 'communitize_image'
GET_IMAGE_LOCATION = 'get_image_location'
SET_IMAGE_LOCATION = 'set_image_location'
DELETE_IMAGE_LOCATION = 'delete_image_location'
DOWNLOAD_IMAGE = 'download_image'
UPLOAD_IMAGE = 'upload_image'
DEACTIVATE = 'deactivate'
REACTIVATE = 'reactivate'
COPY_IMAGE = 'copy_image'
ADD_MEMBER = 'add_member'
GET_MEMBER = 'get_member'
GET_MEMBERS = 'get_members'
MODIFY_MEMBER = 'modify_member'
DELETE_MEMBER = 'delete_member'
STORES_INFO_DETAIL = 'stores_info_detail'


def target(image):
    """What the rules read of an image: its owner is ``project_id``."""
    return {
        'project_id': image.owner,
        'owner': image.owner,
        'visibility': image.visibility,
        'image_id': image.id,
    }


_IMAGES = '/v2/images'
_IMAGE = '/v2/images/{image_id}'
_MEMBERS = _IMAGE + '/members'
_MEMBER = _MEMBERS + '/{member_id}'


_rule = base.documented_rule


RULES = [
    _rule(
        GET_IMAGE,
        base.ADMIN_OR_VISIBLE_TO_READER,
        'Show an image.',
        ('GET', _IMAGE),
    ),
    _rule(
        GET_IMAGES,
        base.ADMIN_OR_PROJECT_READER,
        'List images.',
        ('GET', _IMAGES),
    ),
    _rule(
        ADD_IMAGE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Create an image.',
        ('POST', _IMAGES),
    ),
    _rule(
        MODIFY_IMAGE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Update an image.',
        ('PATCH', _IMAGE),
    ),
    _rule(
        DELETE_IMAGE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Delete an image.',
        ('DELETE', _IMAGE),
    ),
    _rule(
        PUBLICIZE_IMAGE,
        base.ADMIN,
        'Make an image public.',
        ('POST', _IMAGES),
        ('PATCH', _IMAGE),
    ),
    _rule(
        COMMUNITIZE_IMAGE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Make an image available to the community.',
        ('POST', _IMAGES),
        ('PATCH', _IMAGE),
    ),
    _rule(
        GET_IMAGE_LOCATION,
        base.ADMIN,
        'See the locations of an image.',
        ('GET', _IMAGE),
    ),
    _rule(
        SET_IMAGE_LOCATION,
        base.ADMIN,
        'Add or replace locations of an image.',
        ('PATCH', _IMAGE),
    ),
    _rule(
        DELETE_IMAGE_LOCATION,
        base.ADMIN,
        'Remove a location of an image.',
        ('PATCH', _IMAGE),
        ('DELETE', '/v2/stores/{store_id}/{image_id}'),
    ),
    _rule(
        DOWNLOAD_IMAGE,
        base.ADMIN_OR_VISIBLE_TO_READER,
        'Download image data.',
        ('GET', _IMAGE + '/file'),
    ),
    _rule(
        UPLOAD_IMAGE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Upload image data.',
        ('PUT', _IMAGE + '/file'),
        ('PUT', _IMAGE + '/stage'),
    ),
    _rule(
        DEACTIVATE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Deactivate an image.',
        ('POST', _IMAGE + '/actions/deactivate'),
    ),
    _rule(
        REACTIVATE,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Reactivate an image.',
        ('POST', _IMAGE + '/actions/reactivate'),
    ),
    _rule(
        COPY_IMAGE,
        base.ADMIN,
        'Copy an existing image to other stores.',
        ('POST', _IMAGE + '/import'),
    ),
    _rule(
        ADD_MEMBER,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Share an image with a project.',
        ('POST', _MEMBERS),
    ),
    _rule(
        GET_MEMBER,
        base.ADMIN_OR_OWNER_OR_SHARED_READER,
        'Show one member of an image.',
        ('GET', _MEMBER),
    ),
    _rule(
        GET_MEMBERS,
        base.ADMIN_OR_OWNER_OR_SHARED_READER,
        'List the members of an image.',
        ('GET', _MEMBERS),
    ),
    _rule(
        MODIFY_MEMBER,
        base.ADMIN_OR_SHARED_MEMBER,
        'Accept or reject an image shared with the caller.',
        ('PUT', _MEMBER),
    ),
    _rule(
        DELETE_MEMBER,
        base.ADMIN_OR_PROJECT_MEMBER,
        'Stop sharing an image with a project.',
        ('DELETE', _MEMBER),
    ),
    _rule(
        STORES_INFO_DETAIL,
        base.ADMIN,
        'Show the stores with their type and properties.',
        ('GET', '/v2/info/stores/detail'),
    ),
]
