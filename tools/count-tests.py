#!/usr/bin/python3
"""Add up the tests that ran in one or more meson build directories.

A Check program prints "N%: Checks: C, Failures: F, Errors: E"; its cases are
counted one by one.  Any other meson test (or a Check program that crashed
before its summary) counts as one test, passed or failed by its result.
Prints "N passed, N failed" and exits non-zero if anything failed.
"""
import json
import re
import sys

CHECK = re.compile(r"\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)")

passed = failed = 0
for builddir in sys.argv[1:]:
    try:
        f = open(f"{builddir}/meson-logs/testlog.json")
    except OSError:
        failed += 1  # the build or its test run did not happen
        print(f"FAILED: {builddir}: no test log (build or test run failed)", file=sys.stderr)
        continue
    with f:
        for line in f:
            rec = json.loads(line)
            ok = rec["result"] in ("OK", "EXPECTEDFAIL")  # a skip is not a pass
            m = CHECK.findall(rec.get("stdout", "") or "")
            if m:
                c, fl, er = (int(x) for x in m[-1])
                bad = fl + er
                if not ok and bad == 0:
                    bad = 1  # program failed after its summary (e.g. a sanitizer at exit)
                passed += c - min(bad, c)
                failed += bad
            else:
                if ok:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAILED: {builddir}: {rec['name']} ({rec['result']})", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
