"""The layers of smk/ stay visible: import-linter's contracts (pyproject.toml) hold, no module imports
another module's private names, and the catalogue-free layers (io, client, analyses) carry no
language, HTML or plotting."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMK = ROOT / "smk"


def _modules():
    for path in sorted(SMK.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        yield name, path, ast.parse(path.read_text(encoding="utf-8"))


def test_import_contracts_hold():
    """``lint-imports`` with the contracts of pyproject.toml (layers, no circles between siblings)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_no_private_names_imported_across_modules():
    offenders = []
    for name, path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("smk"):
                for alias in node.names:
                    if alias.name.startswith("_") and node.module != name:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{alias.name}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("layer", ["io", "client", "analyses"])
def test_lower_layers_do_not_present(layer):
    """Compute layers import no matplotlib/seaborn/IPython/ipywidgets/jinja2 and hold no
    ``{"en": …, "es": …}`` text pairs or ``lang ==`` branches: texts live in smk/texts."""
    offenders = []
    banned = ("matplotlib", "seaborn", "IPython", "ipywidgets", "jinja2", "smk.views", "smk.report")
    for name, path, tree in _modules():
        if not name.startswith(f"smk.{layer}"):
            continue
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for m in mods:
                if m.startswith(banned):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {m}")
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if {"en", "es"} <= keys:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} has an en/es text pair")
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "lang":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} branches on lang")
    assert not offenders, "\n".join(offenders)
