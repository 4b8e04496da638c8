"""Property protections applied to requests (glance.property_protection).

With protection off (no ``property_protection_file``) every function
returns the properties it was given.
"""

from oslo_policy import policy

from glance import property_protection


def _caller(req):
    context = req.context
    roles = set(context.roles or ()) | set(context.service_roles or ())

    def passes(rule):
        check = policy.RuleCheck('rule', rule)
        return req.state.allowed(context, check, {})

    return property_protection.Caller(frozenset(roles), passes)


def readable(req, properties):
    """The properties the caller may read."""
    rules = req.state.property_rules
    if rules is None:
        return properties
    return rules.readable(_caller(req), properties)


def check_creation(req, properties):
    """403 ReservedProperty unless the caller may create them all."""
    rules = req.state.property_rules
    if rules is not None:
        rules.check_creation(_caller(req), properties)


def apply_changes(req, stored, changed):
    """What to store once the caller changed its readable view of
    ``stored`` into ``changed``; 403 for a change it may not make."""
    rules = req.state.property_rules
    if rules is None:
        return changed
    caller = _caller(req)
    seen = rules.readable(caller, stored)
    return rules.apply_changes(caller, stored, seen, changed)
