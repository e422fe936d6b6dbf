"""Every notebook of notebooks/ follows the conventions of docs/architecture.md, stores clean
outputs from a refresh, and runs on awkward clients (leads only, no contact attempts, undated, one
lead, a month without data) without an error, saying "not enough data" where a part is missing.

nbval itself (re-executing each notebook on the demo client and comparing with the stored outputs,
sanitizers in tests/nbval_sanitize.cfg) runs in the same pytest session: pyproject.toml puts
``notebooks`` in ``testpaths`` and ``--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg`` in
``addopts``, so plain ``pytest`` (and ``python3 tasks.py test``) checks them; ``pytest tests/x.py``
still runs just that file (one notebook alone: ``pytest notebooks/04_sla.ipynb``).

Refresh stored outputs deliberately with ``smk refresh`` (= ``python3 tasks.py refresh``).
"""
from __future__ import annotations

import configparser
import copy
import dataclasses
import re
import subprocess
import sys
import tomllib

import matplotlib
import nbformat
import pandas as pd
import pytest
from conftest import run_notebook_cells

from smk.analyses.base import Result, Unavailable
from smk.io.ledger import Ledger
from smk.report import PROJECT_ROOT
from smk.run import runner

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


# --- plain pytest runs nbval -----------------------------------------------------------------------

def test_plain_pytest_checks_the_notebooks_with_nbval():
    ini = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "notebooks" in ini["testpaths"] and "tests" in ini["testpaths"]
    opts = ini["addopts"].split()
    assert "--nbval" in opts and opts[opts.index("--nbval-sanitize-with") + 1] == "tests/nbval_sanitize.cfg"
    # naming a test file still runs just that file: no notebook is collected
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "tests/test_fmt.py"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "test_fmt.py::" in proc.stdout and ".ipynb" not in proc.stdout


# --- every notebook's own cells on awkward clients ---------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    import smk

    return smk.load_client(PROJECT_ROOT / "data" / "demo")


def subset(client, keep_leads: pd.Index, **changes):
    """``client`` with only the leads ``keep_leads`` (and the rows of other tables that point to them)."""
    tables = {}
    for name, df in client.tables.items():
        if name == "leads":
            tables[name] = df[df["lead_id"].isin(keep_leads)].reset_index(drop=True)
        elif "lead_id" in df.columns:
            tables[name] = df[df["lead_id"].isin(keep_leads)].reset_index(drop=True)
        else:
            tables[name] = df
    fields = {"tables": tables, "rows_in": {k: len(v) for k, v in tables.items()}, "_derived": {}}
    fields.update(changes)
    return dataclasses.replace(client, **fields)


def edge_client(demo, kind: str):
    """Small awkward clients made from the demo client (every sixth lead keeps each one quick)."""
    sample = demo.leads["lead_id"].iloc[::6]
    base = subset(demo, sample)
    if kind == "leads_only":
        return dataclasses.replace(base, tables={"leads": base.leads}, rows_in={"leads": len(base.leads)}, _derived={})
    if kind == "no_contact_attempts":
        tables = {k: v for k, v in base.tables.items() if k != "contact_attempts"}
        tables["leads"] = base.leads.drop(columns=[c for c in ("n_attempts", "n_connects") if c in base.leads])
        return dataclasses.replace(base, tables=tables, rows_in={k: len(v) for k, v in tables.items()}, _derived={})
    if kind == "undated":
        # as the loader gives an undated export: created_at all missing, no other date
        dates = [c for c in base.leads.columns if pd.api.types.is_datetime64_any_dtype(base.leads[c]) and c != "created_at"]
        leads = base.leads.drop(columns=dates).assign(
            created_at=pd.Series(pd.NaT, index=base.leads.index, dtype=base.leads["created_at"].dtype))
        config = copy.deepcopy(base.config)
        config.period = "2026-09"  # no dates: no default month
        config.tables["leads"].undated = True
        return dataclasses.replace(base, tables={"leads": leads}, rows_in={"leads": len(leads)}, config=config,
                                   data_end=pd.NaT, ledger=Ledger(), _derived={})
    if kind == "one_lead":
        won = demo.deals["lead_id"].dropna().iloc[0] if demo.deals is not None else demo.leads["lead_id"].iloc[0]
        return subset(demo, pd.Index([won]))
    if kind == "empty_month":
        return base
    raise ValueError(kind)


EDGES = {"leads_only": "2026-09", "no_contact_attempts": "2026-09", "undated": "2026-09", "one_lead": "2026-09",
         "empty_month": "2024-01"}
SHOW_RE = re.compile(r"ctx\.show\((\w+),\s*[\"'](\w+)[\"']")


def run_cells(path, client, period, lang, tmp_path, monkeypatch) -> dict:
    """The notebook's code cells in-process on ``client`` (conftest.run_notebook_cells); the namespace."""
    return run_notebook_cells(path, client, monkeypatch, period=period, lang=lang, output_dir=tmp_path / "out")


#: Known failures, each with its reason (strict: the test says when one is fixed).
KNOWN: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("kind", sorted(EDGES))
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_on_an_awkward_client_and_says_what_is_missing(path, kind, demo, tmp_path, monkeypatch, request):
    if (path.stem, kind) in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[(path.stem, kind)], strict=True))
    matplotlib.use("Agg")
    client = edge_client(demo, kind)
    lang = "es" if kind in ("undated", "one_lead") else "en"
    ns = run_cells(path, client, EDGES[kind], lang, tmp_path, monkeypatch)
    ctx = ns["ctx"]
    assert (tmp_path / "out" / f"{path.name[:2]}.headlines.json").exists()  # the index tile has its file
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                       if c.cell_type == "code" and "interactive" not in c.metadata.get("tags", []))
    missing = [(name, section) for name, section in SHOW_RE.findall(source)
               if isinstance(ns.get(name), Result) and ns[name].is_missing(section) is not None]
    notes = [x for x in ctx.shown if 'class="smk-note smk-missing"' in getattr(x, "html", "")]
    # one note per missing section shown; an analysis that could not run at all says so once
    by_result: dict[str, set] = {}
    for name, section in missing:
        by_result.setdefault(name, set()).add(section)
    expected = sum(1 if isinstance(ns[name], Unavailable) else len(sections) for name, sections in by_result.items())
    assert len(notes) >= expected, f"{path.name} on {kind}: {missing} are missing, {len(notes)} 'not enough data' notes"
    word = "No hay datos suficientes" if lang == "es" else "Not enough data"
    assert all(word in n.html for n in notes)
