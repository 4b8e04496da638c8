"""PUT/GET /v2/images/{image_id}/file and PUT .../stage.

The streaming itself lives in ``glance.image_data``; these handlers check
policy, pick the store and turn the result into a response.
"""

import webob
import webob.exc

from glance import format_inspection
from glance import image_data
from glance import import_plugins
from glance import notifications
from glance import quota
from glance.api import errors
from glance.api import request
from glance.api.v2 import common
from glance.policies import images as image_policies


def request_body(req):
    """The body as a file; read straight from servers that end
    ``wsgi.input`` at the end of the body (gunicorn), skipping webob's
    length-limiting wrapper and the copies it makes."""
    if req.environ.get('wsgi.input_terminated'):
        return req.body_file_raw
    return req.body_file


@errors.Wsgify
@request.require_content(common.OCTET_STREAM)
def upload_image_data(req):
    image = common.authorized_image(req, image_policies.UPLOAD_IMAGE)
    image_data.upload(
        common.image_repo(req),
        req.state.stores,
        image,
        request_body(req),
        req.content_length,
        # Single-store mode ignores the header, as upstream does.
        req.headers.get(common.STORE_HEADER),
        quota.upload_cap(req.context, req.state.conf, image),
        format_inspection.Rules.from_conf(req.state.conf),
    )
    return webob.Response(status=204)


@errors.Wsgify
@request.require_content(common.OCTET_STREAM)
def stage_image_data(req):
    if 'glance-direct' not in req.state.conf.enabled_import_methods:
        raise webob.exc.HTTPNotFound(
            explanation='The glance-direct import method is not enabled.'
        )
    image = common.authorized_image(req, image_policies.UPLOAD_IMAGE)
    image_data.stage(
        common.image_repo(req),
        req.state.stores,
        image,
        request_body(req),
        req.content_length,
        quota.upload_cap(req.context, req.state.conf, image),
        import_plugins.staging_rules(req.state.conf),
    )
    return webob.Response(status=204)


@errors.Wsgify
def download_image_data(req):
    image = common.authorized_image(req, image_policies.DOWNLOAD_IMAGE)
    try:
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
    resp = webob.Response(content_type=common.OCTET_STREAM)
    file_wrapper = req.environ.get('wsgi.file_wrapper')
    sent = notifications.download_counter(
        req.state.notifier, req.context, image
    )
    if opened.file is not None and file_wrapper is not None:
        resp.app_iter = file_wrapper(
            sent.file(opened.file, opened.length), image_data.CHUNK_SIZE
        )
    else:
        resp.app_iter = sent.chunks(opened.chunks)
    resp.content_length = opened.length
    if opened.partial:
        resp.status = 206
        resp.headers['Content-Range'] = opened.content_range
    elif image.checksum:
        # Hex, as upstream sends it and as glanceclient compares it.
        resp.headers['Content-MD5'] = image.checksum
    return resp
