#!/usr/bin/python3
# ranges-check.py - what the origin (origin.py --log) sent, byte by byte.
#
#   ranges-check.py LOG ROOT PATH_REGEX [--since T] [--done FILE]
#
# Reads the requests of LOG (origin.py --log: "T GET PATH STATUS port=P
# [range=bytes=A-B] t0=T0 sent=N", T the end, T0 the start) whose path
# matches PATH_REGEX (a 200 or 206 answer, started at or after --since)
# and prints key=value lines:
#   requests ranged whole       how many; ranged: with a Range header
#   range_200                   Range requests answered 200 (whole file)
#   missing                     bytes of the files (ROOT/PATH) no answer sent
#                               (with --done: bytes neither sent nor listed
#                               done in FILE, a .part.pieces file)
#   maxdup                      the largest overlap of two answers' bytes
#   done_refetched              bytes listed done in FILE sent again
#   maxinflight lastinflight    most requests at once; at the latest start
#   inflight_ranged             most requests at once right after a Range
#                               request started
#   ranges_after_200            Range requests started after the first
#                               Range answered 200 ended
#   whole_after_range           requests without Range started after the
#                               first Range request ended
# The bytes an answer sent are [A, A + sent) for a 206 to bytes=A-B, else
# [0, sent).
import os
import re
import sys


def parse(log, rx, since):
    reqs = []
    for line in open(log):
        f = line.split()
        if len(f) < 7 or f[1] != 'GET' or f[3] not in ('200', '206'):
            continue
        path = f[2].split('?')[0]
        if not re.fullmatch(rx, path):
            continue
        kv = dict(x.split('=', 1) for x in f[4:] if '=' in x)
        r = {'path': path, 'status': f[3], 'start': float(kv['t0']),
             'end': float(f[0]), 'sent': int(kv['sent']),
             'range': kv.get('range')}
        if r['start'] < since:
            continue
        a = 0
        if r['range'] and r['status'] == '206':
            a = int(re.match(r'bytes=(\d+)-', r['range']).group(1))
        r['a'], r['b'] = a, a + r['sent']
        reqs.append(r)
    return reqs


def inflight_at(reqs, t):
    return sum(1 for r in reqs if r['start'] <= t < r['end'])


def overlap(a, b):
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def union_missing(size, ivs):
    at, missing = 0, 0
    for a, b in sorted(ivs):
        if a > at:
            missing += a - at
        at = max(at, b)
    return missing + max(0, size - at)


def main():
    log, root, rx = sys.argv[1:4]
    since, done = 0.0, []
    args = sys.argv[4:]
    while args:
        if args[0] == '--since':
            since = float(args[1])
        elif args[0] == '--done':
            for line in open(args[1]):
                f = line.split()
                if len(f) == 3 and f[0] == 'done':
                    done.append((int(f[1]), int(f[2])))
        args = args[2:]
    reqs = parse(log, rx, since)
    out = {'requests': len(reqs),
           'ranged': sum(1 for r in reqs if r['range']),
           'whole': sum(1 for r in reqs if not r['range']),
           'range_200': sum(1 for r in reqs
                            if r['range'] and r['status'] == '200')}
    missing, maxdup, refetched = 0, 0, 0
    for path in sorted({r['path'] for r in reqs}):
        size = os.path.getsize(os.path.join(root, path.lstrip('/')))
        ivs = [(r['a'], r['b']) for r in reqs if r['path'] == path]
        missing += union_missing(size, ivs + done)
        for i in range(len(ivs)):
            for j in range(i + 1, len(ivs)):
                maxdup = max(maxdup, overlap(ivs[i], ivs[j]))
            for d in done:
                refetched += overlap(ivs[i], d)
    out['missing'], out['maxdup'] = missing, maxdup
    out['done_refetched'] = refetched
    out['maxinflight'] = max([inflight_at(reqs, r['start']) for r in reqs]
                             or [0])
    last = max([r['start'] for r in reqs] or [0])
    out['lastinflight'] = inflight_at(reqs, last)
    out['inflight_ranged'] = max([inflight_at(reqs, r['start'])
                                  for r in reqs if r['range']] or [0])
    r200 = [r['end'] for r in reqs if r['range'] and r['status'] == '200']
    t200 = min(r200) if r200 else float('inf')
    out['ranges_after_200'] = sum(1 for r in reqs
                                  if r['range'] and r['start'] > t200)
    tr = min([r['end'] for r in reqs if r['range']] or [float('inf')])
    out['whole_after_range'] = sum(1 for r in reqs
                                   if not r['range'] and r['start'] > tr)
    for k in sorted(out):
        print('%s=%d' % (k, out[k]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
