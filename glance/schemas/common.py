"""Patterns shared by the schemas."""

UUID_PATTERN = (
    '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
    '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'
)

# The links of every list schema.
LIST_LINKS = [
    {'rel': 'first', 'href': '{first}'},
    {'rel': 'next', 'href': '{next}'},
    {'rel': 'describedby', 'href': '{schema}'},
]
