"""Option groups the libraries glance-api runs on define themselves.

Registered up front, with each library's own option list, so start-up
validates them like ours and the configuration reference lists them
(the middleware register the same options again when the pipeline loads,
which oslo.config accepts).
"""

from keystonemiddleware import opts as keystonemiddleware_opts
from oslo_concurrency import opts as concurrency_opts
from oslo_db import options as db_options
from oslo_middleware import opts as middleware_opts
from oslo_policy import opts as policy_opts


def list_opts():
    return (
        middleware_opts.list_opts_sizelimit()
        + middleware_opts.list_opts_http_proxy_to_wsgi()
        + middleware_opts.list_opts_cors()
        + keystonemiddleware_opts.list_auth_token_opts()
        + policy_opts.list_opts()
        + concurrency_opts.list_opts()
        + [('database', db_options.database_opts)]
    )


def register_opts(conf):
    for group, opts in list_opts():
        conf.register_opts(opts, group=group)
