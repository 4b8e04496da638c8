"""bench.inspection runs its data paths and prints the ratio table (CPU
mode, one small run each: the figures themselves are not checked)."""

import subprocess
import sys

import testtools


class InspectionBenchTest(testtools.TestCase):
    def test_prints_the_ratios(self):
        out = subprocess.run(
            [
                sys.executable,
                '-m',
                'bench.inspection',
                '--size-mib',
                '8',
                '--repeat',
                '1',
                '--read-sizes',
                '65536',
                '--formats',
                'raw',
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.assertIn('not inspected / inspected', out)
        row = next(line for line in out.splitlines() if line.startswith('raw'))
        self.assertEqual(['raw', '65536'], row.split()[:2])
        self.assertEqual(7, len(row.split()))
