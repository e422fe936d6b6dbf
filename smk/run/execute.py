"""One notebook run: the kernel's fixed environment, papermill execution in a worker process, the
client-facing HTML page (nbconvert), and the "not enough data" page of a notebook that is not run."""
from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import nbformat

from smk import texts
from smk.report import BATCH_ENV, PROJECT_ROOT
from smk.report.index import TEMPLATES_DIR, css
from smk.run.notebooks import NotebookSpec
from smk.views.html import not_enough_data, render, text_html

REPORT_TEMPLATE = "smk_report"
KERNEL_NAME = "python3"
#: The kernel's own log is noise for a consultant: "Kernel is running over TCP without encryption"
#: (a warning) on every start, and "KeyboardInterrupt caught in kernel" (an error) when the kernel
#: manager interrupts it while shutting it down at the end of a notebook. Cell errors reach us as
#: messages, not through this log.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]


def warm_up() -> None:
    """Imports a notebook worker needs (run in each worker while the client loads)."""
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401


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


def failing_line(source: str, tb: list[str]) -> tuple[int | None, str]:
    """The line of the cell where the error happened (IPython tracebacks say ``Cell In[5], line 3``;
    the first such frame is the cell itself), else the cell's first line."""
    text = _ANSI.sub("", "\n".join(tb))
    lines = source.splitlines()
    hits = [int(n) for n in re.findall(r"Cell In\[\d+\], line (\d+)", text)]
    if hits and 1 <= hits[0] <= len(lines):
        return hits[0], lines[hits[0] - 1].strip()[:120]
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    return None, first[:120]


def without_interactive(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
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
    nb = without_interactive(nbformat.read(spec.path, as_version=4))
    params = {"client_dir": task.client_dir, "period": task.period, "lang": task.lang, "output_dir": task.output_dir}
    try:
        with patched_env(task.env):
            executed = pm.execute_notebook(nb, str(ipynb), parameters=params, cwd=str(PROJECT_ROOT),
                                           kernel_name=KERNEL_NAME, progress_bar=False, log_output=False,
                                           execution_timeout=task.timeout, extra_arguments=list(KERNEL_ARGS))
    except PapermillExecutionError as exc:
        name_final_dir(ipynb, task)
        result.status = "failed"
        result.cell = exc.cell_index
        result.exec_count = exc.exec_count
        result.error = f"{exc.ename}: {exc.evalue}"
        result.line, result.source = failing_line(exc.source or "", exc.traceback or [])
    except Exception as exc:  # kernel died, timeout, bad notebook: report, do not stop the others
        result.status = "failed"
        result.error = f"{type(exc).__name__}: {exc}".strip()
        result.source = traceback.format_exception_only(type(exc), exc)[-1].strip()[:120]
    else:
        name_final_dir(ipynb, task)
        try:
            export_html(executed, html_path, lang=task.lang, title=spec.title_in(task.lang),
                        client=task.client_name, period_label=task.period_label, notebook=spec.name)
            result.html = html_path.name
        except Exception as exc:  # export problems are failures of that notebook too
            result.status = "failed"
            result.error = f"HTML export: {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - t0
    return result


def name_final_dir(ipynb: Path, task: Task) -> None:
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


__all__ = ["KERNEL_ARGS", "KERNEL_NAME", "REPORT_TEMPLATE", "Result", "Task", "execute_task", "export_html",
           "failing_line", "kernel_env", "name_final_dir", "not_enough_task", "patched_env", "warm_up",
           "without_interactive"]
