"""The smallest client the data model allows (leads only, five rows) runs end to end: each notebook
either runs or says what it needs, never crashes."""
import json

from smk.cli import main


def test_leads_only_client_runs_or_explains(make_client, tmp_path):
    folder = make_client("name: Tiny\ntimezone: UTC\ntables:\n  leads:\n    file: l.csv\n",
                         {"l.csv": "lead_id,created_at,status,channel\n1,2026-01-01,won,a\n2,2026-01-05,lost,a\n"
                                   "3,2026-02-01,open,b\n4,2026-02-10,won,b\n5,2026-03-01,open,a\n"})
    out = tmp_path / "report"
    rc = main(["run", str(folder), "--out", str(out), "--jobs", "2", "--no-progress"])
    nbs = {nb["id"]: nb for nb in json.loads((out / "run.json").read_text(encoding="utf-8"))["notebooks"]}
    assert rc == 0, {k: v.get("error") for k, v in nbs.items()}
    assert {k: v["status"] for k, v in nbs.items()} == {
        "00": "ok", "01": "not_enough_data", "02": "ok", "03": "ok", "04": "not_enough_data",
        "05": "not_enough_data", "06": "ok"}
    assert nbs["04"]["missing"] == ["revenue", "attempts"] and nbs["01"]["missing"] == ["survey"]
    assert "not enough data" in (out / "05_contact_attempts.html").read_text(encoding="utf-8").lower()
    assert not (out / ".smk-client.pkl").exists()  # the loaded-client snapshot never stays beside the report


def test_snapshot_is_only_used_for_its_own_client(make_client, tmp_path):
    import smk
    from smk.client.loader import load_snapshot, save_snapshot

    yml = "name: Snap\ntimezone: UTC\ntables:\n  leads:\n    file: l.csv\n"
    a = make_client(yml, {"l.csv": "lead_id,created_at\n1,2026-01-01\n"})
    b = make_client(yml, {"l.csv": "lead_id,created_at\n2,2026-01-02\n"})
    snap = save_snapshot(smk.load_client(a), tmp_path / "s.pkl")
    assert load_snapshot(snap, a).leads["lead_id"].tolist() == ["1"]
    assert load_snapshot(snap, b) is None and load_snapshot(tmp_path / "missing.pkl", a) is None
