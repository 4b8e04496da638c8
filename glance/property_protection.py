"""Property protections: who may create, read, update, delete which image
properties (``property_protection_file``, upstream's file format).

The file is an INI file. Each section name is a regular expression; the
first section (in file order) whose expression matches somewhere in a
property's name holds its rules, and a property no section matches may
not be touched at all. Each section sets ``create``, ``read``, ``update``
and ``delete``:

- ``roles`` format: comma-separated role names; ``@`` lets anyone, ``!``
  no one; an empty value lets no one.
- ``policies`` format: one oslo.policy rule name, checked against the
  caller (an empty value lets no one; ``@`` and ``!`` as above).

Pure: the caller passes a ``Caller`` saying which roles it has and
whether a policy rule passes for it.
"""

import configparser
import dataclasses
import re
import typing

from glance import exception

OPERATIONS = ('create', 'read', 'update', 'delete')
ANYONE = '@'
NO_ONE = '!'
# glance's own os_glance_* properties stay glance's business.
_INTERNAL = (
    re.compile(r'os_glance.*'),
    dict.fromkeys(OPERATIONS, frozenset([ANYONE])),
)


class InvalidRules(Exception):
    """The protections file cannot be used; the message says why."""


class Caller(typing.NamedTuple):
    roles: frozenset
    # rule name -> whether the caller passes it (policies format).
    passes: typing.Callable[[str], bool] = lambda rule: False


@dataclasses.dataclass(frozen=True)
class Rules:
    """(compiled expression, {operation: frozenset of roles, or of one
    policy rule name}) in file order."""

    sections: tuple
    by_policy: bool = False

    def allows(self, caller, name, operation):
        for expression, permissions in self.sections:
            if expression.search(name):
                return self._allowed(caller, permissions[operation])
        return False

    def _allowed(self, caller, allowed):
        if NO_ONE in allowed or not allowed:
            return False
        if ANYONE in allowed:
            return True
        if self.by_policy:
            return caller.passes(next(iter(allowed)))
        return bool(caller.roles & allowed)

    def readable(self, caller, properties):
        """``properties`` less those the caller may not read."""
        return {
            name: value
            for name, value in properties.items()
            if self.allows(caller, name, 'read')
        }

    def check_creation(self, caller, properties):
        for name in properties:
            self._require(caller, name, 'create')

    def apply_changes(self, caller, stored, seen, changed):
        """The properties to store after the caller changed ``seen`` (its
        readable view of ``stored``) into ``changed``.

        Raises ReservedProperty for the first change it may not make:
        a new name needs create, a new value update, a removal delete.
        Properties the caller cannot read are kept.
        """
        for name in sorted(set(seen) | set(changed)):
            if name not in seen:
                self._require(caller, name, 'create')
            elif name not in changed:
                self._require(caller, name, 'delete')
            elif seen[name] != changed[name]:
                self._require(caller, name, 'update')
        hidden = {k: v for k, v in stored.items() if k not in seen}
        return dict(hidden, **changed)

    def _require(self, caller, name, operation):
        if not self.allows(caller, name, operation):
            raise exception.ReservedProperty(property=name)


def load(path, rule_format='roles'):
    """Rules from the file at ``path``; InvalidRules when unusable."""
    parser = configparser.ConfigParser()
    try:
        with open(path) as rules_file:
            parser.read_file(rules_file)
    except (OSError, configparser.Error) as error:
        raise InvalidRules(
            'Cannot read property protection file %s: %s' % (path, error)
        ) from None
    by_policy = rule_format == 'policies'
    sections = [_INTERNAL]
    for section in parser.sections():
        if section.startswith('os_glance'):
            continue  # reserved, as upstream
        sections.append(
            (
                _expression(path, section),
                {
                    operation: _permissions(
                        path, parser, section, operation, by_policy
                    )
                    for operation in OPERATIONS
                },
            )
        )
    return Rules(tuple(sections), by_policy)


def _expression(path, section):
    try:
        return re.compile(section)
    except re.error as error:
        raise InvalidRules(
            'Property protection file %s: [%s] is not a regular '
            'expression: %s' % (path, section, error)
        ) from None


def _permissions(path, parser, section, operation, by_policy):
    where = 'Property protection file %s, [%s] %s' % (path, section, operation)
    if not parser.has_option(section, operation):
        raise InvalidRules('%s: missing' % where)
    text = parser.get(section, operation).strip()
    if by_policy:
        if ',' in text:
            raise InvalidRules(
                '%s: one policy rule per operation (combine them in the '
                'policy file)' % where
            )
        return frozenset([text]) if text else frozenset()
    allowed = frozenset(
        role.strip().lower() for role in text.split(',') if role.strip()
    )
    if ANYONE in allowed and NO_ONE in allowed:
        raise InvalidRules('%s: "@" and "!" exclude each other' % where)
    return allowed


def from_conf(conf):
    """The deployment's rules, or None when protection is off."""
    if not conf.property_protection_file:
        return None
    path = conf.find_file(conf.property_protection_file)
    if path is None:
        raise InvalidRules(
            'Property protection file %s not found'
            % conf.property_protection_file
        )
    return load(path, conf.property_protection_rule_format)
