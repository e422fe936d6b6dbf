"""Set-up promises: pyproject and environment.yml agree; CI runs exactly the README's test command."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_agree():
    pp = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in pp["dependencies"] + pp["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted
    pips = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pips  # the package itself, editable (CCDS)


def test_users_expected_packages_are_dependencies():
    pp = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in pp["dependencies"] + pp["optional-dependencies"]["test"]}
    assert {"jupyterlab", "pandas", "seaborn", "statsmodels", "ipywidgets", "papermill", "nbval", "pytest"} <= names


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^(python3 tasks\.py \w+)", readme, flags=re.M)
    assert "python3 tasks.py demo" in commands and "python3 tasks.py test" in commands
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
                if ln.strip() and not ln.startswith("#") and not ln.startswith(("set ", "cd "))]
    assert ci_lines == ["python3 tasks.py test"]


def test_constraints_pin_what_pyproject_allows():
    pins = dict(ln.split("==") for ln in (ROOT / "constraints.txt").read_text().splitlines()
                if ln and not ln.startswith("#"))
    assert pins["pandas"].startswith("3.") and pins["papermill"] and pins["nbval"]


def test_no_client_data_tracked():
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    data_files = [f for f in files if re.search(r"\.(csv|tsv|xlsx|xls|parquet)$", f)]
    assert all(f.startswith(("data/demo/", "tests/")) for f in data_files), data_files
    assert not any(f.startswith("reports/") and f != "reports/.gitkeep" for f in files)
