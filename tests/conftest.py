"""Shared fixtures: tiny clients written to disk the way CRMs export them."""
from __future__ import annotations

import os

# One BLAS thread per process: on this 2-core machine, pytest-xdist already runs 2 workers, and
# multi-threaded BLAS made statsmodels fits ~30x slower through oversubscription. Must precede numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import tempfile  # noqa: E402
import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = (ROOT.parent / "shared" / "datasets").resolve()


def write_client(folder: Path, yml: str, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.yml").write_text(textwrap.dedent(yml), encoding="utf-8")
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def make_client(tmp_path):
    """make_client(yml, {filename: content}) -> client folder."""
    counter = {"n": 0}

    def _make(yml: str, files: dict[str, str | bytes]) -> Path:
        counter["n"] += 1
        return write_client(tmp_path / f"client{counter['n']}", yml, files)

    return _make


def require_dataset(name: str) -> Path:
    """Real public dataset folder, or skip with a printed reason when ../shared/datasets is absent."""
    path = SHARED_DATASETS / name
    if not path.exists():
        reason = f"real dataset {path} is absent (../shared/datasets is not beside the project)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    return path


def title_of(ax) -> str:
    """The axes' title wherever the theme puts it (smk.views.theme sets axes.titlelocation = left)."""
    return " ".join(t for t in (ax.get_title(loc=loc) for loc in ("left", "center", "right")) if t)


def run_notebook_cells(notebook, client, monkeypatch, *, period: str = "", lang: str = "en",
                       output_dir=None) -> dict:
    """Execute a notebook's code cells in-process on ``client`` (smk.report.setup patched to use it),
    as a kernel in a report run would (interactive cells left out), and return the namespace: its
    ``ctx.shown`` is everything the cells displayed through the context. ``notebook`` is a path or a
    file name under notebooks/."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat

    import smk.report

    path = Path(notebook) if Path(notebook).is_absolute() else ROOT / "notebooks" / notebook
    out = Path(output_dir) if output_dir is not None else Path(tempfile.mkdtemp(prefix="smk-cells-"))
    real = smk.report.setup
    monkeypatch.setattr(smk.report, "setup", lambda **kw: real(
        client_dir=out, period=period, lang=lang, output_dir=out, client=client, apply_theme=False))
    ns: dict = {}
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "interactive" not in cell.metadata.get("tags", []):
                exec(compile(cell.source, f"<{path.name}>", "exec"), ns)
    finally:
        plt.close("all")
    return ns
