"""The loader's Arrow date path (parse_dates_arrow, fixed-width reader, localization by transitions)
must give exactly what parse_dates gives on the cleaned column, value for value, dtype for dtype."""
from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import smk.io.parsing as P
from smk.errors import DataError
from smk.io.schema import DEFAULT_PLACEHOLDERS

ZONES = ["Europe/Madrid", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata", "America/St_Johns",
         "Europe/Moscow", "Pacific/Apia", "America/Santiago", "Africa/Casablanca", "Antarctica/Troll", "UTC",
         "Europe/Dublin", "Pacific/Chatham", "America/New_York"]


@pytest.mark.parametrize("zone", ZONES)
def test_localization_by_transitions_is_pandas_tz_localize(zone):
    rng = np.random.default_rng(1)
    grid = pd.date_range("2010-01-01", "2026-12-31", freq="10min").asi8  # every DST change, minute by minute
    local = np.concatenate([grid, rng.integers(grid[0], grid[-1], 50_000), [P._NAT] * 3])
    rng.shuffle(local)
    ours = P._localize_i8(local, zone)
    theirs = P._localize(pd.Series(local.view("M8[ns]")), zone).array.asi8
    assert ours is not None
    np.testing.assert_array_equal(ours, theirs)


def test_localization_of_nothing_and_of_one_value():
    assert (P._localize_i8(np.array([P._NAT, P._NAT]), "Europe/Madrid") == P._NAT).all()
    one = pd.Timestamp("2025-03-30 02:30").value  # inside the spring-forward gap
    assert P._localize_i8(np.array([one]), "Europe/Madrid")[0] == \
        P._localize(pd.Series(np.array([one]).view("M8[ns]")), "Europe/Madrid").array.asi8[0] == \
        pd.Timestamp("2025-03-30 03:00", tz="Europe/Madrid").value


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%m.%d.%Y"])
def test_fixed_width_reader_agrees_with_datetime_strptime(fmt):
    tmpl = P._fixed_template(fmt)
    rng = np.random.default_rng(7)
    good = pd.to_datetime(rng.integers(pd.Timestamp("1690-01-01").value, pd.Timestamp("2250-01-01").value, 3000))
    texts = list(good.strftime(fmt))
    width = tmpl[0]
    alphabet = list("0123456789-/.:T ") + ["a", "\u00a0"[0]]
    for _ in range(3000):  # noise of the right width: mostly not dates, some impossible ones
        t = list(texts[rng.integers(len(texts))])
        for _ in range(rng.integers(1, 3)):
            t[rng.integers(width)] = alphabet[rng.integers(len(alphabet))]
        texts.append("".join(t))
    texts += ["2025-02-29", "29/02/2025 10:00", "30/02/2024 10:00", "2024-02-29 24:00:00", "1677-12-31", "2262-01-01"]
    ok = P._fixed_ok_strings(texts, tmpl)
    arr = pa.chunked_array([pa.array(texts[:2500]), pa.array(texts[2500:])])
    ok_arr, secs = P._parse_fixed(arr, tmpl)
    np.testing.assert_array_equal(ok, ok_arr)
    for text, is_ok, sec in zip(texts, ok_arr, secs):
        try:
            expected = datetime.strptime(text, fmt)
            expected = expected if 1678 <= expected.year <= 2261 and len(text) == width and text.isascii() \
                and re.fullmatch(r"[0-9\-/.:T ]+", text) and not any(c.isspace() and c != " " for c in text) else None
        except ValueError:
            expected = None
        if expected is not None and text == expected.strftime(fmt):
            assert is_ok, text
            assert sec == (pd.Timestamp(expected).value // 10**9), text
        else:
            assert not is_ok, text


def test_template_accepts_only_fixed_width_numeric_layouts():
    assert P._fixed_template("%Y-%m-%d %H:%M") is not None
    for fmt in ("%y-%m-%d", "%Y-%m-%d %I:%M %p", "%d %b %Y", "%Y-%m", " %Y-%m-%d", "%Y-%m-%d%z", "%Y%%%m%d"):
        assert P._fixed_template(fmt) is None, fmt


# ---------------------------------------------------------------------------------------------
BASE = pd.date_range("2019-01-01", "2026-12-31", freq="7min")
TRICKY_ISO = ["2025-02-30 10:00", " 2025-03-01 10:00", "2025-03-01 10:00 ", "2025-03-30 02:30", "2025-10-26 02:30",
              "N/A", "", "  ", "null", "NULL", "2025-3-1 10:00", "2025-03-01 24:00", "2025-03-01 10:60",
              "2025-03-01T10:00", "2025-03-01 10:00:00", "2025-03-01 10:00+01:00", "2025-03-01T10:00:00Z", "garbage",
              "2025-03-01\u00a010:00", "\u00a02025-03-01 10:00", "2024-02-29 12:00", "2023-02-29 12:00",
              "2025-03-01  0:00", "45123", "5 Mar 2025", "2025/03/01 10:00"]


def _unsampled(values: list, layout: re.Pattern, placeholders=DEFAULT_PLACEHOLDERS) -> list:
    """Put clean values where parse_dates' layout sample looks, so the column keeps its layout."""
    values = list(values)
    for _ in range(30):
        cleaned = P.clean_strings(pd.Series(values, dtype="str"), placeholders)
        nonnull = np.flatnonzero(cleaned.notna().to_numpy())
        seen = nonnull[:: max(1, len(nonnull) // 2000)]
        bad = [i for i in seen if not layout.match(cleaned[i])]
        if not bad:
            return values
        for i in bad:
            values[i] = BASE[i % len(BASE)].strftime("%Y-%m-%d %H:%M")
    raise AssertionError("sample never settled")


def _column(values, chunks=3):
    cut = np.linspace(0, len(values), chunks + 1).astype(int)
    return pa.chunked_array([pa.array(values[a:b], type=pa.string()) for a, b in zip(cut[:-1], cut[1:])])


def _same_as_parse_dates(arr, fmt=None, placeholders=DEFAULT_PLACEHOLDERS, expect_fast=True, **kw):
    rows = pd.Series(np.arange(len(arr)) + 2)
    fast = P.parse_dates_arrow(arr, placeholders, fmt, file="f.csv", column="When", source_rows=rows, **kw)
    if expect_fast:
        assert fast is not None, "the Arrow path declined the column"
    if fast is None:
        return None
    cleaned = P.clean_strings(P.arrow_text(arr), placeholders)
    slow, slow_bad = P.parse_dates(cleaned, fmt, file="f.csv", column="When", source_rows=rows, **kw)
    got, bad = fast
    assert got.dtype == slow.dtype
    pd.testing.assert_series_equal(got, slow, check_names=False)
    np.testing.assert_array_equal(bad, slow_bad.to_numpy())
    return got, bad


@pytest.mark.parametrize("kw", [dict(tz="Europe/Madrid"), dict(tz="Europe/Madrid", source_tz="America/Sao_Paulo"),
                                dict(tz="Australia/Lord_Howe"), dict(tz=None), dict(tz="Asia/Kolkata", source_tz="UTC")])
def test_arrow_dates_equal_parse_dates_on_a_dirty_iso_column(kw):
    rng = np.random.default_rng(3)
    values = list(rng.choice(BASE.strftime("%Y-%m-%d %H:%M").to_numpy(), 40_000))
    for i in rng.choice(len(values), 400, replace=False):
        values[i] = TRICKY_ISO[i % len(TRICKY_ISO)]
    values = _unsampled(values, re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    got, bad = _same_as_parse_dates(_column(values), **kw)
    assert bad.sum() > 20 and got.notna().sum() > 39_000


def test_arrow_dates_with_a_format_and_nulls():
    rng = np.random.default_rng(4)
    values = list(rng.choice(BASE.strftime("%d/%m/%Y %H:%M").to_numpy(), 30_000))
    for i, v in zip(rng.choice(len(values), 300, replace=False),
                    ["31/02/2025 10:00", "1/3/2025 10:00", "13/13/2025 10:00", " 01/03/2025 10:00", "01/03/2025", "x",
                     "29/02/2024 10:00", "01/03/2025 10:00:00", None, "-"] * 30):
        values[i] = v
    _same_as_parse_dates(_column(values), "%d/%m/%Y %H:%M", tz="Europe/Madrid")
    _same_as_parse_dates(_column(values), "%d/%m/%Y %H:%M", tz=None)


def test_arrow_dates_other_iso_layouts_and_custom_placeholders():
    for layout, pattern in (("%Y-%m-%dT%H:%M:%S", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"), ("%Y-%m-%d", r"^\d{4}-\d{2}-\d{2}$")):
        values = list(BASE[:25_000].strftime(layout)) + ["Select", "select", "n/a", "", "2025-02-30", None, " "]
        _same_as_parse_dates(_column(values), placeholders=["Select", ""], tz="Europe/Madrid")
        _, bad = _same_as_parse_dates(_column(values), placeholders=["Select"], tz="Europe/Madrid")
        assert bad[-4:].tolist() == [True, True, False, True]  # "" and " " are values here (unreadable); None is missing


def test_arrow_dates_decline_what_parse_dates_reads_another_way():
    iso = list(BASE[:20_000].strftime("%Y-%m-%d %H:%M"))
    mixed = iso[:10_000] + list(BASE[:10_000].strftime("%Y-%m-%dT%H:%M:%S.%f"))  # the sample sees two layouts
    assert P.parse_dates_arrow(_column(mixed), DEFAULT_PLACEHOLDERS, tz="UTC") is None
    assert P.parse_dates_arrow(_column(iso[:5000]), DEFAULT_PLACEHOLDERS, tz="UTC") is None  # small: general path
    dmy = list(BASE[:20_000].strftime("%d/%m/%Y"))
    assert P.parse_dates_arrow(_column(dmy), DEFAULT_PLACEHOLDERS, tz="UTC") is None  # no format: inference
    # a placeholder that reads as a date stays a placeholder: the general path handles it
    assert P.parse_dates_arrow(_column(iso), ["1900-01-01 00:00"], tz="UTC") is None
    mostly_empty = [""] * 30_000 + iso[:15_000]
    _same_as_parse_dates(_column(mostly_empty, 5), tz="Europe/Madrid")


def test_arrow_dates_raise_what_parse_dates_raises():
    values = list(BASE[:20_000].strftime("%Y-%m-%d %H:%M"))
    values[20_000 - 3] = "01/03/2025"  # day/month order cannot be told: same error, same row
    values = _unsampled(values, re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    arr = _column(values)
    rows = pd.Series(np.arange(len(arr)) + 2)
    with pytest.raises(DataError) as fast:
        P.parse_dates_arrow(arr, DEFAULT_PLACEHOLDERS, None, tz="UTC", file="f.csv", column="When", source_rows=rows)
    with pytest.raises(DataError) as slow:
        P.parse_dates(P.clean_strings(P.arrow_text(arr), DEFAULT_PLACEHOLDERS), None, tz="UTC", file="f.csv",
                      column="When", source_rows=rows)
    assert str(fast.value) == str(slow.value) and "01/03/2025" in str(fast.value)
