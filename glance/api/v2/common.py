"""What several v2 handler modules share, so that none imports another."""

import urllib.parse

import webob.exc

from glance import exception
from glance.policies import images as policies

OCTET_STREAM = 'application/octet-stream'
STORE_HEADER = 'X-Image-Meta-Store'


def image_repo(req):
    """The image repository of the caller (glance.gateway's stack)."""
    return req.state.image_repo(req.context)


def get_visible_image(req):
    """The image named in the URL; 404 if the caller may not see it."""
    image_id = req.urlvars['image_id']
    image = image_repo(req).get(image_id)
    if not req.state.allowed(
        req.context, policies.GET_IMAGE, policies.target(image)
    ):
        raise exception.ImageNotFound(image_id=image_id)
    return image


def authorize(req, rule, image):
    req.state.authorize(req.context, rule, policies.target(image))


def authorized_image(req, rule):
    """The image of the URL (404 unless visible), after checking ``rule``
    against it."""
    image = get_visible_image(req)
    authorize(req, rule, image)
    return image


def multi_stores(req):
    """The configured stores; 404 as upstream outside multi-store mode."""
    stores = req.state.stores
    if not stores.multi:
        raise webob.exc.HTTPNotFound(
            explanation='Multi backend is not supported at this site.'
        )
    return stores


def page_links(req, path, markers, limit):
    """``first`` and, for a full page, ``next`` links of a list answer
    (the query kept, as upstream); ``markers`` are the page's markers."""
    unmarked = [(k, v) for k, v in req.params.items() if k != 'marker']
    links = {'first': _url(path, unmarked)}
    if markers and len(markers) == limit:
        links['next'] = _url(path, unmarked + [('marker', markers[-1])])
    return links


def _url(path, pairs):
    query = urllib.parse.urlencode(pairs)
    return '%s?%s' % (path, query) if query else path
