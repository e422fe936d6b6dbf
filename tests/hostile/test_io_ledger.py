"""The ledger's reasons are codes; their words live in the text catalogue (issue 15); rows read are
always kept + set aside, whatever the file throws at the reader (issue 17)."""
from __future__ import annotations

import pandas as pd
import pytest

from smk import texts
from smk.io.ledger import CLEARED, REASON_CODES, SET_ASIDE, Ledger, reason_key


@pytest.mark.parametrize("lang", texts.LANGS)
def test_every_reason_code_has_its_words_in_every_catalogue(lang):
    keys = {k for k in texts.catalogue(lang) if k.startswith("ledger.reason.")}
    assert keys == {reason_key(code) for code in REASON_CODES}
    assert all(texts.t(reason_key(code), lang).strip() for code in REASON_CODES)


def test_reason_texts_read_in_both_languages():
    assert texts.t(reason_key("bad_number"), "en") == "not a readable number"
    assert texts.t(reason_key("bad_number"), "es") == "no es un número legible"
    assert texts.t(reason_key("bad_encoding"), "es").startswith("el valor contiene bytes")


def test_counts_are_language_free():
    led = Ledger()
    led.add("leads", "l.csv", 3, "Email", "x", "bad_encoding", CLEARED)
    led.add("leads", "l.csv", 2, None, None, "empty_row")
    led.add("leads", "l.csv", 5, None, None, "empty_row")
    led.add("deals", "d.csv", 4, "Amount", "-5", "negative_amount", SET_ASIDE)
    counts = led.counts()
    assert list(counts.columns) == ["table", "reason", "action", "rows"]
    assert counts.values.tolist() == [["deals", "negative_amount", SET_ASIDE, 1], ["leads", "bad_encoding", CLEARED, 1],
                                      ["leads", "empty_row", SET_ASIDE, 2]]


def test_an_unknown_reason_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown ledger reason 'typo'"):
        Ledger().add("leads", "l.csv", 2, None, None, "typo")


def test_hostile_file_rows_in_equal_kept_plus_set_aside(tmp_path):
    """One file with every kind of damage the readers meet, still fully accounted for."""
    import smk

    lines = [b"lead_id,created_at,employees,name", b"A,2025-01-01,1,Ana", b"", b"B\x00,2025-01-02,2,Bea",
             b'C,"2025-01-03,3,Cy', b"D,2025-01-04,x1,Jos\xe9", b"E,9999-12-31,5,Eve", b"F,2025-01-06,6,Fe,extra",
             "G,2025-01-07,7,José".encode(), b"H,2025-01-08,1e309,Hal"]
    (tmp_path / "leads.csv").write_bytes(b"\n".join(lines) + b"\n")
    (tmp_path / "client.yml").write_text("name: X\ntables: {leads: {file: leads.csv}}\n", encoding="utf-8")
    c = smk.load_client(tmp_path, as_of="2026-01-01")
    led = c.ledger.to_frame()
    assert c.rows_in["leads"] == 9 == len(c.leads) + len(c.ledger.set_aside("leads"))
    assert c.leads["lead_id"].tolist() == ["A", "D", "G", "H"]
    assert c.leads["name"].iloc[[0, 2, 3]].tolist() == ["Ana", "José", "Hal"] and pd.isna(c.leads["name"].iloc[1])
    assert set(zip(led["source_row"], led["reason"])) == {
        (3, "empty_row"), (4, "nul_byte"), (5, "malformed_row"), (6, "bad_number"), (6, "bad_encoding"),
        (7, "bad_date"), (8, "malformed_row"), (10, "bad_number")}
