"""`smk init` on hostile exports (issue 17, item 11): a value or a header holding a character YAML
takes for a line break (U+0085 NEXT LINE, U+2028/U+2029) or a control character still gives a
client.yml that reads back, as the same text."""
from __future__ import annotations

import pytest
import yaml

from smk.io.config import load_config
from smk.run.init import init_client, q

HOSTILE = ["a\u0085b", "x\u2028y", "p\u2029q", "tab\there", "bell\x07", "c1\x9b", "bom\ufeff", "#not a comment",
           "key: value", "yes", "No", "-1", "'quoted'", '"double"', "é ñ", "multi\nline", ""]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_scalar_reads_back_as_the_same_text(text):
    assert yaml.safe_load(f"k: {q(text)}   # comment")["k"] == text


def test_init_writes_a_client_yml_that_loads_when_the_export_holds_line_break_characters(tmp_path):
    (tmp_path / "leads.csv").write_text(
        "Record Id,Created Date,Lead Owner,Lead Status,Lead Source,Notes\u0085Field\n"
        "L1,2026-01-05,ana,Won,Web\u2028site,a\n"
        "L2,2026-01-06,luis,Lost,Email\u0085,b\n"
        "L3,2026-01-07,ana,Open,Web,c\n", encoding="utf-8")
    _, path = init_client(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert not set(text) & {"\u0085", "\u2028", "\u2029"}
    assert "Web\\u2028site" in text  # the value under review is still legible in its comment
    cfg = load_config(tmp_path)
    assert cfg.tables["leads"].columns["lead_id"] == "Record Id"
