"""Parsing of numbers, dates, booleans and placeholders as CRMs and spreadsheets write them."""
import pandas as pd
import pytest

from smk.errors import DataError
from smk.io.parsing import clean_strings, parse_bools, parse_dates, parse_ints, parse_months, parse_numbers


def nums(values, **kw):
    out, bad = parse_numbers(pd.Series(values, dtype="object"), file="deals.csv", column="Amount", **kw)
    return out.tolist(), bad.tolist()


@pytest.mark.parametrize("values, expected", [
    (["$1.234,56", "USD 1,234.56"], [1234.56, 1234.56]),            # both separators: read per value
    (["€12.345,00", "€1.234,5", "-3,5"], [12345.0, 1234.5, -3.5]),  # European export
    (["1 234,5", "12"], [1234.5, 12.0]),                            # space thousands, decimal comma
    (["1.234.567", "1.234"], [1234567.0, 1234.0]),                  # repeated '.' = thousands
    (["0.5", "1,234"], [0.5, 1234.0]),                              # '0.5' settles '.' as decimal
    (["(1,000.00)", "2,000.50-"], [-1000.0, -2000.5]),              # accounting negatives
    (["1.5E+05", "7"], [150000.0, 7.0]),                            # Excel scientific
    (["−12"], [-12.0]),                                             # unicode minus
])
def test_numbers_written_many_ways(values, expected):
    out, bad = nums(values)
    assert out == pytest.approx(expected)
    assert not any(bad)


def test_unreadable_number_is_flagged_not_guessed():
    out, bad = nums(["12", "abc", None])
    assert out[0] == 12.0 and pd.isna(out[1]) and pd.isna(out[2])
    assert bad == [False, True, False]  # missing is not bad; 'abc' is


def test_ambiguous_thousands_or_decimal_is_an_error_naming_file_column_value():
    with pytest.raises(DataError) as exc:
        nums(["1,234", "12,345"])
    msg = str(exc.value)
    assert "deals.csv" in msg and "'Amount'" in msg and "'1,234'" in msg and "decimal:" in msg


def test_ambiguous_column_settled_by_config_or_by_the_rest_of_the_file():
    assert nums(["1,234", "12,345"], decimal=",")[0] == pytest.approx([1.234, 12.345])
    assert nums(["1,234", "12,345"], fallback_decimal=".")[0] == [1234.0, 12345.0]


def test_integers_must_be_whole():
    out, bad = parse_ints(pd.Series(["3", "4.0", "2.5", None], dtype="object"))
    assert out.tolist()[:2] == [3, 4] and pd.isna(out[2]) and pd.isna(out[3])
    assert bad.tolist() == [False, False, True, False]


def test_booleans_in_both_languages():
    out, bad = parse_bools(pd.Series(["Yes", "no", "Sí", "1", "0", "true", "maybe", None], dtype="object"))
    assert out.tolist()[:6] == [True, False, True, True, False, True]
    assert bad.tolist() == [False] * 6 + [True, False]


def test_placeholders_and_whitespace():
    out = clean_strings(pd.Series(["  Acme ", "Select", "N/A", "-", "", None, "x\u00a0"]), ["", "select", "n/a", "-"])
    assert out.tolist()[0] == "Acme" and out.tolist()[6] == "x"
    assert out.isna().tolist() == [False, True, True, True, True, True, False]


# --- dates --------------------------------------------------------------------------------------
def dates(values, tz="Europe/Madrid", **kw):
    return parse_dates(pd.Series(values, dtype="object"), tz=tz, file="contacts.csv", column="Create Date", **kw)


def test_iso_with_and_without_time_and_offset():
    out, bad = dates(["2026-01-05", "2026-01-05 10:30", "2026-01-05T10:30:00Z"])
    assert out.tolist() == [pd.Timestamp("2026-01-05 00:00", tz="Europe/Madrid"),
                            pd.Timestamp("2026-01-05 10:30", tz="Europe/Madrid"),
                            pd.Timestamp("2026-01-05 11:30", tz="Europe/Madrid")]  # 10:30 UTC = 11:30 CET
    assert not bad.any()


def test_day_first_inferred_from_a_value_over_12():
    out, _ = dates(["13/02/2026", "01/03/2026 14:05"])
    assert [t.strftime("%Y-%m-%d %H:%M") for t in out] == ["2026-02-13 00:00", "2026-03-01 14:05"]


def test_month_first_inferred_from_a_second_field_over_12():
    out, _ = dates(["02/13/2026 1:05 PM", "03/01/2026"], tz=None)
    assert [t.strftime("%Y-%m-%d %H:%M") for t in out] == ["2026-02-13 13:05", "2026-03-01 00:00"]


def test_dashes_and_dots_day_first():
    out, _ = dates(["31-01-2018", "01.02.2018"], tz=None)
    assert [t.strftime("%Y-%m-%d") for t in out] == ["2018-01-31", "2018-02-01"]


def test_ambiguous_day_month_is_an_error_asking_for_date_format():
    with pytest.raises(DataError) as exc:
        dates(["01/02/2026", "03/04/2026"])
    msg = str(exc.value)
    assert "contacts.csv" in msg and "Create Date" in msg and "date_format" in msg and "01/02/2026" in msg


def test_ambiguous_column_read_with_date_format():
    out, _ = dates(["01/02/2026", "03/04/2026"], fmt="%m/%d/%Y", tz=None)
    assert [t.strftime("%Y-%m-%d") for t in out] == ["2026-01-02", "2026-03-04"]


def test_mixed_day_first_and_month_first_is_an_error():
    with pytest.raises(DataError, match="mix day-first"):
        dates(["13/01/2026", "01/13/2026"])


def test_excel_serials_text_and_native():
    out, _ = dates(["45000", "45000.5"], tz=None)
    assert out.tolist() == [pd.Timestamp("2023-03-15"), pd.Timestamp("2023-03-15 12:00")]  # 45000 days after 1899-12-30
    out2, _ = parse_dates(pd.Series([45000, 45000.25], dtype="object"), tz=None)
    assert out2.tolist() == [pd.Timestamp("2023-03-15"), pd.Timestamp("2023-03-15 06:00")]


def test_unreadable_date_flagged():
    out, bad = dates(["2026-01-05", "garbage", None])
    assert bad.tolist() == [False, True, False] and out.isna().tolist() == [False, True, True]


def test_dst_spring_gap_and_autumn_overlap_in_local_time():
    out, _ = dates(["2026-03-29 02:30", "2026-10-25 02:30"])
    # 02:30 does not exist on 29 March in Madrid: shifted forward to 03:00 CEST
    assert out[0] == pd.Timestamp("2026-03-29 03:00", tz="Europe/Madrid")
    # 02:30 happens twice on 25 October: the first (summer time, +02:00) is taken
    assert out[1].utcoffset() == pd.Timedelta(hours=2)


def test_naive_times_from_another_timezone_are_converted():
    out, _ = dates(["2026-01-05 09:00"], tz="Europe/Madrid", source_tz="America/Guayaquil")
    assert out[0] == pd.Timestamp("2026-01-05 15:00", tz="Europe/Madrid")  # UTC-5 -> UTC+1


def test_months():
    out, bad = parse_months(pd.Series(["2026-10", "11/2026", "2026-12-15", "nope"], dtype="object"))
    assert out.tolist()[:3] == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01")]
    assert bad.tolist() == [False, False, False, True]


@pytest.mark.parametrize("layout, fmt", [("%Y-%m-%d %H:%M:%S", None), ("%Y-%m-%dT%H:%M", None), ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M")])
def test_large_columns_take_the_fast_path_with_the_same_result(monkeypatch, layout, fmt):
    import smk.io.parsing as P

    stamps = pd.date_range("2026-01-01", periods=12_000, freq="37min")
    values = pd.Series(stamps.strftime(layout), dtype="str")
    values[[5, 777]] = ["not a date", "2026-02-30 10:00:00"]  # unreadable, impossible day
    fast, fast_bad = P.parse_dates(values, fmt, tz="Europe/Madrid")
    monkeypatch.setattr(P, "FAST_PATH_MIN_ROWS", 10**9)  # force the general path
    slow, slow_bad = P.parse_dates(values, fmt, tz="Europe/Madrid")
    assert fast_bad.tolist() == slow_bad.tolist() and fast_bad.sum() == 2
    pd.testing.assert_series_equal(fast.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"),
                                   slow.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"))
