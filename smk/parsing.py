"""Parse messy export values into canonical kinds, column by column.

Every parser takes a column of raw values (strings, or native values from XLSX/Parquet) and returns
``(parsed, bad)``: the parsed column and a boolean mask of values that were present but could not be
read. The caller decides what a bad value means (row set aside or value cleared) and records it.

Numbers: ``1234.5``, ``1,234.56``, ``1.234,56``, ``$1.234,56``, ``USD 1,234.56``, ``€ 12 345,00``,
``(1,234.00)`` (negative), ``-12``. The decimal separator is inferred from the whole column; a column
whose values all look like ``1,234`` or ``1.234`` (one separator, three digits after it) is
ambiguous and is an error asking for ``decimal:`` in client.yml.

Dates: ISO 8601 (with or without time / offset), ``dd/mm/yyyy``, ``mm/dd/yyyy``, ``dd-mm-yyyy``,
``dd.mm.yyyy``, ``yyyy/mm/dd``, two-digit years, with or without ``HH:MM[:SS]`` (and AM/PM),
Excel serial numbers, and native datetimes. Day/month order is inferred from the whole column:
a first field over 12 settles day-first, a second field over 12 settles month-first; a column that
is still ambiguous is an error asking for ``date_format`` (never a silent guess).
"""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from smk.errors import DataError

_TRUE = {"true", "yes", "y", "si", "sí", "s", "1", "x", "verdadero", "won", "t"}
_FALSE = {"false", "no", "n", "0", "falso", "f"}


# ---------------------------------------------------------------------------------------------
# strings and placeholders
# ---------------------------------------------------------------------------------------------
def _is_native_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _type_mask(obj: pd.Series, test) -> pd.Series:
    """Boolean mask of cells holding native (non-string) values, e.g. numbers or dates from XLSX."""
    if pd.api.types.is_string_dtype(obj.dtype) and obj.dtype != object:
        return pd.Series(False, index=obj.index)
    nonnull = obj.notna()
    mask = pd.Series(False, index=obj.index)
    if nonnull.any():
        vals = obj[nonnull]
        if not any(not isinstance(v, str) for v in vals.head(1000)) and all(isinstance(v, str) for v in vals):
            return mask
        mask[nonnull] = [bool(test(v)) for v in vals]
    return mask


def as_text(raw: pd.Series) -> pd.Series:
    """Any column as pandas' string dtype (object/native cells converted with str())."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        return raw
    obj = raw.astype("object")
    return pd.Series(obj.where(raw.notna(), None), index=raw.index, dtype="str")


def _case_variants(word: str) -> set[str]:
    """Every upper/lower-case spelling of a short word (so no per-row lower-casing is needed)."""
    if sum(c.isalpha() for c in word) > 6:
        return {word, word.lower(), word.upper(), word.title(), word.capitalize()}
    out = {""}
    for ch in word:
        out = {o + v for o in out for v in {ch.lower(), ch.upper()}}
    return out


def clean_strings(raw: pd.Series, placeholders) -> pd.Series:
    """Trim whitespace (incl. non-breaking spaces); placeholders (case-insensitive) become missing."""
    s = as_text(raw).str.strip()
    variants = set().union(*(_case_variants(p.strip()) for p in placeholders)) if placeholders else set()
    return s.mask(s.isin(sorted(variants)))


# ---------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------
_NUM_CHARS = re.compile(r"[^0-9.,\-+()]")
_PLAIN = re.compile(r"^[+-]?\d+$")  # integers need no separator inference


def infer_decimal(values: pd.Series) -> str | None:
    """Decimal separator for the values of a column that contain only ONE kind of separator
    (``12,5``, ``1.234.567``, ``1,234``), from the evidence in the whole column.

    Returns '.', ',', or '?,' / '?.' when every such value looks like ``1,234`` (thousands or
    decimals: ambiguous), or None when the evidence conflicts."""
    v = values.dropna()
    evidence: set[str] = set()
    both = v[v.str.contains(",", regex=False) & v.str.contains(".", regex=False)]
    if len(both):  # 1.234,56 -> ','; 1,234.56 -> '.'
        evidence |= set(np.where(both.str.rfind(",") > both.str.rfind("."), ",", "."))
    single = v.drop(both.index)
    ambiguous_sep = None
    for sep, other in ((",", "."), (".", ",")):
        has = single[single.str.contains(sep, regex=False)]
        if has.empty:
            continue
        esc = re.escape(sep)
        grouped = has.str.match(rf"^[+\-(]?\d{{1,3}}(?:{esc}\d{{3}})+\)?$")
        if (has.str.count(esc) > 1).any():
            evidence.add(other)  # 1.234.567: the separator repeats, so it groups thousands
        if (~grouped).any():
            evidence.add(sep)  # 12,5 / 1234,56: not a thousands grouping, so it is the decimal mark
        if grouped.all() and not (has.str.count(esc) > 1).any():
            ambiguous_sep = sep
    if len(evidence) > 1:
        return None
    if evidence:
        return evidence.pop()
    return "?" + ambiguous_sep if ambiguous_sep else "."


def parse_numbers(raw: pd.Series, decimal: str | None = None, *, file: str = "", column: str = "",
                  fallback_decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of numbers written any common way. Returns (float Series, bad mask).

    A value with both separators is read on its own (the last one is the decimal mark); values with
    one separator follow the column's evidence, then ``fallback_decimal`` (the evidence of the other
    number columns of the same file), or ``decimal`` from client.yml."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("float64"), pd.Series(False, index=raw.index)
    present = raw.notna()
    obj = raw.astype("object").where(present, None)
    native = _type_mask(obj, _is_native_number)
    s = pd.Series(obj, dtype="str").str.replace("\u2212", "-", regex=False)  # unicode minus
    cleaned = s.str.replace(_NUM_CHARS, "", regex=True)
    negative = (cleaned.str.startswith("(") & cleaned.str.endswith(")")) | cleaned.str.endswith("-")
    cleaned = cleaned.str.strip("()").str.rstrip("-")
    plain = cleaned.str.match(_PLAIN).fillna(False).astype(bool)
    needs = cleaned[present & ~plain & ~native]
    has_comma = needs.str.contains(",", regex=False)
    has_dot = needs.str.contains(".", regex=False)
    both = has_comma & has_dot
    dec = decimal
    if dec is None and (~both).any():
        dec = infer_decimal(needs)
        if dec is not None and dec.startswith("?") and fallback_decimal:
            dec = fallback_decimal  # the other number columns of the same file settle it
        if dec is None or dec.startswith("?"):
            example = needs[~both].iloc[0]
            if dec is None:
                raise DataError("numbers use both '.' and ',' as the decimal mark in one column.", file=file,
                                column=column, value=example, hint="Set `decimal:` for this table in client.yml.")
            raise DataError(
                f"numbers like {example!r} could mean thousands or decimals ('{dec[1]}' is ambiguous in every value).",
                file=file, column=column, value=example,
                hint="Set `decimal: \".\"` or `decimal: \",\"` for this table in client.yml.")
    dec = dec or "."
    per_value_dec = pd.Series(dec, index=needs.index)
    if both.any():
        per_value_dec[both] = np.where(needs[both].str.rfind(",") > needs[both].str.rfind("."), ",", ".")
    norm = cleaned.copy()
    for d in (",", "."):
        idx = per_value_dec.index[per_value_dec == d]
        if len(idx):
            t = "." if d == "," else ","
            norm[idx] = needs[idx].str.replace(t, "", regex=False).str.replace(d, ".", regex=False)
    out = pd.to_numeric(norm, errors="coerce").astype("float64")
    sci = s.str.strip().str.match(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$").fillna(False).astype(bool)
    if sci.any():  # Excel writes large numbers as 1.5E+05
        out[sci] = pd.to_numeric(s[sci].str.strip(), errors="coerce")
    if native.any():
        out[native] = pd.to_numeric(raw[native].astype("object"), errors="coerce").astype("float64")
    out = out.where(~negative.fillna(False).astype(bool), -out.abs())
    return out, present & out.isna()


def number_text(raw: pd.Series) -> pd.Series:
    """Number strings stripped of currency, spaces and signs (for decimal-mark evidence)."""
    s = pd.Series(raw.astype("object").where(raw.notna(), None), dtype="str")
    return s.str.replace(_NUM_CHARS, "", regex=True).str.strip("()").str.rstrip("-").dropna()


def parse_ints(raw: pd.Series, **kw) -> tuple[pd.Series, pd.Series]:
    """Integers (counters, visits, Likert answers): numbers that must be whole."""
    out, bad = parse_numbers(raw, **kw)
    frac = out.notna() & (out != np.round(out))
    bad = bad | frac
    return out.where(~frac).round().astype("Int64"), bad


def parse_bools(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """yes/no, true/false, 1/0, sí/no, x → boolean (nullable)."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean"), pd.Series(False, index=raw.index)
    s = pd.Series(raw.astype("object").where(raw.notna(), None), dtype="str").str.strip().str.lower()
    s = s.str.replace(r"\.0$", "", regex=True)
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[s.isin(_TRUE).fillna(False).astype(bool)] = True
    out[s.isin(_FALSE).fillna(False).astype(bool)] = False
    bad = raw.notna() & out.isna()
    return out, bad


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_DMY = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?$")
_YMD = re.compile(r"^(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _localize(ts: pd.Series, tz: str | ZoneInfo | None) -> pd.Series:
    """Naive wall-clock times → tz-aware in ``tz`` (DST: ambiguous hours take the first occurrence,
    nonexistent ones shift forward); tz-aware values are converted."""
    if tz is None:
        return ts
    if getattr(ts.dt, "tz", None) is not None:
        return ts.dt.tz_convert(tz)
    return ts.dt.tz_localize(tz, ambiguous=np.ones(len(ts), dtype=bool), nonexistent="shift_forward")


def parse_dates(raw: pd.Series, fmt: str | None = None, *, tz: str | ZoneInfo | None = None,
                source_tz: str | ZoneInfo | None = None, file: str = "", column: str = "",
                source_rows: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a date/time column. Returns (datetime Series, bad mask).

    ``tz``: the client's timezone; the result is tz-aware in it (None: naive result).
    ``source_tz``: timezone of naive values in the file (default ``tz``); values with an explicit
    offset are converted from it. ``fmt``: a strptime format that overrides inference.
    """
    present = raw.notna()
    target = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    src_tz = source_tz or tz
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        ts = raw
        if getattr(ts.dt, "tz", None) is None and src_tz is not None:
            ts = _localize(ts, src_tz)
        return (_finish(ts, tz), pd.Series(False, index=raw.index))
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        obj = raw
        is_native_dt = is_native_num = pd.Series(False, index=raw.index)
        s = raw.str.strip()
    else:
        obj = raw.astype("object")
        is_native_dt = _type_mask(obj, lambda x: isinstance(x, (pd.Timestamp, np.datetime64)) or (hasattr(x, "year") and hasattr(x, "month")))
        is_native_num = _type_mask(obj, _is_native_number)
        s = pd.Series(obj.where(present & ~is_native_dt & ~is_native_num, None), dtype="str").str.strip()
    parsed = target.copy()
    aware_parts: list[pd.Series] = []

    if is_native_dt.any():
        parsed[is_native_dt] = pd.to_datetime(obj[is_native_dt].map(lambda x: pd.Timestamp(x).tz_localize(None) if getattr(x, "tzinfo", None) else pd.Timestamp(x)))
    if is_native_num.any():
        parsed[is_native_num] = _from_serial(pd.to_numeric(obj[is_native_num]))

    if not fmt:
        fast = _iso_fast_path(s)
        if fast is not None:
            parsed_fast, done = fast
            if getattr(parsed_fast.dt, "tz", None) is not None:
                aware_parts.append(parsed_fast[done])
            else:
                parsed[done] = parsed_fast[done]
            s = s.where(~done)
    todo = s.notna()
    if fmt and todo.sum() >= FAST_PATH_MIN_ROWS and "%z" not in fmt.lower():
        fast = _arrow_strptime(s, fmt)
        if fast is not None:
            parsed[todo] = fast[todo]
            todo = todo & parsed.isna()  # the rest (if any) through pandas below
    if fmt and todo.any():
        p = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        if getattr(p.dt, "tz", None) is not None:
            aware_parts.append(p[p.notna()])
            p = p.dt.tz_localize(None)
        parsed[todo] = p
    elif todo.any():
        sv = s[todo]
        iso = sv.str.match(_ISO).fillna(False).astype(bool)
        if iso.any():
            iso_vals = sv[iso]
            has_offset = iso_vals.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
            if has_offset.any():
                p = pd.to_datetime(iso_vals[has_offset], format="ISO8601", errors="coerce", utc=True)
                aware_parts.append(p[p.notna()])
            if (~has_offset).any():
                parsed[iso_vals[~has_offset].index] = pd.to_datetime(iso_vals[~has_offset], format="ISO8601", errors="coerce")
        rest = sv[~iso]
        if len(rest):
            dmy = rest.str.extract(_DMY)
            is_dmy = dmy["a"].notna()
            if is_dmy.any():
                parsed[dmy[is_dmy].index] = _parse_dmy(dmy[is_dmy], rest[is_dmy], file=file, column=column, source_rows=source_rows)
            rest2 = rest[~is_dmy]
            if len(rest2):
                ymd = rest2.str.extract(_YMD)
                is_ymd = ymd["y"].notna()
                if is_ymd.any():
                    g = ymd[is_ymd]
                    parsed[g.index] = _assemble(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"])
                rest3 = rest2[~is_ymd]
                serial = rest3.str.match(_SERIAL).fillna(False).astype(bool)
                if serial.any():
                    parsed[rest3[serial].index] = _from_serial(pd.to_numeric(rest3[serial]))
                rest4 = rest3[~serial]
                # textual months ("5 Mar 2026", "March 5, 2026"): unambiguous, let pandas read them
                texty = rest4[rest4.str.contains(r"[A-Za-z]{3,}", regex=True)]
                if len(texty):
                    parsed[texty.index] = pd.to_datetime(texty, format="mixed", errors="coerce", dayfirst=False)
    result = _localize(parsed, src_tz) if src_tz is not None else parsed
    for part in aware_parts:
        conv = part.dt.tz_convert(tz) if tz is not None else part.dt.tz_convert(None)
        result = result.astype(conv.dtype) if tz is not None else result
        result[conv.index] = conv
    result = _finish(result, tz)
    bad = present & result.isna()
    return result, bad


_ISO_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"), "%Y-%m-%dT%H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"), "%Y-%m-%d %H:%M"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"), "%Y-%m-%dT%H:%M"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
)
FAST_PATH_MIN_ROWS = 10_000


def _arrow_strings(s: pd.Series):
    """The pyarrow ChunkedArray behind a pandas string column, or None."""
    arr = getattr(s.array, "_pa_array", None)
    return arr if arr is not None and str(arr.type) in ("string", "large_string") else None


def _fixed_width(fmt: str) -> tuple[int, int] | None:
    """(offset of the day, total width) when every directive of ``fmt`` has a fixed width."""
    widths = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2, "y": 2}
    pos, i, day = 0, 0, None
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i + 1: i + 2]
            if code not in widths:
                return None
            if code == "d":
                day = pos
            pos += widths[code]
            i += 2
        else:
            pos += 1
            i += 1
    return (day, pos) if day is not None else None


def _arrow_strptime(s: pd.Series, fmt: str) -> pd.Series | None:
    """Parse with pyarrow's C++ strptime (fast on millions of rows); unparseable values become NaT."""
    import pyarrow.compute as pc

    arr = _arrow_strings(s)
    if arr is None:
        return None
    try:
        parsed = pc.strptime(arr, format=fmt, unit="s", error_is_null=True)
        # strptime here rolls impossible days over (30 Feb -> 2 Mar): keep only values whose day of month
        # is the one written (fixed-width formats) or that print back exactly as written; the others
        # (and unpadded ones like 5/1/2026) go through pandas, which checks.
        fixed = _fixed_width(fmt)
        if fixed is not None:
            day_at, width = fixed
            import pyarrow as pa

            right_width = pc.equal(pc.utf8_length(arr), width)
            day_text = pc.if_else(right_width, pc.utf8_slice_codeunits(arr, day_at, day_at + 2), "00")
            same = pc.and_(right_width, pc.equal(pc.cast(day_text, pa.int64()), pc.day(parsed)))
        else:
            same = pc.equal(pc.strftime(parsed, format=fmt), arr)
        parsed = pc.if_else(same.fill_null(False), parsed, None)
    except Exception:  # noqa: BLE001 - a directive pyarrow does not know: use pandas instead
        return None
    values = parsed.to_numpy().astype("datetime64[ns]") if len(parsed) else np.array([], dtype="datetime64[ns]")
    return pd.Series(values, index=s.index)


def _iso_fast_path(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """Large ISO columns: when a sample is all one ISO 8601 layout, parse the whole column at once in
    C++; values that fail go on to the general path. Returns (parsed, done mask) or None."""
    nonnull = s.dropna()
    if len(nonnull) < FAST_PATH_MIN_ROWS:
        return None
    sample = nonnull.iloc[:: max(1, len(nonnull) // 2000)]
    for pattern, fmt in _ISO_FORMATS:
        if sample.str.match(pattern).all():
            parsed = _arrow_strptime(s, fmt)
            if parsed is not None:
                return parsed, parsed.notna()  # values not done here go on to the general path
    if not sample.str.match(_ISO).all():
        return None
    offset = sample.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    if offset.any() and not offset.all():
        return None
    try:
        parsed = pd.to_datetime(s, format="ISO8601", errors="coerce", utc=bool(offset.all()))
    except (ValueError, TypeError):
        return None
    return parsed, parsed.notna()


def _finish(ts: pd.Series, tz) -> pd.Series:
    if tz is None:
        return ts if getattr(ts.dt, "tz", None) is None else ts.dt.tz_localize(None)
    if getattr(ts.dt, "tz", None) is None:
        return _localize(ts, tz)
    return ts.dt.tz_convert(tz)


def _from_serial(x: pd.Series) -> pd.Series:
    """Excel serial day numbers (1900 system) → timestamps; plausible range 1950–2100 only."""
    ok = (x >= 18264) & (x <= 73051)
    out = pd.Series(pd.NaT, index=x.index, dtype="datetime64[ns]")
    out[ok] = EXCEL_EPOCH + pd.to_timedelta(x[ok].astype(float).round(6), unit="D")
    return out.dt.round("s")


def _assemble(y, m, d, H, M, S, ap=None) -> pd.Series:
    y = pd.to_numeric(y)
    y = y.where(y >= 100, y + 2000)
    H = pd.to_numeric(H).fillna(0)
    if ap is not None:
        pm = ap.fillna("").str.lower().str.startswith("p")
        am = ap.fillna("").str.lower().str.startswith("a")
        H = H.where(~(pm & (H < 12)), H + 12).where(~(am & (H == 12)), 0)
    frame = pd.DataFrame({"year": y, "month": pd.to_numeric(m), "day": pd.to_numeric(d), "hour": H,
                          "minute": pd.to_numeric(M).fillna(0), "second": pd.to_numeric(S).fillna(0)})
    return pd.to_datetime(frame, errors="coerce")


def _parse_dmy(g: pd.DataFrame, text: pd.Series, *, file: str, column: str, source_rows) -> pd.Series:
    """Decide day/month order from the whole column, then assemble."""
    a = pd.to_numeric(g["a"])
    b = pd.to_numeric(g["b"])
    dayfirst_evidence = (a > 12) & (b <= 12)
    monthfirst_evidence = (b > 12) & (a <= 12)
    if dayfirst_evidence.any() and monthfirst_evidence.any():
        i = dayfirst_evidence.idxmax()
        j = monthfirst_evidence.idxmax()
        raise DataError(
            f"dates mix day-first ({text[i]!r}) and month-first ({text[j]!r}) in one column.",
            file=file, column=column,
            row=int(source_rows[j]) if source_rows is not None else None, value=text[j],
            hint="Fix the export, or set `date_formats: {<column>: \"%d/%m/%Y\"}` in client.yml and the other rows go to the ledger.")
    if dayfirst_evidence.any():
        dayfirst = True
    elif monthfirst_evidence.any():
        dayfirst = False
    else:
        differs = a != b
        if differs.any():
            k = differs.idxmax()
            raise DataError(
                f"day/month order is ambiguous: no value in the column has a day over 12 (e.g. {text[k]!r} "
                f"could be {int(a[k])} {_MONTH[int(b[k])]} or {int(b[k])} {_MONTH[int(a[k])]}).",
                file=file, column=column, value=text[k],
                hint="Add `date_format: \"%d/%m/%Y\"` (day first) or `\"%m/%d/%Y\"` (month first) for this table in client.yml.")
        dayfirst = True  # every value has day == month: both orders agree
    d, m = (a, b) if dayfirst else (b, a)
    return _assemble(g["y"], m, d, g["H"], g["M"], g["S"], g["ap"])


_MONTH = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def parse_months(raw: pd.Series, fmt: str | None = None, **kw) -> tuple[pd.Series, pd.Series]:
    """Month periods (``2026-10``, ``10/2026``, ``Oct 2026``, or any date) → first day of the month (naive)."""
    s = pd.Series(raw.astype("object").where(raw.notna(), None), dtype="str").str.strip()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    ym = s.str.extract(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$")
    my = s.str.extract(r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$")
    for g in (ym, my):
        ok = g["y"].notna() & out.isna()
        if ok.any():
            out[ok] = pd.to_datetime(pd.DataFrame({"year": pd.to_numeric(g.loc[ok, "y"]), "month": pd.to_numeric(g.loc[ok, "m"]), "day": 1}), errors="coerce")
    rest = raw.notna() & out.isna()
    if rest.any():
        p, _ = parse_dates(raw[rest], fmt, tz=None, **kw)
        out[rest] = p
    out = out.dt.to_period("M").dt.to_timestamp()
    return out, raw.notna() & out.isna()
