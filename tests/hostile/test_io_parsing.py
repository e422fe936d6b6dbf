"""Hostile values (issue 17, items 8 and 10): an unreadable number or date goes to the ledger, never
to another number or date, and never refuses the whole table."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import smk
from smk.io.parsing import (FAST_PATH_MIN_ROWS, infer_decimal, parse_dates, parse_dates_arrow, parse_ints,
                            parse_months, parse_numbers)
from smk.io.schema import DEFAULT_PLACEHOLDERS


def nums(values, **kw):
    out, bad = parse_numbers(pd.Series(values, dtype="object"), file="deals.csv", column="Amount", **kw)
    return [None if pd.isna(v) else v for v in out.tolist()], bad.tolist()


# --- item 8: the number parser never turns a bad value into another number --------------------------
@pytest.mark.parametrize("value", ["12abc34", "0x10", "12/05", "Tel 600123", "1e309", "-1e309", "1.2.3", "1 2 3",
                                   "--5", "(5", "-(5)", "12%", "5 apples", "N/A 3", "$", "1,2,3,4.5.6", "1.234.56"])
def test_a_value_that_is_not_a_number_is_bad_not_another_number(value):
    out, bad = nums([value, "7"])
    assert out == [None, 7.0] and bad == [True, False]


@pytest.mark.parametrize("values, expected", [
    (["-€1.200,00", "€8.500,00"], [-1200.0, 8500.0]),        # the demo's refund, sign before the currency
    (["USD -1,234.56", "12 €"], [-1234.56, 12.0]),             # code before, symbol after
    (["R$ 1.234,56", "S/ 12,50"], [1234.56, 12.5]),            # Brazilian real, Peruvian sol
    (["1'234.50", "10"], [1234.5, 10.0]),                      # Swiss grouping
    (["1,23,456.00", "5"], [123456.0, 5.0]),                   # Indian grouping (lakh)
    (["12\u00a0345,00", "1,5"], [12345.0, 1.5]),               # no-break space grouping, decimal comma
    (["(1,000.00)", "2,000.50-", "+7"], [-1000.0, -2000.5, 7.0]),
    (["1.5E+05", "7"], [150000.0, 7.0]),                      # Excel's scientific notation
    (["2,5E-01", "3"], [0.25, 3.0]),                           # ... in a decimal-comma locale
])
def test_numbers_written_the_ways_exports_write_them(values, expected):
    out, bad = nums(values)
    assert out == pytest.approx(expected) and not any(bad)


def test_one_bad_value_does_not_refuse_the_table():
    out, bad = nums(["1.2.3", "12.5", "7", "1,000.25"])
    assert out == [None, 12.5, 7.0, 1000.25] and bad == [True, False, False, False]
    assert infer_decimal(pd.Series(["1.2.3", "12.5"])) == "."  # 1.2.3 is no evidence either way


def test_a_value_that_only_reads_with_the_other_decimal_mark_is_bad():
    # the column reads with ',' (12,5): 1,234.56 has both separators and reads on its own; 1.5 does not
    # read with a decimal comma (and '.' groups thousands only in threes), so it is not guessed
    out, bad = nums(["12,5", "1,234.56", "1.500", "1.5"], decimal=",")
    assert out == [12.5, 1234.56, 1500.0, None] and bad == [False, False, False, True]


def test_native_infinity_is_bad_too():
    out, bad = parse_numbers(pd.Series([1.0, np.inf, -np.inf, np.nan]))
    assert out.isna().tolist() == [False, True, True, True] and bad.tolist() == [False, True, True, False]
    out, bad = parse_numbers(pd.Series([1.0, float("inf"), "2"], dtype="object"))
    assert bad.tolist() == [False, True, False]


def test_ints_from_bad_text_are_bad():
    out, bad = parse_ints(pd.Series(["3", "3abc", "0x3"], dtype="object"))
    assert out.tolist()[0] == 3 and bad.tolist() == [False, True, True]


def test_loaded_bad_numbers_reach_the_ledger_and_the_table_loads(tmp_path):
    (tmp_path / "leads.csv").write_text(
        "lead_id,created_at,employees\nA,2025-01-01,12abc34\nB,2025-01-01,0x10\nC,2025-01-01,12/05\n"
        "D,2025-01-01,Tel 600123\nE,2025-01-01,1e309\nF,2025-01-01,12.5\nG,2025-01-01,1.2.3\n", encoding="utf-8")
    (tmp_path / "client.yml").write_text("name: X\ntables: {leads: {file: leads.csv}}\n", encoding="utf-8")
    c = smk.load_client(tmp_path, as_of="2026-01-01")
    assert c.leads["employees"].tolist()[5] == 12.5 and c.leads["employees"].isna().sum() == 6
    led = c.ledger.to_frame()
    assert led["reason"].tolist() == ["bad_number"] * 6 and set(led["action"]) == {"value_cleared"}
    assert led["value"].tolist() == ["12abc34", "0x10", "12/05", "Tel 600123", "1e309", "1.2.3"]


# --- item 10: dates outside pandas' range ------------------------------------------------------------
OUT_OF_RANGE = ["1500-01-01", "3000-06-01", "9999-12-31"]


WRITTEN = {"%Y-%m-%d": ["1500-01-01", "3000-06-01", "9999-12-31"],
           "%Y-%m-%d %H:%M:%S": ["1500-01-01 10:00:00", "3000-06-01 10:00:00", "9999-12-31 23:59:59"],
           "%d/%m/%Y": ["13/01/1500", "01/06/3000", "31/12/9999"]}


@pytest.mark.parametrize("layout", list(WRITTEN))
@pytest.mark.parametrize("n", [10, FAST_PATH_MIN_ROWS + 10])  # the general and the fast paths
def test_years_outside_the_nanosecond_range_are_bad_dates_not_wrapped_around(layout, n):
    good = pd.Timestamp("2025-03-14 05:06:07") if "%H" in layout else pd.Timestamp("2025-03-14")
    values = [good.strftime(layout)] * n + WRITTEN[layout]
    out, bad = parse_dates(pd.Series(values, dtype="str"), tz="Europe/Madrid", column="Created", file="c.csv")
    assert bad.tolist() == [False] * n + [True] * 3
    assert out.iloc[-3:].isna().all()
    assert (out.iloc[:n] == good.tz_localize("Europe/Madrid")).all()


def test_the_arrow_reader_does_not_wrap_years_around():
    values = ["2025-01-01"] * FAST_PATH_MIN_ROWS + OUT_OF_RANGE
    parsed, bad = parse_dates_arrow(pa.chunked_array([pa.array(values)]), DEFAULT_PLACEHOLDERS, tz="UTC")
    assert parsed.iloc[-3:].isna().all() and bad[-3:].all() and not bad[:-3].any()


def test_native_and_typed_dates_outside_the_range():
    out, bad = parse_dates(pd.Series([dt.datetime(9999, 12, 31), dt.datetime(2025, 1, 1)], dtype="object"), tz="UTC")
    assert bad.tolist() == [True, False] and out.iloc[1] == pd.Timestamp("2025-01-01", tz="UTC")
    typed = pd.Series(pd.to_datetime(["9999-12-31", "1500-01-01", "2025-01-01"]).as_unit("us"))  # e.g. Parquet
    out, bad = parse_dates(typed, tz="UTC")
    assert bad.tolist() == [True, True, False] and out.dt.unit == "ns"
    months, bad = parse_months(pd.Series(["9999-12", "2025-01"], dtype="object"))
    assert bad.tolist() == [True, False] and months.iloc[1] == pd.Timestamp("2025-01-01")


def test_loaded_out_of_range_dates_name_file_row_and_column(tmp_path):
    (tmp_path / "leads.csv").write_text("lead_id,created_at,mql_at\nA,1500-01-01,\nB,2025-01-01,3000-01-01\n"
                                        "C,9999-12-31,\nD,2025-01-02,2025-01-03\n", encoding="utf-8")
    (tmp_path / "client.yml").write_text("name: X\ntables: {leads: {file: leads.csv}}\n", encoding="utf-8")
    c = smk.load_client(tmp_path, as_of="2026-01-01")
    led = c.ledger.to_frame()
    assert list(zip(led["source_row"], led["column"], led["value"], led["reason"], led["action"])) == [
        (2, "created_at", "1500-01-01", "bad_date", "row_set_aside"),
        (3, "mql_at", "3000-01-01", "bad_date", "value_cleared"),
        (4, "created_at", "9999-12-31", "bad_date", "row_set_aside")]
    assert "1678-2261" in led["detail"].iloc[0]
    assert c.leads["lead_id"].tolist() == ["B", "D"] and c.rows_in["leads"] == 4


def test_parquet_with_dates_pandas_cannot_hold(tmp_path):
    import pyarrow.parquet as pq

    table = pa.table({"lead_id": ["A", "B"], "created_at": pa.array([dt.datetime(9999, 12, 31), dt.datetime(2025, 1, 1)],
                                                                     type=pa.timestamp("us"))})
    pq.write_table(table, tmp_path / "leads.parquet")
    (tmp_path / "client.yml").write_text("name: X\ntables: {leads: {file: leads.parquet}}\n", encoding="utf-8")
    c = smk.load_client(Path(tmp_path), as_of="2026-01-01")
    assert c.leads["lead_id"].tolist() == ["B"]
    assert c.ledger.to_frame()[["source_row", "reason"]].values.tolist() == [[2, "bad_date"]]
