"""The benchmark runs at a small size (so it cannot rot). It prints figures; nothing here is timed."""
import json

from smk.cli import main


def test_bench_small(tmp_path, capsys):
    rc = main(["bench", "--sizes", "300,600", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "raw read floor (pyarrow)" in out and "load + validate" in out and "scaling of load + validate" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["leads"] for r in results] == [300, 600]
    for r in results:
        assert r["load_validate"]["rc"] == 0
        assert r["floor"]["rows"] > r["leads"]  # every table read, not only leads
        assert r["load_validate"]["peak_mib"] > 0 and r["load_validate"]["seconds"] > 0
