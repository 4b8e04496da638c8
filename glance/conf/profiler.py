"""[profiler] options: osprofiler's own, as upstream registers them.

Off by default. With ``enabled``, glance-api traces the requests that carry
a trace header signed with one of ``hmac_keys`` and, with
``trace_sqlalchemy``, their SQL, sending the trace points to
``connection_string`` (see ``glance.wsgi.setup_profiler``).
"""

from osprofiler import opts as profiler_opts

GROUP = 'profiler'


def _profiler_opts():
    return dict(profiler_opts.list_opts())[GROUP]


def register_opts(conf):
    # A database or Redis URL carries a password: keep it out of the
    # option dump at start-up, as oslo.config does for secret options.
    for opt in _profiler_opts():
        if opt.name == 'connection_string':
            opt.secret = True
    profiler_opts.set_defaults(conf)


def list_opts():
    return [(GROUP, _profiler_opts())]
