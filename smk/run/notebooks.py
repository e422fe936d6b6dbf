"""The playbook's notebooks: ``notebooks/NN_name.ipynb`` found, selected and read (metadata
``smk.title`` / ``requires`` / ``cost``), and their conventions checked (docs/architecture.md)."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from smk import texts
from smk.errors import ConfigError
from smk.report import PROJECT_ROOT
from smk.views.html import capability_names

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
NOTEBOOK_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
REQUIRED_PARAMETERS = ("client_dir", "period", "lang", "output_dir")


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
            tree = ast.parse(strip_magics(cell.source))
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
        elif cell.cell_type == "code" and is_narrative(cell.source) and not cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
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


def is_narrative(src: str) -> bool:
    """A cell made only of ``ctx.say(...)`` / ``ctx.heading(...)`` calls."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return False
    return bool(tree.body) and all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute)
        and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id == "ctx"
        and s.value.func.attr in ("say", "heading") for s in tree.body)


def strip_magics(src: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


__all__ = ["NOTEBOOKS_DIR", "NOTEBOOK_RE", "NotebookSpec", "check_notebook", "discover", "is_narrative", "read_spec",
           "select"]
