"""Optional py-spy profiles of the API workers, one per case.

py-spy samples every thread with ``--idle`` so that time blocked in I/O
(fsync, recv, commit) shows; the summary keeps only samples of threads
doing work for a request (gunicorn's request threads and the helper
threads the upload path starts), not of idle pool threads.
"""

import collections
import contextlib
import os
import re
import signal
import subprocess
import time

# Frames of a thread running a submitted task: gunicorn's gthread
# request handling and the upload path's hashing/writing helpers.
BUSY_FRAME = '_WorkItem.run '
# py-spy names a frame "function (path/below/sys.path.py:line)".
FRAME = re.compile(r'^(?P<function>.*) \((?P<path>.*?):\d+\)$')
OUR_PACKAGES = ('glance', 'glance_store')
ATTACH_SECONDS = 0.5


@contextlib.contextmanager
def recording(server, directory, case):
    """Record raw collapsed stacks of ``server``'s workers into
    ``directory/<case>-<pid>.txt`` while the block runs (nothing when
    ``directory`` is None)."""
    if directory is None:
        yield
        return
    os.makedirs(directory, exist_ok=True)
    recorders = [
        subprocess.Popen(
            ['py-spy', 'record', '--idle', '--nonblocking', '--format', 'raw']
            + ['--rate', '200', '--pid', str(pid), '--output']
            + [os.path.join(directory, '%s-%d.txt' % (case, pid))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in server.worker_pids()
    ]
    time.sleep(ATTACH_SECONDS)
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for recorder in recorders:
            recorder.wait()


def busy_shares(lines, count):
    """The ``count`` functions with most samples among busy threads: by
    self time (a C call such as a hash update counts for the Python
    function calling it) and, for this repository's functions, inclusive
    time. Two lists of (share, 'path.py:function')."""
    own = collections.Counter()
    inclusive = collections.Counter()
    total = 0
    for line in lines:
        stack, _, samples = line.rstrip('\n').rpartition(' ')
        if BUSY_FRAME not in stack:
            continue
        frames = [_frame(text) for text in stack.split(';')]
        total += int(samples)
        own[frames[-1][1]] += int(samples)
        ours = {name for in_repo, name in frames if in_repo}
        inclusive.update(dict.fromkeys(ours, int(samples)))
    return (
        [(n / total, name) for name, n in own.most_common(count)],
        [(n / total, name) for name, n in inclusive.most_common(count)],
    )


def _frame(text):
    """(whether in this repository, 'path.py:function')."""
    match = FRAME.match(text)
    if match is None:
        return False, text
    ours = match['path'].split('/')[0] in OUR_PACKAGES
    return ours, '%s:%s' % (match['path'], match['function'])


def summary(directory, count=12):
    """Text of the busiest functions of each case profiled in
    ``directory`` (the profiles of all its workers together)."""
    by_case = collections.defaultdict(list)
    for name in sorted(os.listdir(directory)):
        by_case[name.rsplit('-', 1)[0]].append(os.path.join(directory, name))
    parts = []
    for case, paths in by_case.items():
        lines = []
        for path in paths:
            with open(path) as profile:
                lines += profile.readlines()
        own, inclusive = busy_shares(lines, count)
        for kind, shares in (('self', own), ('inclusive', inclusive)):
            parts.append('== %s, %s time of busy threads' % (case, kind))
            parts += ['%5.1f%%  %s' % (100 * share, f) for share, f in shares]
    return '\n'.join(parts)
