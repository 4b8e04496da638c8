"""GET /v2/info/import, /v2/info/stores and /v2/info/stores/detail."""

import webob
import webob.exc

from glance.api import errors
from glance.api.v2 import common
from glance.policies import images as image_policies


def json_response(document):
    return webob.Response(json_body=document, charset='UTF-8')


@errors.Wsgify
def get_import_info(req):
    return json_response(
        {
            'import-methods': {
                'description': 'Import methods available.',
                'type': 'array',
                'value': list(req.state.conf.enabled_import_methods),
            }
        }
    )


def _store_view(store, default):
    # Upstream sends the flags as the strings "true", and only when true.
    view = {'id': store.id}
    if store.description:
        view['description'] = store.description
    if store.id == default:
        view['default'] = 'true'
    if store.read_only:
        view['read-only'] = 'true'
    return view


@errors.Wsgify
def list_stores(req):
    configured = common.multi_stores(req)
    return json_response(
        {
            'stores': [
                _store_view(store, configured.default)
                for store in configured.stores
            ]
        }
    )


@errors.Wsgify
def list_stores_detail(req):
    req.state.authorize(req.context, image_policies.STORES_INFO_DETAIL)
    configured = common.multi_stores(req)
    return json_response(
        {
            'stores': [
                dict(
                    _store_view(store, configured.default),
                    type=store.type,
                    weight=store.weight,
                    properties=dict(store.properties),
                )
                for store in configured.stores
            ]
        }
    )
