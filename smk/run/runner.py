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
import ast
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
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterator

import nbformat

import smk
from smk import texts
from smk.client.loader import SNAPSHOT_ENV, load_snapshot, save_snapshot
from smk.errors import ConfigError, SmkError
from smk.io.readers import write_csv_safe
from smk.report import BATCH_ENV, PROJECT_ROOT, capabilities, client_slug
from smk.report.index import TEMPLATES_DIR, Tile, css, headline_items, write_index
from smk.views import fmt
from smk.views.html import capability_names, not_enough_data, render, text_html
from smk.views.quality import ledger_export

if sys.platform == "win32":  # pragma: no cover - the lock of a report folder
    import msvcrt
else:
    import fcntl

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORT_TEMPLATE = "smk_report"
NOTEBOOK_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
REQUIRED_PARAMETERS = ("client_dir", "period", "lang", "output_dir")
LEDGER_CSV = "data_quality_ledger.csv"
KERNEL_NAME = "python3"
#: The kernel's own log is noise for a consultant: "Kernel is running over TCP without encryption"
#: (a warning) on every start, and "KeyboardInterrupt caught in kernel" (an error) when the kernel
#: manager interrupts it while shutting it down at the end of a notebook. Cell errors reach us as
#: messages, not through this log.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]
#: In a report folder while `smk run` writes into it: the lock, and the folder the run writes into
#: before its files replace the previous report's (so an interrupted run leaves that report whole).
LOCK_NAME = ".smk-run.lock"
STAGING_PREFIX = ".smk-partial-"


class RunBusy(SmkError):
    """Another `smk run` is writing into the same report folder."""


# --- notebooks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotebookSpec:
    """A playbook notebook: ``03_close_rates.ipynb`` → id ``03``, name ``03_close_rates``."""

    path: Path
    id: str
    name: str
    requires: tuple[str, ...] = ()
    title: dict[str, str] = field(default_factory=dict)
    cost: float = 1.0  # relative run time (metadata smk.cost): the longest notebooks start first

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (the notebook's name when its metadata names no catalogue title)."""
        return self.title.get(lang) or self.name


def read_spec(path: Path) -> NotebookSpec:
    """Read a notebook's ``smk`` metadata (requires, title, cost) into a :class:`NotebookSpec`."""
    m = NOTEBOOK_RE.match(path.name)
    if not m:
        raise ConfigError(f"{path}: notebooks must be named NN_name.ipynb (two digits, lowercase name)")
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("smk", {}) or {}
    key = meta.get("title")  # a catalogue key (smk.texts): the title in every language
    title = {lang: texts.t(key, lang) for lang in texts.LANGS if isinstance(key, str) and texts.has(key, lang)}
    cost = meta.get("cost", 1.0)
    return NotebookSpec(path=path, id=m.group(1), name=path.stem,
                        requires=tuple(meta.get("requires") or ()), title=title,
                        cost=float(cost) if isinstance(cost, (int, float)) and cost > 0 else 1.0)


def discover(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[NotebookSpec]:
    """Every ``NN_name.ipynb`` of the folder, sorted by name."""
    paths = sorted(p for p in Path(notebooks_dir).glob("*.ipynb") if NOTEBOOK_RE.match(p.name))
    return [read_spec(p) for p in paths]


def select(specs: list[NotebookSpec], only: str | None) -> list[NotebookSpec]:
    """Keep the notebooks whose id is listed in ``only`` (``"02,05"``); all when empty."""
    if not only:
        return list(specs)
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    wanted = [w.zfill(2) if w.isdigit() else w for w in wanted]
    known = {s.id for s in specs}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ConfigError(f"--only: no notebook {', '.join(unknown)}; available: {', '.join(sorted(known))}")
    return [s for s in specs if s.id in wanted]


def check_notebook(path: Path) -> list[str]:
    """Problems with the notebook conventions of docs/architecture.md (empty list = conforms)."""
    problems: list[str] = []
    if not NOTEBOOK_RE.match(path.name):
        problems.append("name is not NN_name.ipynb")
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code or "parameters" not in code[0].get("metadata", {}).get("tags", []):
        problems.append("the first code cell is not tagged `parameters`")
    else:
        src = code[0].source
        try:
            tree = ast.parse(src)
        except SyntaxError as exc:
            problems.append(f"parameters cell does not parse: {exc}")
            tree = ast.parse("")
        names = []
        for stmt in tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names += [t.id for t in targets if isinstance(t, ast.Name)]
                if not isinstance(stmt.value, ast.Constant):
                    problems.append(f"parameters cell line {stmt.lineno}: not a literal (nothing derived there)")
            else:
                problems.append(f"parameters cell line {stmt.lineno}: only assignments of literals")
        for p in REQUIRED_PARAMETERS:
            if p not in names:
                problems.append(f"parameters cell lacks `{p}`")
        for i, line in enumerate(src.splitlines(), 1):
            if "=" in line and "#" not in line:
                problems.append(f"parameters cell line {i}: add a comment saying what the parameter is")
    for i, cell in enumerate(code):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        try:
            tree = ast.parse(_strip_magics(cell.source))
        except SyntaxError:
            problems.append(f"code cell {i} does not parse")
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.While)):
                problems.append(f"code cell {i}: `{type(node).__name__}` (move the logic into smk)")
        tags = cell.get("metadata", {}).get("tags", [])
        if "interactive" in tags and "nbval-skip" not in tags:
            problems.append(f"code cell {i}: tagged `interactive` without `nbval-skip`")
    meta = nb.metadata.get("smk", {}) or {}
    # Every text a reader sees comes from smk/texts through ctx.say / ctx.heading in cells whose
    # input is hidden, so an analyst reads one language; the title is a catalogue key too.
    title = meta.get("title")
    if not isinstance(title, str):
        problems.append("metadata smk.title must be a catalogue key (e.g. \"sla.title\")")
    else:
        missing = [lang for lang in texts.LANGS if not texts.has(title, lang)]
        if missing:
            problems.append(f"metadata smk.title {title!r} is not in the {', '.join(missing)} catalogue")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            problems.append(f"cell {i}: markdown (texts come from the catalogue: ctx.say / ctx.heading)")
        elif cell.cell_type == "code" and _is_narrative(cell.source) and not cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
            problems.append(f"cell {i}: a narrative cell (ctx.say / ctx.heading only) must hide its input "
                            "(metadata jupyter.source_hidden: true)")
    cost = meta.get("cost", 1.0)
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost <= 0:
        problems.append("metadata smk.cost must be a positive number (relative run time)")
    requires = meta.get("requires", [])
    if not isinstance(requires, list):
        problems.append("metadata smk.requires must be a list of capabilities")
    else:
        bad = [r for r in requires if r not in capability_names()]
        if bad:
            problems.append(f"metadata smk.requires names unknown capabilities: {', '.join(bad)}")
    return problems


def _is_narrative(src: str) -> bool:
    """A cell made only of ``ctx.say(...)`` / ``ctx.heading(...)`` calls."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return False
    return bool(tree.body) and all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute)
        and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id == "ctx"
        and s.value.func.attr in ("say", "heading") for s in tree.body)


def _strip_magics(src: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def warm_up() -> None:
    """Imports a notebook worker needs (run in each worker while the client loads)."""
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401


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


# --- kernel environment ----------------------------------------------------------------------

def kernel_env(base: Path | None = None) -> dict[str, str]:
    """Environment variables that make kernel runs repeatable: HOME, IPYTHONDIR, MPLCONFIGDIR and
    the JUPYTER_* folders under ``.cache/kernel-env`` of the project (kept out of git), a fixed hash
    seed, UTC, and ``SMK_BATCH=1`` (notebooks then know they run unattended: no widgets)."""
    base = Path(base) if base else PROJECT_ROOT / ".cache" / "kernel-env"
    dirs = {
        "HOME": base / "home",
        "IPYTHONDIR": base / "ipython",
        "MPLCONFIGDIR": base / "matplotlib",
        "JUPYTER_CONFIG_DIR": base / "jupyter" / "config",
        "JUPYTER_DATA_DIR": base / "jupyter" / "data",
        "JUPYTER_RUNTIME_DIR": base / "jupyter" / "runtime",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env = {k: str(v) for k, v in dirs.items()}
    env.update({
        "PYTHONHASHSEED": "0",
        "TZ": "UTC",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        BATCH_ENV: "1",
        # kernels run side by side on few cores: multi-threaded BLAS only oversubscribes them
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    })
    return env


@contextlib.contextmanager
def patched_env(env: dict[str, str]) -> Iterator[None]:
    """Temporarily set environment variables (kernels inherit them)."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# --- export ----------------------------------------------------------------------------------

def export_html(nb: nbformat.NotebookNode, path: Path, *, lang: str, title: str, client: str,
                period_label: str, notebook: str) -> Path:
    """Write the client-facing HTML of an executed notebook: no code, no prompts, ``interactive``
    and ``parameters`` cells removed, stderr dropped, offline (the narrative is the output of
    ``ctx.heading``/``ctx.say`` in the report's language).
    Our parts of the page (head, navigation bar) are rendered by the autoescaped templates
    page_head / page_nav; nbconvert inserts them as they are."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(TEMPLATES_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.language_code = lang
    remover = TagRemovePreprocessor(
        remove_cell_tags={"interactive", "parameters", "injected-parameters", "smk-hide"},
        remove_all_outputs_tags={"smk-hide-output"},
        enabled=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    resources = {"smk": {
        "head": render("page_head.html.j2", notebook=notebook, css=css()),
        "nav": render("page_nav.html.j2", back=texts.t("report.page.back", lang), client=client, period_label=period_label),
    }}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    path.write_text(body, encoding="utf-8")
    return path


# --- execution (one notebook, in a worker process) -------------------------------------------

@dataclass
class Task:
    """Everything a worker needs (picklable)."""

    spec: NotebookSpec
    client_dir: str
    period: str
    lang: str
    output_dir: str
    client_name: str
    period_label: str
    env: dict[str, str]
    timeout: int | None = None
    final_dir: str = ""  # where the report ends up (output_dir is the run's staging folder inside it)


@dataclass
class Result:
    id: str
    name: str
    status: str  # ok | failed | not_enough_data
    seconds: float = 0.0
    html: str | None = None
    ipynb: str | None = None
    cell: int | None = None  # index of the failing cell in the executed notebook
    exec_count: int | None = None
    error: str = ""  # "KeyError: 'x'"
    source: str = ""  # the failing line of the cell (else its first line)
    line: int | None = None  # line number in the cell, when the traceback says
    missing: tuple[str, ...] = ()

    def describe_error(self) -> str:
        if self.status != "failed":
            return ""
        where = f"cell {self.cell}" if self.cell is not None else "before the first cell"
        if self.exec_count is not None:
            where += f" (In [{self.exec_count}])"
        if self.line is not None:
            where += f", line {self.line}"
        src = f" `{self.source}`" if self.source else ""
        return f"{self.name}: {where}{src}: {self.error}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failing_line(source: str, tb: list[str]) -> tuple[int | None, str]:
    """The line of the cell where the error happened (IPython tracebacks say ``Cell In[5], line 3``;
    the first such frame is the cell itself), else the cell's first line."""
    text = _ANSI.sub("", "\n".join(tb))
    lines = source.splitlines()
    hits = [int(n) for n in re.findall(r"Cell In\[\d+\], line (\d+)", text)]
    if hits and 1 <= hits[0] <= len(lines):
        return hits[0], lines[hits[0] - 1].strip()[:120]
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    return None, first[:120]


def _without_interactive(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if "interactive" not in c.get("metadata", {}).get("tags", [])]
    return nb


def execute_task(task: Task) -> Result:
    """Execute one notebook with papermill and export its HTML; never raises."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    spec = task.spec
    out_dir = Path(task.output_dir)
    ipynb = out_dir / f"{spec.name}.ipynb"
    html_path = out_dir / f"{spec.name}.html"
    (out_dir / f"{spec.id}.headlines.json").unlink(missing_ok=True)
    html_path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    result = Result(id=spec.id, name=spec.name, status="ok", ipynb=ipynb.name)
    nb = _without_interactive(nbformat.read(spec.path, as_version=4))
    params = {"client_dir": task.client_dir, "period": task.period, "lang": task.lang, "output_dir": task.output_dir}
    try:
        with patched_env(task.env):
            executed = pm.execute_notebook(nb, str(ipynb), parameters=params, cwd=str(PROJECT_ROOT),
                                           kernel_name=KERNEL_NAME, progress_bar=False, log_output=False,
                                           execution_timeout=task.timeout, extra_arguments=list(KERNEL_ARGS))
    except PapermillExecutionError as exc:
        _name_final_dir(ipynb, task)
        result.status = "failed"
        result.cell = exc.cell_index
        result.exec_count = exc.exec_count
        result.error = f"{exc.ename}: {exc.evalue}"
        result.line, result.source = _failing_line(exc.source or "", exc.traceback or [])
    except Exception as exc:  # kernel died, timeout, bad notebook: report, do not stop the others
        result.status = "failed"
        result.error = f"{type(exc).__name__}: {exc}".strip()
        result.source = traceback.format_exception_only(type(exc), exc)[-1].strip()[:120]
    else:
        _name_final_dir(ipynb, task)
        try:
            export_html(executed, html_path, lang=task.lang, title=spec.title_in(task.lang),
                        client=task.client_name, period_label=task.period_label, notebook=spec.name)
            result.html = html_path.name
        except Exception as exc:  # export problems are failures of that notebook too
            result.status = "failed"
            result.error = f"HTML export: {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - t0
    return result


def _name_final_dir(ipynb: Path, task: Task) -> None:
    """The executed copy names the report folder, not the run's staging folder inside it, in its
    injected parameters (papermill wrote what the kernel was given)."""
    if not task.final_dir or task.final_dir == task.output_dir or not ipynb.exists():
        return
    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = cell.source.replace(repr(task.output_dir), repr(task.final_dir)).replace(
                json.dumps(task.output_dir), json.dumps(task.final_dir))
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    if params.get("output_dir") == task.output_dir:
        params["output_dir"] = task.final_dir
    nbformat.write(nb, ipynb)


def not_enough_task(task: Task, missing: list[str]) -> Result:
    """Write the "not enough data" page of a notebook whose requirements are not met (no execution)."""
    spec = task.spec
    out_dir = Path(task.output_dir)
    title = spec.title_in(task.lang)
    note = not_enough_data(missing, task.lang)
    heading = text_html(title, tag="h1")
    nb = nbformat.v4.new_notebook()
    nb.metadata["smk"] = {"skipped": True, "missing": list(missing)}
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": heading.html, "text/plain": heading.text}),
        nbformat.v4.new_output("display_data", data={"text/html": note.html, "text/plain": note.text})])]
    html_path = out_dir / f"{spec.name}.html"
    export_html(nb, html_path, lang=task.lang, title=title, client=task.client_name,
                period_label=task.period_label, notebook=spec.name)
    return Result(id=spec.id, name=spec.name, status="not_enough_data", html=html_path.name, missing=tuple(missing))


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
        publish(stage, out, specs)
        for line in _summary_lines(specs, results):
            print(line)
        print(f"report: {out / 'index.html'}  ({time.perf_counter() - t_start:.1f} s)")
        failed = [results[s.id] for s in specs if results[s.id].status == "failed"]
        for r in failed:
            print(f"error: {r.describe_error()}; partial executed copy: {out / r.name}.ipynb", file=sys.stderr)
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

