"""Start-up validation of every registered option.

oslo.config converts a value only when it is first read, which for some
options is the first request that needs them (a 500 then). ``check`` reads
them all at start-up instead and turns the first bad one into
``InvalidOption``, naming the option, the file and the value.
"""

import glob
import hashlib
import os

from oslo_config import cfg


class InvalidOption(Exception):
    """A configured value that does not convert; the message says where."""


def check(conf):
    """Raise InvalidOption for the first option whose value is invalid."""
    for group, name in _all_options(conf):
        try:
            value = conf[group][name] if group else conf[name]
            if (group, name) in _MEANINGS:
                _MEANINGS[group, name](value)
        except (cfg.ConfigFileValueError, ValueError) as error:
            raise InvalidOption(_describe(conf, group, name, error)) from None


def _hash_algorithm(name):
    try:
        hashlib.new(name)
    except ValueError:
        raise ValueError('not a hashlib algorithm') from None


def _aes_key(key):
    if key is not None and len(key.encode('utf-8')) not in (16, 24, 32):
        raise ValueError('an AES key has 16, 24 or 32 characters')


def _import_plugins(names):
    # Late: the plugins' package needs the stores' module.
    from glance import import_plugins

    import_plugins.check_names(names)


# Values that convert yet mean nothing: checked here, not at first use.
_MEANINGS = {
    (None, 'hashing_algorithm'): _hash_algorithm,
    (None, 'metadata_encryption_key'): _aes_key,
    ('image_import_opts', 'image_import_plugins'): _import_plugins,
}


def _all_options(conf):
    """(group or None, name) of every registered option, values unread."""
    groups = {key for key in conf if _is_group(conf, key)}
    for key in conf:
        if key not in groups:
            yield None, key
    for group in sorted(groups):
        for name in conf[group]:
            yield group, name


def _is_group(conf, key):
    try:
        return isinstance(conf[key], cfg.ConfigOpts.GroupAttr)
    except cfg.Error:
        return False  # an option whose value does not convert


def _describe(conf, group, name, error):
    label = '[%s] %s' % (group or 'DEFAULT', name)
    reason = str(error).rsplit(' is not valid: ', 1)[-1]
    # oslo.config offers no public way from a name to its Opt.
    opt = conf._get_opt_info(name, group)['opt']
    spellings = [(group or 'DEFAULT', name)] + [
        (old.group or group or 'DEFAULT', old.name or name)
        for old in opt.deprecated_opts
    ]
    found = _file_value(conf, spellings)
    path, value = found or (None, None)
    if opt.secret:
        # oslo.config's reason may quote the value too.
        value, reason = '****', 'not a valid value'
    if path is None:  # from the command line or the environment
        return 'Invalid value for option %s: %s' % (label, reason)
    return 'Invalid value for option %s in %s: %r (%s)' % (
        label,
        path,
        value,
        reason,
    )


def _config_files(conf):
    files = list(conf.config_file or [])
    for directory in conf.config_dir or []:
        files += sorted(glob.glob(os.path.join(directory, '*.conf')))
    return files


def _file_value(conf, spellings):
    """(file, raw text) where one of ``spellings`` (section, name) was
    last set, if in a file."""
    found = None
    for path in _config_files(conf):
        sections = {}
        try:
            cfg.ConfigParser(path, sections).parse()
        except (OSError, cfg.ParseError):
            continue
        for section, name in spellings:
            values = sections.get(section, {}).get(name)
            if values:
                found = (path, values[-1])
    return found
