"""``smk bench``: how long and how much memory the playbook needs at client scale.

Prints figures; asserts nothing (timed assertions do not belong in tests). For each client size:
- the floor: pyarrow alone reading every export of the client (multi-threaded), wall time;
- load + validate (``smk.load_client``) in a fresh process: wall time and peak RSS;
- optionally the whole ``smk run`` and each notebook alone: wall time and peak RSS of the whole
  process tree (papermill kernels included), sampled every 50 ms with psutil.
Synthetic clients come from ``smk synth`` and are reused between runs (benchmarks/out/).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = PROJECT_ROOT / "benchmarks" / "out"


class TreeSampler:
    """Peak resident memory of a process and all its descendants (sum), sampled in a thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        import psutil

        self._proc = psutil.Process(pid)
        self._psutil = psutil
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self._proc, *self._proc.children(recursive=True)]
            except self._psutil.Error:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except self._psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``; return wall seconds, peak RSS of its process tree (MiB) and the exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeSampler(proc.pid) as sampler:
        output, _ = proc.communicate()
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mib": round(sampler.peak / 2**20, 1),
            "rc": proc.returncode, "output": output[-2000:]}


def raw_read_floor(client_dir: Path) -> dict:
    """Seconds pyarrow needs to read every export of the client (the floor load is compared with)."""
    import pyarrow.csv as pacsv

    from smk.io.config import load_config

    cfg = load_config(client_dir)
    total_rows, files = 0, []
    start = time.perf_counter()
    for name, tc in cfg.tables.items():
        path = cfg.path.parent / tc.file
        if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
            continue
        enc = {"cp1252": "cp1252", "latin-1": "latin1"}.get(tc.encoding or "", "utf8")
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding=enc),
                               parse_options=pacsv.ParseOptions(delimiter=tc.delimiter or ","))
        total_rows += table.num_rows
        files.append(path.name)
    return {"seconds": round(time.perf_counter() - start, 2), "rows": total_rows, "files": files}


def ensure_client(out: Path, n_leads: int, seed: int) -> Path:
    folder = out / f"synth_{n_leads}"
    if not (folder / "client.yml").exists():
        from smk.io.synth import generate

        generate(folder, n_leads=n_leads, seed=seed)
    return folder


LOAD_SNIPPET = ("import json, sys, time\n"
                "t0 = time.perf_counter()\n"
                "import smk\n"
                "from smk.run.validate import format_summary\n"
                "t1 = time.perf_counter()\n"
                "c = smk.load_client(sys.argv[1])\n"
                "format_summary(c)\n"
                "t2 = time.perf_counter()\n"
                "print('BENCH', json.dumps({'imports': round(t1 - t0, 2), 'load_validate': round(t2 - t1, 2),"
                " 'rows': sum(len(t) for t in c.tables.values())}))\n")


def bench_client(folder: Path, *, run_all: bool, per_notebook: bool, jobs: int) -> dict:
    res = {"client": str(folder), "floor": raw_read_floor(folder)}
    lv = measure([sys.executable, "-c", LOAD_SNIPPET, str(folder)])
    inner = next((json.loads(ln[6:]) for ln in lv["output"].splitlines() if ln.startswith("BENCH ")), {})
    lv["process_seconds"] = lv["seconds"]
    lv["seconds"] = inner.get("load_validate", lv["seconds"])  # load + validate alone, imports excluded
    lv["import_seconds"] = inner.get("imports")
    lv["ratio_to_floor"] = round(lv["seconds"] / max(res["floor"]["seconds"], 1e-9), 2)
    res["load_validate"] = lv
    if run_all or per_notebook:
        from smk.run.runner import discover

        ids = [s.id for s in discover()]
        with tempfile.TemporaryDirectory() as tmp:
            if run_all:
                res["run"] = measure([sys.executable, "-m", "smk", "run", str(folder), "--out", f"{tmp}/all",
                                      "--jobs", str(jobs)])
            if per_notebook:
                res["notebooks"] = {}
                for nb in ids:
                    res["notebooks"][nb] = measure([sys.executable, "-m", "smk", "run", str(folder), "--only", nb,
                                                    "--out", f"{tmp}/{nb}", "--jobs", "1"])
    return res


def format_results(results: list[dict]) -> str:
    lines = []
    for r in results:
        f, lv = r["floor"], r["load_validate"]
        lines.append(f"{r['client']}")
        lines.append(f"  raw read floor (pyarrow)  {f['seconds']:>8.2f} s   {f['rows']:>12,} rows")
        lines.append(f"  load + validate           {lv['seconds']:>8.2f} s   peak {lv['peak_mib']:>8.1f} MiB   "
                     f"{lv['ratio_to_floor']:.1f}x floor   (process {lv['process_seconds']:.1f} s incl. imports)"
                     f"{'' if lv['rc'] == 0 else '   FAILED rc=' + str(lv['rc'])}")
        for nb, m in (r.get("notebooks") or {}).items():
            lines.append(f"  notebook {nb:<16} {m['seconds']:>8.2f} s   peak {m['peak_mib']:>8.1f} MiB"
                         f"{'' if m['rc'] == 0 else '   FAILED rc=' + str(m['rc'])}")
        if "run" in r:
            m = r["run"]
            lines.append(f"  whole smk run             {m['seconds']:>8.2f} s   peak {m['peak_mib']:>8.1f} MiB"
                         f"{'' if m['rc'] == 0 else '   FAILED rc=' + str(m['rc'])}")
    sized = [r for r in results if r.get("leads")]
    if len(sized) > 1:
        base = sized[0]
        lines.append("scaling of load + validate (time per lead relative to the smallest size):")
        for r in sized:
            per = r["load_validate"]["seconds"] / r["leads"]
            per0 = base["load_validate"]["seconds"] / base["leads"]
            lines.append(f"  {r['leads']:>9,} leads  {r['load_validate']['seconds']:>8.2f} s   x{per / per0:.2f}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="250000,500000,1000000",
                        help="comma-separated numbers of leads (default: 250000,500000,1000000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where synthetic clients and results.json go")
    parser.add_argument("--run", action="store_true", help="also time the whole `smk run` on the largest size")
    parser.add_argument("--per-notebook", action="store_true", help="also time each notebook alone on the largest size")
    parser.add_argument("--demo", action="store_true", help="also benchmark data/demo (whole run and each notebook)")
    parser.add_argument("--jobs", type=int, default=2)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser().absolute()  # from where the user stands; the timed commands run at the project root
    out.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    results = []
    for i, n in enumerate(sizes):
        folder = ensure_client(out, n, args.seed)
        largest = i == len(sizes) - 1
        r = bench_client(folder, run_all=args.run and largest, per_notebook=args.per_notebook and largest, jobs=args.jobs)
        r["leads"] = n
        results.append(r)
        print(format_results([r]), flush=True)
    if args.demo:
        r = bench_client(PROJECT_ROOT / "data" / "demo", run_all=True, per_notebook=True, jobs=args.jobs)
        results.append(r)
        print(format_results([r]), flush=True)
    print()
    print(format_results(results))
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    failed = [r for r in results for m in [r["load_validate"], r.get("run", {}), *(r.get("notebooks") or {}).values()]
              if m and m.get("rc")]
    return 1 if failed else 0
