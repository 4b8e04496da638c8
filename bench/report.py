"""Pure helpers: medians, ratios against targets, the printed table."""

import dataclasses
import json
import operator
import statistics

COMPARISONS = {'<=': operator.le, '>=': operator.ge}


@dataclasses.dataclass
class Measurement:
    """The samples of one case, in ``unit`` (ms, s, MiB/s, MiB, ...)."""

    name: str
    unit: str
    samples: list

    @property
    def median(self):
        return statistics.median(self.samples)


@dataclasses.dataclass
class Ratio:
    """``numerator / denominator`` of two measurements' medians (or of a
    median and a number), and whether it meets ``comparison bound``
    (None: no target)."""

    name: str
    numerator: str
    denominator: str
    comparison: str = None
    bound: float = None

    def value(self, measurements):
        return _median(measurements, self.numerator) / _median(
            measurements, self.denominator
        )

    def met(self, measurements):
        if self.comparison is None:
            return None
        compare = COMPARISONS[self.comparison]
        return compare(self.value(measurements), self.bound)

    @property
    def target(self):
        if self.comparison is None:
            return '-'
        return '%s %g' % (self.comparison, self.bound)


def _median(measurements, name_or_number):
    if isinstance(name_or_number, str):
        return measurements[name_or_number].median
    return name_or_number


def format_table(headers, rows):
    """Left-aligned first column, right-aligned others, one space gutter."""
    cells = [list(headers)] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        first = row[0].ljust(widths[0])
        rest = [
            cell.rjust(width)
            for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append('  '.join([first] + rest).rstrip())
    lines.insert(1, '-' * len(lines[0]))
    return '\n'.join(lines)


def _number(value):
    return '%.3g' % value if value < 100 else '%.0f' % value


def measurement_table(measurements):
    return format_table(
        ('case', 'median', 'unit', 'runs'),
        [
            (m.name, _number(m.median), m.unit, len(m.samples))
            for m in measurements.values()
        ],
    )


def ratio_table(ratios, measurements):
    rows = []
    for ratio in ratios:
        met = ratio.met(measurements)
        rows.append(
            (
                ratio.name,
                '%.2f' % ratio.value(measurements),
                ratio.target,
                {True: 'yes', False: 'NO', None: '-'}[met],
            )
        )
    return format_table(('ratio', 'value', 'target', 'met'), rows)


def as_json(measurements, ratios, about):
    """The run as a JSON document: ``about`` (command, database, ...),
    every measurement with its samples, every ratio with its verdict."""
    return json.dumps(
        {
            'about': about,
            'measurements': {
                m.name: {
                    'unit': m.unit,
                    'median': m.median,
                    'samples': m.samples,
                }
                for m in measurements.values()
            },
            'ratios': {
                r.name: {
                    'value': r.value(measurements),
                    'target': r.target,
                    'met': r.met(measurements),
                }
                for r in ratios
            },
        },
        indent=2,
    )
