"""Hostile and broken client.yml (issue 17, items 2, 4, 5, 10): typed, every problem at once, no
traceback, no file outside the client folder unless allowed, no resource exhaustion, no content echoed."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import smk
from smk.errors import ConfigError
from smk.io.config import SCHEMA, data_files, load_config, parse_config
from smk.io.yamlfile import MAX_BYTES, MAX_NODES, yaml_scalar

LEADS = "lead_id,created_at\nL1,2025-01-05\nL2,2025-01-06\n"


def write(folder: Path, yml: str | bytes, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.yml").write_bytes(yml if isinstance(yml, bytes) else yml.encode("utf-8"))
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems(yml: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path / "c", yml))
    return getattr(exc.value, "problems", [str(exc.value)])


# --- item 10: wrong types are reported, every one at once --------------------------------------
def test_every_wrong_type_is_reported_at_once_with_what_to_write(tmp_path):
    yml = """
name:
timezone: 5
placeholders: web
marketing: {quota_share: "half"}
analysis: {close_window_days: '90'}
report: {show_pii: 'false'}
tables:
  leads: {file: 3, decimal: x}
  deals: {file: }
"""
    found = problems(yml, tmp_path)
    assert found == [
        "`analysis.close_window_days` must be a whole number, found the text '90'. Write the number without quotes.",
        "`marketing.quota_share` must be a number, found the text 'half'.",
        "`name` must be text, found nothing (the value is empty).",
        "`placeholders` must be a list, found the text 'web'. Write a list: [\"a\", \"b\"], or one '- value' per line.",
        "`report.show_pii` must be true or false, found the text 'false'. Write true or false without quotes.",
        "`tables.deals.file` must be text, found nothing (the value is empty).",
        "`tables.leads.decimal` must be '.' or ',', found the text 'x'.",
        "`tables.leads.file` must be text, found the number 3. Put it in quotes.",
        "`timezone` must be text, found the number 5. Put it in quotes.",
    ]


def test_a_yes_no_value_where_text_is_due_says_to_quote_it(tmp_path):
    found = problems("name: X\ntables:\n  leads:\n    file: l.csv\n    values:\n      status: {Yes: won, No: lost}\n"
                     "placeholders: ['', no]\n", tmp_path)
    assert any("`tables.leads.values.status`: a key was read as true (a yes/no value)" in p and "put the key in quotes" in p
               for p in found)
    assert any(p.startswith("`placeholders[1]` must be text or a number, found false") and "put the text in quotes" in p
               for p in found)


@pytest.mark.parametrize("value, truth", [("false", False), ("true", True), ("no", False), ("yes", True)])
def test_show_pii_is_a_real_boolean(tmp_path, value, truth):
    cfg = load_config(write(tmp_path / "c", f"name: X\nreport: {{show_pii: {value}}}\ntables: {{leads: {{file: l.csv}}}}\n"))
    assert cfg.report.show_pii is truth


@pytest.mark.parametrize("value", ["'false'", '"no"', "0", "1", "'true'"])
def test_show_pii_as_text_or_number_is_refused(tmp_path, value):
    found = problems(f"name: X\nreport: {{show_pii: {value}}}\ntables: {{leads: {{file: l.csv}}}}\n", tmp_path)
    assert len(found) == 1 and found[0].startswith("`report.show_pii` must be true or false")


def test_repeated_keys_are_problems_not_last_wins(tmp_path):
    found = problems("name: A\nname: B\ntables:\n  leads:\n    file: a.csv\n    file: b.csv\n", tmp_path)
    assert found == ["line 2: key 'name' appears twice in the same mapping (first at line 1); keep one.",
                     "line 6: key 'file' appears twice in the same mapping (first at line 5); keep one."]


def test_repeated_keys_and_type_errors_come_together(tmp_path):
    found = problems("name: A\nname: B\nlang: fr\ntables: {leads: {file: a.csv}}\n", tmp_path)
    assert len(found) == 2 and "appears twice" in found[0] and found[1] == "`lang` must be 'es' or 'en', found the text 'fr'."


def test_non_utf8_client_yml_names_the_line(tmp_path):
    folder = write(tmp_path / "c", "name: X\ntables: {leads: {file: l.csv}}\ncurrency: ¥\n".encode("cp1252", "replace")
                   .replace(b"?", b"\xa5"))
    with pytest.raises(ConfigError, match=r"line 3, column 11: byte 0xA5 is not UTF-8 text\. Save client\.yml as UTF-8"):
        load_config(folder)


def test_yaml_syntax_error_names_line_without_quoting_content(tmp_path):
    folder = write(tmp_path / "c", "name: X\ntables: {leads: {file: l.csv}\napi_token: s3cr3t-value\n")
    with pytest.raises(ConfigError) as exc:
        load_config(folder)
    assert "line 3, column 1" in str(exc.value) and "s3cr3t" not in str(exc.value)


def test_python_tags_are_refused(tmp_path):
    folder = write(tmp_path / "c", "name: !!python/object/apply:os.system ['touch pwned']\ntables: {leads: {file: l.csv}}\n")
    with pytest.raises(ConfigError, match="YAML tag"):
        load_config(folder)
    assert not Path("pwned").exists()


def test_preset_names_cannot_walk_out_of_the_presets_folder(tmp_path):
    found = problems("name: X\ntables: {leads: {file: l.csv, preset: ../../../etc/passwd}}\n", tmp_path)
    assert found == ["`tables.leads.preset`: unknown preset '../../../etc/passwd'; available: generic, hubspot, "
                     "salesforce."]


def test_the_schema_is_built_from_the_dataclasses():
    props = SCHEMA["properties"]
    assert props["report"]["properties"]["show_pii"] == {"type": "boolean"}
    assert props["analysis"]["properties"]["close_window_days"]["type"] == "integer"
    assert props["tables"]["properties"]["deals"]["properties"]["decimal"]["enum"] == [".", ","]
    assert props["tables"]["properties"]["leads"]["required"] == ["file"]
    assert props["allow_outside_paths"] == {"type": "boolean"}


# --- item 5: resource exhaustion ----------------------------------------------------------------
def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\nname: X\ntables: {leads: {file: l.csv}}\nplaceholders: *i\n"


def test_alias_bomb_is_refused_before_it_grows(tmp_path):
    text = alias_bomb()
    assert len(text) < 700  # 9**9 = 387 million strings once expanded
    with pytest.raises(ConfigError, match=f"aliases .* expand this file to more than {MAX_NODES:,} values"):
        load_config(write(tmp_path / "c", text))


def test_a_few_aliases_are_fine(tmp_path):
    cfg = load_config(write(tmp_path / "c", "name: X\nplaceholders: &p ['', n/a]\ntables: {leads: {file: l.csv}}\n"
                                          "scoring: {exclude_features: *p}\n"))
    assert cfg.placeholders == ["", "n/a"] and cfg.scoring.exclude_features == ["", "n/a"]


def test_recursive_alias_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="refers to the list or mapping that contains it"):
        load_config(write(tmp_path / "c", "name: X\ntables: {leads: {file: l.csv}}\nplaceholders: &a [x, *a]\n"))


def test_oversized_and_deeply_nested_files_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="client.yml is a small settings file"):
        load_config(write(tmp_path / "big", "name: X\n#" + "x" * MAX_BYTES + "\n"))
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(write(tmp_path / "deep", "name: X\nplaceholders: " + "[" * 50_000 + "]" * 50_000 + "\n"))


def test_client_yml_that_is_not_a_regular_file(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config("/dev/zero")
    (tmp_path / "c" / "client.yml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="client.yml: is a folder; client.yml must be a file"):
        load_config(tmp_path / "c")


def test_export_that_is_a_device_is_refused_before_reading(tmp_path):
    folder = write(tmp_path / "c", "name: X\nallow_outside_paths: true\ntables: {leads: {file: /dev/zero}}\n")
    with pytest.raises(smk.errors.DataError, match="not a regular file"):
        smk.load_client(folder)


# --- item 4: exports stay inside the client folder unless client.yml allows outside paths -------
@pytest.mark.parametrize("file", ["/etc/passwd", "../outside.csv", "sub/../../outside.csv", "/proc/self/environ"])
def test_file_outside_the_client_folder_is_refused_without_reading_it(tmp_path, file):
    (tmp_path / "outside.csv").write_text("SECRET-FIRST-LINE,x\n1,2\n", encoding="utf-8")
    folder = write(tmp_path / "c", f"name: X\ntables: {{leads: {{file: {file!r}}}}}\n")
    with pytest.raises(ConfigError) as exc:
        smk.load_client(folder)
    msg = str(exc.value)
    assert "is outside the client folder" in msg and "allow_outside_paths: true" in msg
    assert "SECRET" not in msg and "root:" not in msg


def test_a_link_out_of_the_client_folder_is_refused(tmp_path):
    (tmp_path / "outside.csv").write_text(LEADS, encoding="utf-8")
    folder = write(tmp_path / "c", "name: X\ntables: {leads: {file: leads.csv}}\n")
    os.symlink(tmp_path / "outside.csv", folder / "leads.csv")
    with pytest.raises(ConfigError, match="outside the client folder"):
        smk.load_client(folder)


def test_every_outside_file_is_named_in_one_error(tmp_path):
    folder = write(tmp_path / "c", "name: X\ntables:\n  leads: {file: ../a.csv}\n  deals: {file: /tmp/b.csv}\n")
    with pytest.raises(ConfigError) as exc:
        data_files(load_config(folder))
    assert "`tables.leads.file` '../a.csv' and `tables.deals.file` '/tmp/b.csv' are outside" in str(exc.value)


def test_allow_outside_paths_reads_a_shared_dataset(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "leads.csv").write_text(LEADS, encoding="utf-8")
    folder = write(tmp_path / "c", "name: X\nallow_outside_paths: true\ntables: {leads: {file: ../shared/leads.csv}}\n")
    c = smk.load_client(folder, as_of="2026-01-01")
    assert c.leads["lead_id"].tolist() == ["L1", "L2"]


def test_paths_inside_the_folder_and_its_subfolders_need_nothing(tmp_path):
    folder = write(tmp_path / "c", "name: X\ntables: {leads: {file: exports/../exports/leads.csv}}\n",
                   {"exports/leads.csv": LEADS})
    assert len(smk.load_client(folder, as_of="2026-01-01").leads) == 2


def test_the_examples_say_they_read_outside_their_folder():
    root = Path(__file__).resolve().parents[2]
    for yml in sorted((root / "examples").glob("*/client.yml")):
        cfg = load_config(yml)
        if any(".." in t.file for t in cfg.tables.values()):
            assert cfg.allow_outside_paths, yml


# --- item 11 (smk init): a value YAML reads as a line break --------------------------------------
@pytest.mark.parametrize("text", ["Acme\u0085Corp", "a\u2028b", "tab\there", "yes", "12", "", "ü: x", "plain_word",
                                  "quote \" and \\ back", "#hash", "\x07bell", "\ufeffbom"])
def test_yaml_scalar_reads_back_as_the_same_text(text):
    import yaml

    assert yaml.safe_load(f"key: {yaml_scalar(text)}\n") == {"key": text}
