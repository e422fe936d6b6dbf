"""``smk run`` and ``smk refresh``: execute the playbook notebooks on a client and build the report.

``smk run data/<client>`` executes every ``notebooks/NN_name.ipynb`` with papermill (parameters
injected: client_dir, period, lang, output_dir; kernel working directory = the project root), in
parallel worker processes (``--jobs``), into ``reports/<client>/<period>/``:

- ``NN_name.ipynb``: the executed notebook, kept for audit (a failed one keeps its partial copy);
- ``NN_name.html``: the client-facing page (no code, ``interactive`` cells removed, fully offline:
  see smk/report/templates/smk_report);
- ``NN.headlines.json``: the headline figures the notebook saved (smk.report);
- ``data_quality_ledger.csv``: every row set aside / value cleared (spreadsheet-safe, PII masked);
- ``index.html``: client, period, generated-at, data-quality summary and one tile per notebook.

A notebook whose metadata ``smk.requires`` names capabilities the client lacks
(``smk.client.capabilities.capabilities``) is not executed: its page says "not enough data: this needs …".
A failed notebook does not stop the others; the command exits 1 naming notebook, cell and error.

The report folder changes only when a run is complete (staging folder, then :func:`publish`), one
run at a time (:func:`run_lock`); the loaded client reaches the kernels as a snapshot in a private
temporary folder removed on every way out. Paths typed by the user start where they stand.

``smk refresh`` re-executes the notebooks in place on their default parameters (the demo client)
with a fixed kernel environment, so the outputs stored in git (compared by nbval) are repeatable.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as _dt
import gc
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterator

import nbformat

import smk
from smk.client.loader import SNAPSHOT_ENV, load_snapshot, save_snapshot
from smk.errors import ConfigError, SmkError
from smk.io.readers import write_csv_safe
from smk.report import PROJECT_ROOT, capabilities
from smk.report.index import Tile, headline_items, write_index
from smk.run.execute import (KERNEL_ARGS, KERNEL_NAME, Result, Task, execute_task, export_html,  # noqa: F401
                             kernel_env, not_enough_task, patched_env, warm_up)
from smk.run.notebooks import (NOTEBOOK_RE, NOTEBOOKS_DIR, NotebookSpec, check_notebook, discover,  # noqa: F401
                               read_spec, select)
from smk.run.pdf import PDF_NAME, PdfError, write_pdf
from smk.views import fmt
from smk.views.html import not_enough_data
from smk.views.quality import ledger_export

if sys.platform == "win32":  # pragma: no cover - the lock of a report folder
    import msvcrt
else:
    import fcntl

LEDGER_CSV = "data_quality_ledger.csv"
#: In a report folder while `smk run` writes into it: the lock, and the folder the run writes into
#: before its files replace the previous report's (so an interrupted run leaves that report whole).
LOCK_NAME = ".smk-run.lock"
STAGING_PREFIX = ".smk-partial-"


class RunBusy(SmkError):
    """Another `smk run` is writing into the same report folder."""


def release_memory() -> None:
    """Give freed memory back to the operating system: Arrow's allocator (mimalloc) and glibc keep
    freed pages for reuse, so after dropping a loaded client a process still shows its peak
    (3.5 GiB after loading a million leads; 0.4 GiB after this)."""
    import ctypes
    import ctypes.util

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = ctypes.util.find_library("c")
    if libc and hasattr(ctypes.CDLL(libc), "malloc_trim"):
        ctypes.CDLL(libc).malloc_trim(0)


# --- index -----------------------------------------------------------------------------------

def tiles(out_dir: Path, specs: list[NotebookSpec], results: dict[str, Result], lang: str) -> list[Tile]:
    """One index tile per notebook that has a result: headlines it saved, its error, or what data
    it lacks."""
    out = []
    for spec in specs:
        r = results.get(spec.id)
        if r is None:
            continue
        if r.status == "ok":
            out.append(Tile(spec.id, spec.title_in(lang), r.status, r.html, headlines=headline_items(out_dir, spec.id)))
        elif r.status == "not_enough_data":
            out.append(Tile(spec.id, spec.title_in(lang), r.status, r.html, message=not_enough_data(r.missing, lang).text))
        else:
            out.append(Tile(spec.id, spec.title_in(lang), r.status, r.html,
                            message=r.describe_error() + (f"\n({r.ipynb})" if r.ipynb else "")))
    return out


# --- command line ----------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_dir", help="client folder with client.yml (e.g. data/demo)")
    parser.add_argument("--period", default=None, help="report month YYYY-MM (default: client.yml, else the last complete month)")
    parser.add_argument("--lang", choices=("es", "en"), default=None, help="report language (default: client.yml)")
    parser.add_argument("--only", default=None, help="comma-separated notebook numbers, e.g. 02,05")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: number of cores)")
    parser.add_argument("--out", default=None, help="output folder (default: reports/<client>/<period>/)")
    parser.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)  # tests: another notebooks folder
    parser.add_argument("--timeout", type=int, default=None, help="seconds allowed per cell (default: no limit)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--pdf", action="store_true", help="also write report.pdf (index and every page; needs Chromium)")


def user_path(path: str | Path) -> Path:
    """A path the user typed, taken from where they stand (the current directory), absolute."""
    return Path(path).expanduser().absolute()


def _resolve_settings(args: argparse.Namespace, client: Any) -> tuple[str, str, Path]:
    period = args.period or client.default_period()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise ConfigError(f"--period must be YYYY-MM, got {period!r}")
    lang = args.lang or client.config.lang
    slug = user_path(args.client_dir).resolve().name
    out = user_path(args.out) if args.out else PROJECT_ROOT / "reports" / slug / period
    return period, lang, out


# --- one run at a time per report folder; the folder changes only when a run is complete -----------

def _lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":  # pragma: no cover
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def run_lock(out: Path) -> Iterator[Path]:
    """Hold ``<out>/.smk-run.lock`` while a run writes into ``out``; a second run into the same
    folder is refused (:class:`RunBusy`) instead of mixing two reports. The operating system
    releases the lock when the process ends, however it ends; the file is removed on the way out."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _lock(fd):
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise RunBusy(f"another `smk run`{f' (process {holder})' if holder.isdigit() else ''} is writing into "
                          f"{out}; wait for it to finish, or choose another folder with --out")
        try:  # the previous holder may have removed the file between our open and our lock
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode("ascii"))
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def publish(stage: Path, out: Path, specs: list[NotebookSpec]) -> None:
    """Move a finished run from its staging folder into ``out``: each file it wrote replaces the
    previous run's, ``index.html`` last (an index never links to a page that is not there yet);
    then the previous run's files of these notebooks that this run did not write are removed (a
    notebook skipped now keeps no executed copy, a failed one no page or headlines)."""
    written = {p.name for p in stage.iterdir()}
    for p in sorted(stage.iterdir(), key=lambda p: (p.name == "index.html", p.name)):
        target = out / p.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(p, target)
    for spec in specs:
        for name in (f"{spec.name}.html", f"{spec.name}.ipynb", f"{spec.id}.headlines.json"):
            if name not in written:
                (out / name).unlink(missing_ok=True)
    stage.rmdir()


def _say_report_unchanged(out: Path):
    """An exit callback: an interrupted run says that the report folder is as it was."""
    def callback(exc_type, exc, tb) -> bool:
        if exc is not None and isinstance(exc, KeyboardInterrupt) and not exc.args:
            exc.args = (f"{out} is as it was before this run",)
        return False
    return callback


def worker_init() -> None:
    """Notebook worker processes leave Ctrl-C to the main process, which stops them (a worker
    interrupted on its own prints a traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_pool(pool: ProcessPoolExecutor, *, now: bool) -> None:
    """Shut the worker pool down; ``now`` (interrupted, failed): end the workers at once. Their
    kernels notice that their parent is gone and exit (ipykernel's parent poller)."""
    if now:
        for proc in list((pool._processes or {}).values()):  # no public API before Python 3.14
            with contextlib.suppress(Exception):
                proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _summary_lines(specs: list[NotebookSpec], results: dict[str, Result]) -> list[str]:
    rows = [("notebook", "status", "time", "detail")]
    for s in specs:
        r = results[s.id]
        detail = r.describe_error() if r.status == "failed" else (
            "needs " + ", ".join(r.missing) if r.status == "not_enough_data" else (r.html or ""))
        rows.append((r.name, r.status, f"{r.seconds:.1f} s", detail))
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}  {d}".rstrip() for a, b, c, d in rows]


def run(args: argparse.Namespace) -> int:
    """``smk run``: see the module docstring. Returns 0, or 1 when a notebook failed.

    The report folder changes only when the run is complete: notebooks write into a staging
    folder inside it, whose files then replace the previous report's (:func:`publish`). An
    interrupted run (Ctrl-C, SIGTERM, an error) leaves the previous report as it was. The loaded
    client goes to the kernels as a snapshot in a private temporary folder of this run, removed
    on every way out.
    """
    t_start = time.perf_counter()
    client_dir = user_path(args.client_dir)
    specs = select(discover(user_path(args.notebooks) if args.notebooks else NOTEBOOKS_DIR), args.only)
    if not specs:
        raise ConfigError("no notebooks to run")
    jobs = max(1, args.jobs or os.cpu_count() or 1)
    with contextlib.ExitStack() as stack:
        pool = None
        finished = False  # False while the workers may still be busy: on the way out they are ended at once

        def stop_workers() -> None:
            if pool is not None:
                stop_pool(pool, now=not finished)

        if jobs > 1 and len(specs) > 1:
            # the workers import papermill and nbconvert while this process loads the client
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(specs)), mp_context=get_context("spawn"),
                                       initializer=worker_init)
            stack.callback(stop_workers)
            for _ in range(min(jobs, len(specs))):
                pool.submit(warm_up)
        client = smk.load_client(client_dir)
        period, lang, out = _resolve_settings(args, client)
        stack.enter_context(run_lock(out))
        stack.push(_say_report_unchanged(out))
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        stack.callback(shutil.rmtree, stage, ignore_errors=True)
        private = Path(tempfile.mkdtemp(prefix="smk-run-"))  # mode 0700: only this user reads the snapshot
        stack.callback(shutil.rmtree, private, ignore_errors=True)
        stack.callback(stop_workers)  # on the way out, before the two folders above are removed
        caps = capabilities(client)
        env = kernel_env()
        # the kernels read the client loaded here instead of loading it again, once per notebook
        snapshot = save_snapshot(client, private / "client.pkl")
        env[SNAPSHOT_ENV] = str(snapshot)
        client_name = client.config.name
        del client  # the kernels hold their own copy; this process takes it back from the snapshot at the end
        release_memory()
        tasks, results = [], {}
        for spec in specs:
            task = Task(spec=spec, client_dir=str(client_dir), period=period, lang=lang, output_dir=str(stage),
                        client_name=client_name, period_label=fmt.month(period, lang), env=env,
                        timeout=args.timeout, final_dir=str(out))
            missing = [c for c in spec.requires if not caps.get(c, False)]
            if missing:
                results[spec.id] = not_enough_task(task, missing)
            else:
                tasks.append(task)
        # longest first (smk.cost, measured at a million leads): the last notebook to start is a short one
        tasks.sort(key=lambda t: -t.spec.cost)
        from tqdm import tqdm

        bar = stack.enter_context(tqdm(total=len(specs), desc=f"smk run {client_dir.resolve().name} {period}", unit="nb",
                                       disable=bool(getattr(args, "no_progress", False)), file=sys.stderr))
        bar.update(len(results))
        if pool is None or len(tasks) <= 1:
            if pool is not None:
                stop_pool(pool, now=True)  # only warm-up work was given to it
            for task in tasks:
                bar.set_postfix_str(task.spec.name)
                results[task.spec.id] = execute_task(task)
                bar.update(1)
        else:
            futures = {pool.submit(execute_task, t): t for t in tasks}
            for fut in as_completed(futures):
                task = futures[fut]
                try:
                    results[task.spec.id] = fut.result()
                except Exception as exc:  # the worker process itself died
                    results[task.spec.id] = Result(id=task.spec.id, name=task.spec.name, status="failed",
                                                   error=f"worker: {type(exc).__name__}: {exc}")
                bar.set_postfix_str(task.spec.name)
                bar.update(1)
        finished = True
        bar.close()
        client = load_snapshot(snapshot, client_dir)
        if client is None:  # never expected: the snapshot is this run's own
            raise SmkError(f"the loaded client could not be read back from {snapshot}")
        write_csv_safe(ledger_export(client, lang), stage / LEDGER_CSV)
        generated = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        write_index(stage, client=client, period=period, lang=lang, tiles=tiles(stage, specs, results, lang),
                    generated_at=generated, ledger_csv=LEDGER_CSV)
        (stage / "run.json").write_text(json.dumps({
            "client": client.config.name, "period": period, "lang": lang, "generated_at": generated,
            "notebooks": [asdict(results[s.id]) for s in specs],
        }, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        pdf_error = ""
        if getattr(args, "pdf", False):  # report.pdf: the index, then each notebook's page (smk.run.pdf)
            pages = ["index.html"] + [results[s.id].html for s in specs if results[s.id].html]
            try:
                write_pdf(stage, pages, client=client.config.name, period_label=fmt.month(period, lang), lang=lang)
            except PdfError as exc:
                pdf_error = str(exc)
                (out / PDF_NAME).unlink(missing_ok=True)  # never leave the previous run's PDF beside this report
        publish(stage, out, specs)
        for line in _summary_lines(specs, results):
            print(line)
        if getattr(args, "pdf", False) and not pdf_error:
            print(f"pdf: {out / PDF_NAME}")
        print(f"report: {out / 'index.html'}  ({time.perf_counter() - t_start:.1f} s)")
        failed = [results[s.id] for s in specs if results[s.id].status == "failed"]
        for r in failed:
            print(f"error: {r.describe_error()}; partial executed copy: {out / r.name}.ipynb", file=sys.stderr)
        if pdf_error:
            print(f"error: {pdf_error}", file=sys.stderr)
            return 2
        return 1 if failed else 0


# --- refresh ---------------------------------------------------------------------------------

def add_refresh_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", default=None, help="comma-separated notebook numbers, e.g. 00,03")
    parser.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")


def refresh_notebook(path: Path, env: dict[str, str], timeout: int | None = 600) -> list[str]:
    """Re-execute ``path`` in place on its default parameters. Cells tagged ``interactive`` are not
    run and keep no output. Returns the errors found in outputs (empty = clean)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    keep = [(i, c) for i, c in enumerate(nb.cells) if "interactive" in c.get("metadata", {}).get("tags", [])]
    run_nb = copy.deepcopy(nb)
    run_nb.cells = [c for c in nb.cells if "interactive" not in c.get("metadata", {}).get("tags", [])]
    errors: list[str] = []
    with patched_env(env):
        client = NotebookClient(run_nb, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                                extra_arguments=list(KERNEL_ARGS),
                                allow_errors=False, resources={"metadata": {"path": str(PROJECT_ROOT)}})
        try:
            client.execute()
        except CellExecutionError as exc:
            errors.append(str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc))
    for i, cell in keep:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        run_nb.cells.insert(i, cell)
    for cell in run_nb.cells:
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("papermill", None)
    run_nb.metadata.pop("papermill", None)
    if not errors:
        nbformat.write(run_nb, path)
    return errors


def run_refresh(args: argparse.Namespace) -> int:
    """``smk refresh``: re-execute the notebooks in place (demo client, default parameters)."""
    specs = select(discover(Path(args.notebooks) if args.notebooks else NOTEBOOKS_DIR), args.only)
    env = kernel_env()
    failed = 0
    for spec in specs:
        problems = check_notebook(spec.path)
        for p in problems:
            print(f"warning: {spec.path.name}: {p}", file=sys.stderr)
        t0 = time.perf_counter()
        errors = refresh_notebook(spec.path, env, args.timeout)
        status = "ok" if not errors else "FAILED (not written)"
        print(f"{spec.path.name}: {status} ({time.perf_counter() - t0:.1f} s)")
        for e in errors:
            print(f"error: {spec.path.name}: {e}", file=sys.stderr)
        failed += bool(errors)
    return 1 if failed else 0


# --- helpers for tests and tasks.py ------------------------------------------------------------

SANITIZE_CFG = PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"


def nbval_command(notebooks: list[Path] | None = None, python: str | None = None) -> list[str]:
    """The pytest command that checks stored notebook outputs with nbval (run it with
    :func:`kernel_env` merged into the environment and cwd = project root)."""
    paths = [str(p) for p in (notebooks or [s.path for s in discover()])]
    return [python or sys.executable, "-m", "pytest", "--nbval", "--nbval-sanitize-with", str(SANITIZE_CFG),
            "--nbval-kernel-name", KERNEL_NAME, "-p", "no:cacheprovider", "-q", *paths]


__all__ = [
    "NotebookSpec", "Result", "Task", "add_arguments", "add_refresh_arguments", "check_notebook", "discover",
    "execute_task", "export_html", "kernel_env", "nbval_command", "read_spec", "refresh_notebook", "run",
    "run_refresh", "select", "write_index",
]

