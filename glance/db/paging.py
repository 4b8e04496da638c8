"""Sorting and keyset pagination shared by the list queries."""

import sqlalchemy as sa

from glance import exception


def as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def sort_order(table, sort_key, sort_dir, allowed, default_key):
    """(expression, ascending) pairs, ending with ``id`` as tiebreaker.

    A nullable column sorts by (is-not-null, value): the engines disagree
    on where NULLs go, and keyset paging needs one order everywhere.
    Enums sort as text, the way MySQL compares them to literals.
    """
    keys = as_list(sort_key) or [default_key]
    directions = as_list(sort_dir) or ['desc']
    if len(directions) == 1:
        directions = directions * len(keys)
    if len(directions) != len(keys):
        raise exception.Invalid('Give one sort direction or one per sort key')
    order = []
    for key, direction in zip(keys, directions, strict=True):
        if key not in allowed:
            raise exception.InvalidSortKey(key=key)
        if direction not in ('asc', 'desc'):
            raise exception.Invalid(
                'Sort direction %s is not valid' % direction
            )
        order.extend(
            (expression, direction == 'asc')
            for expression in _sort_expressions(table.c[key])
        )
    if 'id' not in keys:
        order.append((table.c.id, directions[-1] == 'asc'))
    return order


def _sort_expressions(column):
    expression = column
    if isinstance(column.type, sa.Enum):
        expression = sa.cast(column, sa.String(16))
    if not column.nullable:
        return [expression]
    present = sa.case((column.is_(None), 0), else_=1)
    return [present, expression]


def order_by(order):
    return [
        expr.asc() if ascending else expr.desc() for expr, ascending in order
    ]


def after(connection, marker, marker_query, order):
    """Rows strictly after the marker in ``order`` (keyset condition).

    ``marker_query`` is a SELECT restricted to the ``marker`` row (and to
    what the caller may see); its absence raises Invalid. The marker's values
    are read with the sort expressions themselves, so the comparison uses
    exactly what the engine sorts by.
    """
    expressions = [expression for expression, _ in order]
    values = connection.execute(
        marker_query.with_only_columns(*expressions)
    ).first()
    if values is None:
        raise exception.Invalid('Marker %s could not be found' % marker)
    alternatives = []
    for position, ((expression, ascending), value) in enumerate(
        zip(order, values, strict=True)
    ):
        if value is None:
            # Within a NULL group nothing sorts beyond the marker.
            continue
        ties = [
            equals(expr, tied)
            for expr, tied in zip(
                expressions[:position], values[:position], strict=True
            )
        ]
        beyond = expression > value if ascending else expression < value
        alternatives.append(sa.and_(*ties, beyond))
    return sa.or_(sa.false(), *alternatives)


def equals(column, value):
    """``column = value`` that also matches NULL to None."""
    return column.is_(None) if value is None else column == value
