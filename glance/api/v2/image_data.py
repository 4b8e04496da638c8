"""PUT/GET /v2/images/{image_id}/file and PUT .../stage.

The streaming itself lives in ``glance.image_data``; these handlers check
policy, pick the store and turn the result into a response.
"""

import contextlib

import webob
import webob.exc

from glance import image_data
from glance.api import errors
from glance.api import request
from glance.api.v2 import images
from glance.policies import images as image_policies

OCTET_STREAM = 'application/octet-stream'
STORE_HEADER = 'X-Image-Meta-Store'


def authorized_image(req, rule):
    """The image of the URL (404 unless visible), after checking ``rule``
    against it."""
    image = images.get_visible_image(req)
    images.authorize(req, rule, image)
    return image


@contextlib.contextmanager
def data_errors():
    """Answer the failures only the data path has with their status."""
    try:
        yield
    except image_data.StoreFull as exc:
        raise webob.exc.HTTPRequestEntityTooLarge(explanation=exc.msg)
    except image_data.StoreUnavailable as exc:
        raise webob.exc.HTTPServiceUnavailable(explanation=exc.msg)


def request_body(req):
    """The body as a file; read straight from servers that end
    ``wsgi.input`` at the end of the body (gunicorn), skipping webob's
    length-limiting wrapper and the copies it makes."""
    if req.environ.get('wsgi.input_terminated'):
        return req.body_file_raw
    return req.body_file


@errors.Wsgify
@request.require_content(OCTET_STREAM)
def upload_image_data(req):
    image = authorized_image(req, image_policies.UPLOAD_IMAGE)
    with data_errors():
        image_data.upload(
            req.context,
            image,
            request_body(req),
            req.content_length,
            # Single-store mode ignores the header, as upstream does.
            req.headers.get(STORE_HEADER),
            req.state.conf,
            req.state.stores,
        )
    return webob.Response(status=204)


@errors.Wsgify
@request.require_content(OCTET_STREAM)
def stage_image_data(req):
    if 'glance-direct' not in req.state.conf.enabled_import_methods:
        raise webob.exc.HTTPNotFound(
            explanation='The glance-direct import method is not enabled.'
        )
    image = authorized_image(req, image_policies.UPLOAD_IMAGE)
    with data_errors():
        image_data.stage(
            req.context,
            image,
            request_body(req),
            req.content_length,
            req.state.conf,
            req.state.stores,
        )
    return webob.Response(status=204)


@errors.Wsgify
def download_image_data(req):
    image = authorized_image(req, image_policies.DOWNLOAD_IMAGE)
    try:
        with data_errors():
            opened = image_data.download(
                req.context, image, req.state.stores, req.headers.get('Range')
            )
    except image_data.RangeNotSatisfiable as exc:
        raise webob.exc.HTTPRequestRangeNotSatisfiable(
            explanation=exc.msg,
            headers={'Content-Range': 'bytes */%d' % image.size},
        )
    if opened is None:
        return webob.Response(status=204)
    return _data_response(req, image, opened)


def _data_response(req, image, opened):
    resp = webob.Response(content_type=OCTET_STREAM)
    file_wrapper = req.environ.get('wsgi.file_wrapper')
    if opened.file is not None and file_wrapper is not None:
        resp.app_iter = file_wrapper(opened.file, image_data.CHUNK_SIZE)
    else:
        resp.app_iter = opened.chunks
    resp.content_length = opened.length
    if opened.partial:
        resp.status = 206
        resp.headers['Content-Range'] = opened.content_range
    elif image.checksum:
        # Hex, as upstream sends it and as glanceclient compares it.
        resp.headers['Content-MD5'] = image.checksum
    return resp
