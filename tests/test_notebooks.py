"""Every notebook of notebooks/ follows the conventions of docs/architecture.md and stores clean
outputs from a refresh. nbval itself (re-executing each notebook on the demo client and comparing
with the stored outputs, sanitizers in tests/nbval_sanitize.cfg) runs in the same pytest session:
``python3 tasks.py test`` passes ``--nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg``
(one notebook alone: ``smk.run.runner.nbval_command([path])``). Running it here as well would execute
every notebook twice.

Refresh stored outputs deliberately with ``smk refresh`` (= ``python3 tasks.py refresh``).
"""
from __future__ import annotations

import configparser
import re

import nbformat
import pytest

from smk.run import runner
from smk.report import PROJECT_ROOT

NOTEBOOKS = sorted(p for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_there_are_notebooks_and_they_are_named_nn_name():
    assert NOTEBOOKS, "notebooks/ is empty"
    bad = [p.name for p in NOTEBOOKS if not runner.NOTEBOOK_RE.match(p.name)]
    assert not bad, f"not NN_name.ipynb: {bad}"
    assert "00_data_quality.ipynb" in [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_follows_the_conventions(path):
    assert runner.check_notebook(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_outputs_come_from_a_clean_refresh(path):
    """Stored outputs exist (nbval has something to compare), carry no error, no papermill
    injection and no per-run metadata (timings would churn every diff)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        tags = cell.metadata.get("tags", [])
        assert "injected-parameters" not in tags, f"cell {i}: papermill's injected parameters stored"
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata, f"cell {i}: run metadata stored"
        if "interactive" in tags:
            continue
        assert cell.execution_count is not None, f"code cell {i} was not executed: run `smk refresh`"
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], f"code cell {i} stored an error"
    counts = [c.execution_count for c in code if c.execution_count is not None]
    assert counts == list(range(1, len(counts) + 1)), "cells were not executed in order, once: run `smk refresh`"


def test_every_sanitizer_says_why_it_exists():
    text = (PROJECT_ROOT / "tests" / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    cfg = configparser.ConfigParser()
    cfg.read_string(text)
    assert cfg.sections()
    lines = text.splitlines()
    for section in cfg.sections():
        assert set(cfg[section]) == {"regex", "replace"}, section
        re.compile(cfg[section]["regex"])
        # the comment above a section (possibly shared by consecutive sections) explains it
        i = lines.index(f"[{section}]") - 1
        while i >= 0 and not lines[i].startswith("#"):
            assert lines[i].startswith(("[", "regex:", "replace:")), f"[{section}] has no comment above it"
            i -= 1
        assert i >= 0 and lines[i].startswith("#"), f"[{section}] has no comment above it"
