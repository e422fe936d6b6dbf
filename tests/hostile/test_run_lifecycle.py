"""Hostile runs of `smk run` (issue 17, items 3 and 12, and the "also" list): the pickled client
snapshot lives in a private temporary folder of its run and is gone however the run ends (also
SIGTERM and Ctrl-C); a second run into the same folder is refused; an interrupted re-run leaves the
previous report whole (index and every page it links to); Ctrl-C ends with one line and exit 130,
SIGTERM with one line and exit 143, no traceback; a clean run prints only its progress and summary.

Runs go through `python -m smk run` in a subprocess on a tiny client with planted notebooks; one
notebook sleeps when SMK_TEST_SLEEP is set, so a signal can arrive while the kernels work.
"""
from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from smk.cli import main
from smk.report import PROJECT_ROOT
from smk.run import runner

PARAMS = ('client_dir = "data/demo"  # client folder\n'
          'period = ""  # YYYY-MM\n'
          'lang = "en"  # es or en\n'
          'output_dir = ""  # report folder')
SETUP = ("import os, time\nimport smk.report\n"
         "ctx = smk.report.setup(client_dir=client_dir, period=period, lang=lang, output_dir=output_dir)")


def planted(folder: Path, n: int = 2) -> Path:
    """``n`` notebooks that show the leads table and save a headline; each sleeps SMK_TEST_SLEEP seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        params = new_code_cell(PARAMS)
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(cells=[
            params,
            new_code_cell(SETUP),
            new_code_cell('time.sleep(float(os.environ.get("SMK_TEST_SLEEP", "0")))'),
            new_code_cell("ctx.table(ctx.client.leads[['lead_id', 'owner']])"),
            new_code_cell(f'ctx.save_headlines("0{i}", [ctx.headline("quality.headline.leads_read", len(ctx.client.leads), "int")])'),
        ])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["smk"] = {"requires": ["leads"], "title": "quality.title"}
        nbformat.write(nb, folder / f"0{i}_planted.ipynb")
    return folder


def tiny_client(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.yml").write_text(
        "name: Tiny Co\ncurrency: EUR\nlang: en\ntimezone: Europe/Madrid\n"
        "tables:\n  leads:\n    file: leads.csv\n", encoding="utf-8")
    (folder / "leads.csv").write_text(
        "lead_id,created_at,owner,email\n"
        "L1,2026-01-05 10:00,ana,a@x.com\n"
        "L2,2026-01-06 11:00,luis,b@y.com\n"
        "L3,2026-02-10 09:00,ana,\n", encoding="utf-8")
    return folder


@pytest.fixture
def setting(tmp_path):
    tmp = tmp_path / "tmp"  # the runs' temporary folder (TMPDIR), to see what they leave there
    tmp.mkdir()
    return {"client": tiny_client(tmp_path / "tiny"), "notebooks": planted(tmp_path / "nbs"),
            "out": tmp_path / "report", "tmp": tmp}


def command(s: dict, *extra: str) -> list[str]:
    return [sys.executable, "-m", "smk", "run", str(s["client"]), "--notebooks", str(s["notebooks"]),
            "--out", str(s["out"]), "--no-progress", *extra]


def environment(s: dict, sleep: float = 0) -> dict:
    env = {**os.environ, "TMPDIR": str(s["tmp"]), "SMK_TEST_SLEEP": str(sleep)}
    env.pop("PYTEST_ADDOPTS", None)
    return env


def wait_for(check, timeout: float = 180, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def snapshots(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("smk-run-*"))


def kernels_started(s: dict, n: int) -> bool:
    """Every planted notebook has started (papermill wrote its executed copy into the staging folder)."""
    return len(list(s["out"].glob(f"{runner.STAGING_PREFIX}*/0*_planted.ipynb"))) >= n


def interrupted_run(s: dict, sig: int, jobs: str = "2") -> tuple[subprocess.CompletedProcess, list]:
    """Start a run whose notebooks sleep, send ``sig`` once both kernels work, return the finished
    process and the processes it had started (workers, kernels)."""
    proc = subprocess.Popen(command(s, "--jobs", jobs), env=environment(s, sleep=120), cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: kernels_started(s, 2 if jobs != "1" else 1) or proc.poll() is not None, what="the kernels")
        assert proc.poll() is None, proc.communicate()
        snap = snapshots(s["tmp"])
        assert len(snap) == 1 and (snap[0] / "client.pkl").exists()
        children = psutil.Process(proc.pid).children(recursive=True)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C: the whole foreground group
        else:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), children


def gone(procs: list) -> bool:
    return not [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


# --- the snapshot ----------------------------------------------------------------------------------

def test_the_snapshot_is_private_to_its_run_and_removed_after_it(setting, monkeypatch):
    seen = {}
    real = runner.save_snapshot

    def spy(client, path):
        p = real(client, path)
        seen["path"], seen["mode"] = p, stat.S_IMODE(p.parent.stat().st_mode)
        return p

    monkeypatch.setattr(runner, "save_snapshot", spy)
    monkeypatch.setattr("tempfile.tempdir", str(setting["tmp"]))
    assert main(command(setting, "--jobs", "1")[3:]) == 0
    path = seen["path"]
    assert not path.is_relative_to(setting["out"])  # never beside the report
    assert path.parent.parent == setting["tmp"] and path.parent.name.startswith("smk-run-")
    assert seen["mode"] == 0o700  # only this user can read the client's data
    assert not path.parent.exists() and snapshots(setting["tmp"]) == []
    assert sorted(p.name for p in setting["out"].iterdir()) == [
        "01.headlines.json", "01_planted.html", "01_planted.ipynb", "02.headlines.json", "02_planted.html",
        "02_planted.ipynb", "data_quality_ledger.csv", "index.html", "run.json"]
    # the executed copies name the report folder, not the staging folder the kernels wrote into
    executed = nbformat.read(setting["out"] / "01_planted.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'output_dir = "{setting["out"]}"' in injected.source
    assert executed.metadata["papermill"]["parameters"]["output_dir"] == str(setting["out"])


def test_the_snapshot_is_removed_when_the_run_fails_before_the_notebooks(setting, monkeypatch, capsys):
    monkeypatch.setattr("tempfile.tempdir", str(setting["tmp"]))
    monkeypatch.setattr(runner, "release_memory", lambda: (_ for _ in ()).throw(RuntimeError("planted")))
    with pytest.raises(RuntimeError, match="planted"):
        main(command(setting, "--jobs", "2")[3:])
    assert snapshots(setting["tmp"]) == []
    assert [p.name for p in setting["out"].iterdir()] == []  # no staging folder, no lock left


def test_sigterm_removes_the_snapshot_ends_the_kernels_and_says_one_line(setting):
    done, children = interrupted_run(setting, signal.SIGTERM)
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip().splitlines() == [f"smk run: stopped ({setting['out']} is as it was before this run)"]
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert snapshots(setting["tmp"]) == []
    assert list(setting["out"].iterdir()) == []  # nothing half-written, no lock, no staging folder
    wait_for(lambda: gone(children), timeout=30, what="the workers and kernels to end")


def test_ctrl_c_ends_with_one_line_and_exit_130(setting):
    done, children = interrupted_run(setting, signal.SIGINT)
    assert done.returncode == 130, done.stderr
    # no traceback from the main process or the workers, no "KeyboardInterrupt caught in kernel"
    assert done.stderr.strip().splitlines() == [f"smk run: interrupted ({setting['out']} is as it was before this run)"]
    assert snapshots(setting["tmp"]) == []
    wait_for(lambda: gone(children), timeout=30, what="the workers and kernels to end")


# --- one run per folder; an interrupted re-run changes nothing ---------------------------------------

def test_a_second_run_into_the_same_folder_is_refused_with_a_clear_message(setting, capsys):
    with runner.run_lock(setting["out"]):
        code = main(command(setting, "--jobs", "1")[3:])
        err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (f"error: another `smk run` (process {os.getpid()}) is writing into {setting['out']}; "
                           "wait for it to finish, or choose another folder with --out")
    assert not (setting["out"] / "index.html").exists()
    # once the first run is over, the folder is free again (and the lock file is gone)
    assert not (setting["out"] / runner.LOCK_NAME).exists()
    assert main(command(setting, "--jobs", "1")[3:]) == 0


def test_an_interrupted_rerun_leaves_the_previous_report_whole(setting):
    first = subprocess.run(command(setting, "--jobs", "2"), env=environment(setting), cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in setting["out"].iterdir()}
    done, _ = interrupted_run(setting, signal.SIGTERM)
    assert done.returncode == 143, done.stderr
    after = {p.name: p.read_bytes() for p in setting["out"].iterdir()}
    assert after == before  # same files, same bytes
    index = (setting["out"] / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)"', index)
    assert links and all((setting["out"] / link).exists() for link in links)


def test_a_rerun_replaces_the_pages_and_drops_what_no_longer_applies(setting, tmp_path):
    assert main(command(setting, "--jobs", "1")[3:]) == 0
    # the second notebook now needs web traffic, which the client lacks: no executed copy, no headlines
    nb = nbformat.read(setting["notebooks"] / "02_planted.ipynb", as_version=4)
    nb.metadata["smk"]["requires"] = ["leads", "web_traffic"]
    nbformat.write(nb, setting["notebooks"] / "02_planted.ipynb")
    (setting["out"] / "notes.txt").write_text("the consultant's own file", encoding="utf-8")
    assert main(command(setting, "--jobs", "1")[3:]) == 0
    names = sorted(p.name for p in setting["out"].iterdir())
    assert names == ["01.headlines.json", "01_planted.html", "01_planted.ipynb", "02_planted.html",
                     "data_quality_ledger.csv", "index.html", "notes.txt", "run.json"]
    assert "web traffic by channel" in (setting["out"] / "02_planted.html").read_text(encoding="utf-8")


# --- a clean run is quiet ------------------------------------------------------------------------------

def test_a_clean_run_prints_only_its_summary(setting):
    done = subprocess.run(command(setting, "--jobs", "2"), env=environment(setting), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0
    # no kernel log (TCP-encryption warning, "KeyboardInterrupt caught in kernel"), no warnings
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"notebook\s+status\s+time\s+detail", lines[0])
    assert re.fullmatch(r"01_planted\s+ok\s+[\d.]+ s\s+01_planted\.html", lines[1])
    assert re.fullmatch(r"02_planted\s+ok\s+[\d.]+ s\s+02_planted\.html", lines[2])
    assert re.fullmatch(rf"report: {re.escape(str(setting['out'] / 'index.html'))}  \([\d.]+ s\)", lines[3])
    assert len(lines) == 4
