"""The benchmark's pure helpers (the benchmark itself is not run here)."""

import json

import testtools

from bench import report


def measurements(**medians):
    return {
        name: report.Measurement(name, 'ms', samples)
        for name, samples in medians.items()
    }


class MeasurementTest(testtools.TestCase):
    def test_median_of_odd_and_even_counts(self):
        self.assertEqual(3, report.Measurement('a', 'ms', [9, 1, 3]).median)
        self.assertEqual(
            2.5, report.Measurement('a', 'ms', [4, 1, 2, 3]).median
        )


class RatioTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.runs = measurements(first=[30, 10, 20], steady=[10, 10, 12])

    def test_value_is_a_ratio_of_medians(self):
        ratio = report.Ratio('r', 'first', 'steady', '<=', 2)
        self.assertEqual(2.0, ratio.value(self.runs))
        self.assertTrue(ratio.met(self.runs))
        self.assertEqual('<= 2', ratio.target)

    def test_missed_targets(self):
        self.assertFalse(
            report.Ratio('r', 'first', 'steady', '<=', 1.5).met(self.runs)
        )
        self.assertFalse(
            report.Ratio('r', 'steady', 'first', '>=', 0.6).met(self.runs)
        )

    def test_denominator_may_be_a_number(self):
        ratio = report.Ratio('r', 'first', 40, '<=', 1)
        self.assertEqual(0.5, ratio.value(self.runs))
        self.assertTrue(ratio.met(self.runs))

    def test_no_target(self):
        ratio = report.Ratio('r', 'first', 'steady')
        self.assertIsNone(ratio.met(self.runs))
        self.assertEqual('-', ratio.target)


class TableTest(testtools.TestCase):
    def test_columns_are_aligned(self):
        table = report.format_table(
            ('case', 'median'), [('list', '123'), ('single GET', '4.5')]
        )
        self.assertEqual(
            [
                'case        median',
                '------------------',
                'list           123',
                'single GET     4.5',
            ],
            table.splitlines(),
        )

    def test_ratio_table_says_which_targets_are_missed(self):
        runs = measurements(first=[30], steady=[10])
        table = report.ratio_table(
            [
                report.Ratio('missed', 'first', 'steady', '<=', 2),
                report.Ratio('met', 'steady', 'first', '<=', 2),
            ],
            runs,
        )
        lines = table.splitlines()
        self.assertEqual(['missed', '3.00', '<=', '2', 'NO'], lines[2].split())
        self.assertEqual(['met', '0.33', '<=', '2', 'yes'], lines[3].split())

    def test_json_holds_samples_and_verdicts(self):
        runs = measurements(first=[30, 10], steady=[10])
        document = json.loads(
            report.as_json(
                runs,
                [report.Ratio('r', 'first', 'steady', '>=', 3)],
                {'database': 'sqlite'},
            )
        )
        self.assertEqual('sqlite', document['about']['database'])
        self.assertEqual(
            {'unit': 'ms', 'median': 20, 'samples': [30, 10]},
            document['measurements']['first'],
        )
        self.assertEqual(
            {'value': 2.0, 'target': '>= 3', 'met': False},
            document['ratios']['r'],
        )
