"""read_raw keeps pyarrow's table: the pandas frame, columns read dictionary-encoded, and the
accessors the loader uses all give the file's values as text."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smk.io.readers import read_raw

CSV = "Id,Kind,Note\n1,a, x \n2,b,\n3,a,y\n" + "".join(f"{i},{'abc'[i % 3]},n{i}\n" for i in range(4, 3000))


def test_dictionary_columns_read_as_the_same_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV, encoding="utf-8")
    plain = read_raw(path)
    hashed = read_raw(path, dictionary=lambda header: {"Kind", "Note", "Missing"})
    assert hashed.is_dictionary("Kind") and not hashed.is_dictionary("Id") and not plain.is_dictionary("Kind")
    pd.testing.assert_frame_equal(hashed.frame.drop(columns="_source_row"), plain.frame.drop(columns="_source_row"))
    assert hashed.frame["Kind"].dtype == "str"
    for col in ("Id", "Kind", "Note"):
        assert hashed.arrow(col).to_pylist() == plain.arrow(col).to_pylist()
        pd.testing.assert_series_equal(hashed.column(col), plain.column(col))
    enc = hashed.dictionary("Kind")
    assert enc.dictionary.to_pylist() == ["a", "b", "c"]  # in order of first appearance
    assert pc.take(enc.dictionary, enc.indices).to_pylist() == plain.arrow("Kind").to_pylist()
    assert plain.dictionary("Kind") is None
    assert hashed.num_rows == plain.num_rows == 2999 and list(hashed.source_rows[:2]) == [2, 3]
    assert hashed.columns == ["Id", "Kind", "Note", "_source_row"]


def test_frame_is_built_on_request_and_stays(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV, encoding="utf-8")
    raw = read_raw(path)
    assert isinstance(raw.table, pa.Table)
    frame = raw.frame
    assert raw.frame is frame and frame["_source_row"].tolist()[:3] == [2, 3, 4]
    assert raw.arrow("Id") is not None and raw.column("Note").tolist()[:2] == [" x ", ""]


def test_malformed_rows_still_go_to_the_forgiving_reader(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Id,Kind\n1,a\n\n2,b,c,d\n3,c\n", encoding="utf-8")
    raw = read_raw(path, dictionary=lambda header: {"Kind"})
    assert raw.table is None and raw.empty_rows == [3] and [r for r, _ in raw.bad_lines] == [4]
    assert not raw.is_dictionary("Kind") and raw.dictionary("Kind") is None
    assert raw.arrow("Kind").to_pylist() == ["a", "c"] and raw.source_rows.tolist() == [2, 5]


def test_blank_lines_are_empty_rows_not_rows_of_empty_values(tmp_path):
    """pyarrow returns a blank line of a valid file as a row of empty strings; it must reach the
    ledger as an empty row with its spreadsheet row number, the other rows keeping theirs."""
    path = tmp_path / "t.csv"
    path.write_text("Id,Kind\n1,a\n\n2,b\n,\n3,c\n", encoding="utf-8")
    for dictionary in (None, lambda header: {"Kind"}, lambda header: {"Id", "Kind"}):
        raw = read_raw(path, dictionary=dictionary)
        assert raw.empty_rows == [3, 5] and raw.bad_lines == []
        assert raw.arrow("Id").to_pylist() == ["1", "2", "3"] and raw.source_rows.tolist() == [2, 4, 6]
    clean = tmp_path / "ok.csv"
    clean.write_text("Id,Kind\n1,a\n,b\n3,\n", encoding="utf-8")  # empty fields, but no empty row
    raw = read_raw(clean)
    assert raw.table is not None and raw.empty_rows == [] and raw.num_rows == 3
