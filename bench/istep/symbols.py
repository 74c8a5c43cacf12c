#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""symbols.py BINARY HIST [DIVISOR] - istep's histogram by function: the
instructions each function of BINARY executed (divided by DIVISOR, e.g. the
number of pairs), most first.  Needs nm (binutils); the binary must not be
position-independent (istep_pairs is linked with -no-pie) or addresses will
not match."""
import bisect
import collections
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    exe, hist = sys.argv[1], sys.argv[2]
    div = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    syms = []
    nm = subprocess.run(['nm', '-n', '--defined-only', exe],
                        capture_output=True, text=True, check=True).stdout
    for line in nm.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'tTwW':
            syms.append((int(f[0], 16), f[2]))
    starts = [a for a, _ in syms]
    by = collections.Counter()
    total = 0
    with open(hist) as h:
        for line in h:
            a, n = line.split()
            a, n = int(a, 16), int(n)
            total += n
            i = bisect.bisect_right(starts, a) - 1
            by[syms[i][1] if i >= 0 else '?'] += n
    print(f"{total / div:10.1f}  total")
    for name, n in by.most_common(30):
        print(f"{n / div:10.1f}  {100 * n / total:5.1f}%  {name}")


if __name__ == '__main__':
    main()
