"""glance-manage location update-stores: record every location's store now.

The eager counterpart of the lazy update (``glance.lazy_store``): walks all
active locations in id order, one batch per transaction, and records the
store of each one whose ``store`` metadata is missing or names a store that
is not configured; legacy s3 URLs carrying credentials are recorded without
them (``--dry-run`` counts them, writes nothing). Safe to interrupt and
re-run: each batch commits on its own, and locations already carrying a
configured store and a credential-free URL are only counted.

On a terminal, a progress bar on stderr. Exit code: 0 when every location
has a configured store, 2 when some match no store (listed, credentials
removed), 1 on errors (glance-manage also exits 1 on bad usage).
"""

import argparse
import dataclasses
import sys
import time

import glance.conf
from glance import context as glance_context
from glance import lazy_store
from glance import store_resolution
from glance import stores as store_door
from glance.db import locations as db_locations
from glance.db import session

EXIT_UNMATCHED = 2
BAR_WIDTH = 30


@dataclasses.dataclass
class Summary:
    checked: int = 0
    updated: int = 0
    already_correct: int = 0
    # Rows another writer changed between our read and our write.
    changed_meanwhile: int = 0
    unmatched: list = dataclasses.field(default_factory=list)


def update_locations(
    context, index, enabled, batch_size, dry_run=False, progress=None
):
    """Walk every active location; returns a Summary.

    ``enabled`` is the set of configured store ids; ``progress`` is called
    with the running Summary after each batch.
    """
    summary = Summary()
    after_id = 0
    while batch := db_locations.get_batch(
        context, after_id=after_id, limit=batch_size
    ):
        after_id = batch[-1].id
        plan = lazy_store.plan_location_updates(batch, index, enabled)
        changes = lazy_store.store_changes(plan)
        written = len(changes)
        if changes and not dry_run:
            written = len(db_locations.set_stores(context, changes))
        summary.checked += len(batch)
        summary.updated += written
        summary.changed_meanwhile += len(changes) - written
        summary.already_correct += len(batch) - len(plan)
        summary.unmatched += [
            update.location for update in plan if update.store_id is None
        ]
        if progress:
            progress(summary)
    return summary


def update_stores(conf):
    args = conf.command
    glance.conf.register_opts(conf)
    if not conf.enabled_backends:
        print(
            'enabled_backends is not set: locations only name their store '
            'in multi-store mode.',
            file=sys.stderr,
        )
        return 1
    try:
        stores = store_door.configure(conf)
        session.configure(conf)
        context = glance_context.get_admin_context()
        summary = update_locations(
            context,
            stores.index,
            frozenset(stores.ids),
            args.batch_size,
            dry_run=args.dry_run,
            progress=_progress_bar(context),
        )
    except KeyboardInterrupt:
        print('\nInterrupted; run again to continue.', file=sys.stderr)
        return 1
    except Exception as error:
        print('\nError: %s' % error, file=sys.stderr)
        return 1
    if sys.stderr.isatty():
        sys.stderr.write('\n')
    _print_summary(summary, args.dry_run)
    return EXIT_UNMATCHED if summary.unmatched else 0


def _progress_bar(context):
    """On a terminal, a stderr line redrawn after every batch."""
    if not sys.stderr.isatty():
        return None
    total = db_locations.count_active(context)
    started = time.monotonic()

    def show(summary):
        elapsed = time.monotonic() - started
        sys.stderr.write('\r' + progress_text(summary.checked, total, elapsed))
        sys.stderr.flush()

    return show


def progress_text(done, total, elapsed):
    """Bar, percentage, count and rate: ``[###   ]  50% 2/4 locations, 9/s``.

    ``done`` may pass ``total`` (counted at the start) when API nodes add
    locations meanwhile: the bar stops at 100%.
    """
    fraction = min(done / total, 1.0) if total else 1.0
    filled = int(BAR_WIDTH * fraction)
    return '[%s%s] %3d%% %d/%d locations, %d/s' % (
        '#' * filled,
        ' ' * (BAR_WIDTH - filled),
        int(100 * fraction),
        done,
        total,
        done / elapsed if elapsed > 0 else 0,
    )


def _describe(summary, dry_run):
    return '%d locations checked: %d %s, %d already correct, %d unmatched' % (
        summary.checked,
        summary.updated,
        'to update (dry run)' if dry_run else 'updated',
        summary.already_correct,
        len(summary.unmatched),
    )


def _print_summary(summary, dry_run):
    for location in summary.unmatched:
        print(
            'unmatched: location %d of image %s: %s'
            % (
                location.id,
                location.image_id,
                store_resolution.redact(location.url),
            )
        )
    print(_describe(summary, dry_run))
    if summary.changed_meanwhile:
        print(
            '%d locations changed while this ran and were left alone; run '
            'again to check them.' % summary.changed_meanwhile
        )


def add_location_commands(subparsers):
    update = subparsers.add_parser(
        'update-stores',
        help='Record the store of every location whose store is missing '
        'or no longer configured; drop credentials from legacy s3 URLs.',
    )
    update.add_argument(
        '--dry-run',
        action='store_true',
        help='Report what would change without writing.',
    )
    update.add_argument(
        '--batch-size',
        type=_positive_int,
        default=1000,
        help='Locations read and written per transaction (default 1000).',
    )
    update.set_defaults(action_fn=update_stores)


def _positive_int(text):
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise argparse.ArgumentTypeError('expected a whole number above 0')
    return int(text)
