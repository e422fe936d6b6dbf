#!/usr/bin/env python3
"""Benchmark the playbook at client scale (thin wrapper over `smk bench`, see smk/bench.py).

    python3 tasks.py bench                                   # 250k, 500k, 1M leads: load + validate
    python3 tasks.py bench --sizes 1000000 --run --per-notebook   # plus the whole run and each notebook
    python3 tasks.py bench --sizes 2000 --demo               # small: what CI runs so this cannot rot
"""
import sys

from smk.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
