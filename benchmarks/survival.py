#!/usr/bin/env python3
"""Time smk.analyses.survival (the adapter) against statsmodels called directly, on synthetic leads.

    .venv/bin/python benchmarks/survival.py [--leads 1000000] [--groups 7] [--repeat 3]

Whole days 1..400 (exponential, mean 60), 10 % won, 40 % lost, 50 % open; best of ``--repeat``
runs. Prints seconds; no assertion (figures go to the report / docs, never into a timed test).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

from smk.analyses import survival


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--groups", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    n = a.leads
    t = np.ceil(rng.exponential(60, n)).clip(1, 400)
    code = rng.choice([0, 1, 2], n, p=[0.5, 0.1, 0.4])  # censored, won, lost
    labels = np.array(["censored", "won", "lost"], dtype=object)[code]
    groups = np.array([f"channel_{i}" for i in range(a.groups)], dtype=object)[rng.integers(0, a.groups, n)]
    won = code == 1
    rows = [
        ("statsmodels SurvfuncRight (one sample, event times only)", lambda: SurvfuncRight(t, won.astype(float))),
        ("statsmodels CumIncidenceRight (one sample, codes)", lambda: CumIncidenceRight(t, code)),
        ("smk kaplan_meier (all leads)", lambda: survival.kaplan_meier(t, won)),
        ("smk cumulative_incidence (all leads, labels)", lambda: survival.cumulative_incidence(t, labels, event="won")),
        (f"smk kaplan_meier ({a.groups} groups)", lambda: survival.kaplan_meier(t, won, groups=groups)),
        (f"smk cumulative_incidence ({a.groups} groups)",
         lambda: survival.cumulative_incidence(t, labels, event="won", groups=groups)),
    ]
    print(f"{n:,} leads, {len(np.unique(t))} distinct days, best of {a.repeat}")
    for name, fn in rows:
        print(f"  {best(fn, a.repeat):6.3f} s  {name}")


if __name__ == "__main__":
    main()
