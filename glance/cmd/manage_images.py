"""glance-manage image recover-uploads: undo uploads whose process died.

glance-api does this itself (every worker sweeps for abandoned uploads,
stages and imports at start-up and every few seconds:
``glance.import_flow.Recovery``); this command is for an operator who wants
it done while no glance-api runs, e.g. before taking a node out for good.
It takes over every upload (``PUT /v2/images/{id}/file``) and stage
(``PUT /v2/images/{id}/stage``) whose lease in the database ran out
(``glance.leases``): the partial data is removed from its store and the
image goes back to ``queued``. Writes that renew their lease, on any node,
are left alone, as are writes whose process died less than a lease ago
(run it again after ``glance.leases.LEASE`` seconds).

Exit code 0 when every abandoned write was undone, 1 when some could not
be (their store refused or is down: they stay for the next run).
"""

import sys

import glance.conf
from glance import context as glance_context
from glance import gateway
from glance import image_data
from glance import leases
from glance import stores as store_door
from glance.db import session


def recover_uploads(conf):
    glance.conf.register_opts(conf)
    try:
        stores = store_door.configure(conf)
        session.configure(conf)
        repo = gateway.image_repo(glance_context.get_admin_context(), stores)
        recovered, failed = image_data.recover_writes(
            repo, stores, report=True
        )
    except Exception as error:
        print('Error: %s' % error, file=sys.stderr)
        return 1
    print(
        '%d abandoned upload(s) undone, %d could not be (see the log); '
        'uploads renewing their lease, or lost less than %d s ago, were '
        'left alone.' % (recovered, failed, leases.LEASE)
    )
    return 1 if failed else 0


def add_image_commands(subparsers):
    recover = subparsers.add_parser(
        'recover-uploads',
        help='Put images whose upload or stage lost its process back to '
        'queued and remove their partial data.',
    )
    recover.set_defaults(action_fn=recover_uploads)
