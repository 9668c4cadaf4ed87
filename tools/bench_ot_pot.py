#!/usr/bin/python3
"""Exact W2: mfm against POT's ot.emd2 on the same point clouds, one run.

    /usr/bin/python3 tools/bench_ot_pot.py BUILD/bench/bench-ot [-r REPEAT] [N[xM] ...]

Runs bench-ot (which draws seeded clouds, d = 24, writes them to a
temporary directory and times mfm), then loads the same float32 clouds,
builds the float64 squared-Euclidean cost matrix with scipy's cdist and
times ot.emd2 on it.  Prints a Markdown table of solver times (cost matrix
excluded on both sides): the best of REPEAT runs (default 3) on both sides,
as wall-clock and as process CPU time (the CPU time is less disturbed when
other jobs share the machine).
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import ot
from scipy.spatial.distance import cdist


def load(path):
    with open(path, "rb") as fh:
        magic = fh.read(8)
        if magic != b"MFMOTB1\0":
            raise SystemExit(f"{path}: not a bench-ot cloud file")
        n, m, d = np.frombuffer(fh.read(24), dtype=np.uint64)
        n, m, d = int(n), int(m), int(d)
        x = np.frombuffer(fh.read(4 * n * d), dtype=np.float32).reshape(n, d)
        y = np.frombuffer(fh.read(4 * m * d), dtype=np.float32).reshape(m, d)
    return x, y


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    exe, args = sys.argv[1], sys.argv[2:]
    repeat = 3
    if len(args) >= 2 and args[0] == "-r":
        repeat = int(args[1])
        args = args[2:]
    sizes = args
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([exe, tmp, "-r", str(repeat)] + sizes, check=True,
                              capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            r = json.loads(line)
            x, y = load(r["file"])
            C = cdist(x.astype(np.float64), y.astype(np.float64), "sqeuclidean")
            a = np.full(r["n"], 1.0 / r["n"])
            b = np.full(r["m"], 1.0 / r["m"])
            r["pot_s"] = r["pot_cpu_s"] = float("inf")
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                pot = float(ot.emd2(a, b, C, numItermax=10**9))
                r["pot_cpu_s"] = min(r["pot_cpu_s"], time.process_time() - c0)
                r["pot_s"] = min(r["pot_s"], time.perf_counter() - t0)
            r["pot_cost"] = pot
            rows.append(r)
            os.remove(r["file"])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"POT {ot.__version__}, numpy {np.__version__}")
    print()
    print(f"best of {repeat} runs; wall-clock seconds (CPU seconds in brackets)")
    print()
    print("| n x m | mfm solver | mfm solve | ot.emd2 | speed-up wall (CPU) | W2^2 mfm | W2^2 POT"
          " | rel. diff | mfm W2 incl. costs | MMD+energy |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rel = abs(r["cost"] - r["pot_cost"]) / abs(r["pot_cost"])
        print(f"| {r['n']} x {r['m']} | {r['solver']} | {r['solve_s']:.3f} ({r['solve_cpu_s']:.3f}) | "
              f"{r['pot_s']:.3f} ({r['pot_cpu_s']:.3f}) | {r['pot_s'] / r['solve_s']:.2f}x "
              f"({r['pot_cpu_s'] / r['solve_cpu_s']:.2f}x) | {r['cost']:.12g} | {r['pot_cost']:.12g} | "
              f"{rel:.1e} | {r['w2_total_s']:.3f} | {r['mmd_s']:.3f} |")


if __name__ == "__main__":
    main()
