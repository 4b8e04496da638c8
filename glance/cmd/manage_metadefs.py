"""glance-manage's metadata definitions commands: load, unload, export.

Files are upstream's format, one namespace per JSON file (a namespace
document as ``glance.db.metadef_documents`` describes it), read from and
written to ``/etc/glance/metadefs`` unless ``--path`` says otherwise,
where distribution packages install upstream's catalog.

``load_metadefs`` checks every file before it writes anything and loads
each namespace in its own transaction: a bad file stops the command
with nothing loaded, and an interruption leaves whole namespaces only.
"""

import json
import os
import re
import sys

import jsonschema

from glance import context as glance_context
from glance.db import metadef_documents
from glance.db import metadefs
from glance.db import session
from glance.schemas import metadefs as schemas

DEFAULT_PATH = '/etc/glance/metadefs'
# Owner of namespaces whose file names none (upstream's default).
DEFAULT_OWNER = 'admin'
# What a namespace file must look like; extra keys are ignored.
FILE_SCHEMA = {
    'type': 'object',
    'required': ['namespace'],
    'properties': {
        key: value
        for key, value in schemas.NAMESPACE['properties'].items()
        if key not in ('created_at', 'updated_at', 'schema', 'self')
    },
    'definitions': schemas.NAMESPACE['definitions'],
}


class BadFile(Exception):
    pass


def read_documents(path):
    """[(file path, document)] of a directory's ``*.json`` or one file."""
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, name)
            for name in os.listdir(path)
            if name.endswith('.json')
        )
    elif os.path.isfile(path):
        files = [path]
    else:
        raise BadFile('%s is neither a directory nor a file' % path)
    return [(name, _read(name)) for name in files]


def _read(file_path):
    try:
        with open(file_path, encoding='utf-8') as source:
            document = json.load(source)
        jsonschema.validate(document, FILE_SCHEMA)
    except (OSError, ValueError) as error:
        raise BadFile('%s: %s' % (file_path, error)) from None
    except jsonschema.ValidationError as error:
        raise BadFile('%s: %s' % (file_path, error.message)) from None
    for kind in metadef_documents.KINDS:
        for name, _entry in metadef_documents.entries(document, kind):
            if len(name) > schemas.MAX_NAME_LENGTH:
                raise BadFile(
                    '%s: %s name %s is longer than %d characters'
                    % (file_path, kind, name, schemas.MAX_NAME_LENGTH)
                )
    known = set(FILE_SCHEMA['properties'])
    document = {k: v for k, v in document.items() if k in known}
    document.setdefault('owner', DEFAULT_OWNER)
    return document


def load(conf):
    args = conf.command
    path = args.path or DEFAULT_PATH
    try:
        documents = read_documents(path)
    except BadFile as error:
        print('Error: %s; nothing loaded.' % error, file=sys.stderr)
        return 1
    session.configure(conf)
    context = glance_context.get_admin_context()
    for file_path, document in documents:
        outcome = metadef_documents.load(
            context,
            document,
            merge=args.merge,
            prefer_new=args.prefer_new,
            overwrite=args.overwrite,
        )
        print(
            '%s: namespace %s %s' % (file_path, document['namespace'], outcome)
        )
    print('%d metadata definition files read from %s' % (len(documents), path))
    return 0


def unload(conf):
    session.configure(conf)
    removed = metadefs.remove_all(glance_context.get_admin_context())
    print('Removed %d metadata definition namespaces' % removed)
    return 0


def file_name(namespace):
    """A file name for a namespace: ``OS::Compute::Libvirt`` ->
    ``OS-Compute-Libvirt.json``."""
    return re.sub(r'[^A-Za-z0-9_.-]+', '-', namespace).strip('-') + '.json'


def export(conf):
    path = conf.command.path or DEFAULT_PATH
    session.configure(conf)
    context = glance_context.get_admin_context()
    os.makedirs(path, exist_ok=True)
    names = [ns['namespace'] for ns in metadefs.get_all(context)]
    for name in names:
        document = metadef_documents.read(context, name)
        target = os.path.join(path, file_name(name))
        with open(target, 'w', encoding='utf-8') as output:
            json.dump(document, output, indent=4, sort_keys=True)
            output.write('\n')
        print('%s: namespace %s' % (target, name))
    print('%d namespaces exported to %s' % (len(names), path))
    return 0


def add_commands(subparsers, prefix=''):
    """Add load/unload/export_metadefs, named ``prefix`` + the name."""
    loader = subparsers.add_parser(
        prefix + 'load_metadefs',
        help='Load metadata definition files into the database.',
    )
    _add_path(loader, 'read')
    loader.add_argument(
        '--merge',
        action='store_true',
        help='Merge files into namespaces already in the database '
        '(otherwise those are skipped).',
    )
    loader.add_argument(
        '--prefer_new',
        action='store_true',
        help="When merging, let the files' values win.",
    )
    loader.add_argument(
        '--overwrite',
        action='store_true',
        help='When merging, first remove what the namespace holds.',
    )
    loader.set_defaults(action_fn=load)
    unloader = subparsers.add_parser(
        prefix + 'unload_metadefs',
        help='Remove every metadata definition from the database.',
    )
    unloader.set_defaults(action_fn=unload)
    exporter = subparsers.add_parser(
        prefix + 'export_metadefs',
        help='Write every namespace to a file of its own.',
    )
    _add_path(exporter, 'write')
    exporter.set_defaults(action_fn=export)


def _add_path(parser, verb):
    parser.add_argument(
        '--path',
        help='Directory (or, to read, file) to %s; default %s.'
        % (verb, DEFAULT_PATH),
    )
