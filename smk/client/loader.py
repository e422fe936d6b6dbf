"""``load_client(path)``: read a client's exports, map them to the canonical tables, parse every
value, run the validation rules, and account for every row in the data-quality ledger.

Pipeline per table: read (CSV/XLSX/Parquet) → map columns (client.yml ``columns``, else a column
already named canonically) → map values (``values``) → parse by kind (schema.py) → row checks.
Then cross-table checks: duplicated ids, references to unknown leads, events before the lead was
created. Rows in == rows kept + rows set aside, for every table, always.
"""
from __future__ import annotations

import difflib
import importlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from smk.client import Client
from smk.io.config import ClientConfig, TableConfig, data_files, load_config
from smk.errors import ConfigError, DataError
from smk.io.arrays import NAT_NS, SLICE_ROWS, positions
from smk.io.ledger import CLEARED, SET_ASIDE, Ledger
from smk.io.parsing import (arrow_text, clean_strings, infer_decimal, parse_bools, parse_dates, parse_dates_arrow,
                            parse_ints, parse_months, parse_numbers, take_rows)
from smk.io.readers import RawTable, read_raw
from smk.io.schema import CATEGORICAL, TABLES, ColumnSpec, TableSpec

#: columns whose negative values make the row unusable
NON_NEGATIVE = {("deals", "amount"), ("quotas", "amount"), ("leads", "revenue"),
                ("web_traffic", "visits"), ("web_traffic", "spend")}
#: lead dates that must not precede the lead's creation (cleared, not set aside)
LEAD_LIFECYCLE = ("mql_at", "sql_at", "customer_at", "closed_at", "first_contact_at")
LIKERT = (1, 5)
_BAD_REASON = {"datetime": "bad_date", "date": "bad_date", "month": "bad_date", "number": "bad_number",
               "int": "bad_number", "bool": "bad_bool"}
_OUT_OF_RANGE = "not a date, or a year outside 1678-2261 (the dates the analyses can hold)"
_BAD_DETAIL = {"int": "a whole number is due", "datetime": _OUT_OF_RANGE, "date": _OUT_OF_RANGE, "month": _OUT_OF_RANGE}


def load_client(path: str | Path, *, as_of: pd.Timestamp | str | None = None,
                tables: list[str] | None = None) -> Client:
    """Load and validate the client in folder ``path`` (with its ``client.yml``).

    ``as_of``: the moment after which dates count as "in the future" (default: now). It only decides
    which rows are flagged; analyses use ``client.data_end``, not the wall clock.
    ``tables``: load only these tables (``leads`` is always loaded).

    Raises :class:`ConfigError` / :class:`DataError` for problems that stop a table from being read
    at all (missing column, ambiguous dates, unmapped stage values); row-level problems go to the
    ledger and the row is set aside or the value cleared.
    """
    path = Path(path)
    cfg = load_config(path)
    root = cfg.path.parent
    now = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now(tz=cfg.tz)
    if now.tzinfo is None:
        now = now.tz_localize(cfg.tz)
    ledger = Ledger()
    pending: dict[str, _Table] = {}
    rows_in: dict[str, int] = {}
    sources: dict[str, Path] = {}
    wanted = [t for t in TABLES if t in cfg.tables and (tables is None or t in tables or t == "leads")]
    files = data_files(cfg, wanted)  # every file outside the client folder refused at once, before reading any
    leads_ready = None

    def read(name: str) -> RawTable:
        tcfg = cfg.tables[name]
        return read_raw(files[name], sheet=tcfg.sheet, delimiter=tcfg.delimiter, encoding=tcfg.encoding,
                        dictionary=_dictionary_columns(name, tcfg))

    # the next file is read (by pyarrow, which releases the GIL) while this one is parsed
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smk-read") as pool, \
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="smk-parse") as workers:
        ahead = pool.submit(read, wanted[0]) if wanted else None
        if "survey" in wanted:  # clean_survey's module imports scipy.stats (~1 s): import it meanwhile
            threading.Thread(target=_import_quietly, args=("smk.io.survey",), daemon=True).start()
        for i, name in enumerate(wanted):
            raw = ahead.result()
            ahead = pool.submit(read, wanted[i + 1]) if i + 1 < len(wanted) else None
            tcfg = cfg.tables[name]
            sources[name] = files[name]
            rows_in[name] = raw.rows_read
            try:
                pending[name] = _canonical(name, raw, tcfg, cfg, ledger, now, workers)
                del raw  # the file's text is no longer needed: only the canonical columns are kept
                if name == "leads":  # the leads' own checks need no other table: done while the next file is read
                    leads_ready = _LeadsReady(pending["leads"], cfg, sources, workers)
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                raise
        frames = _cross_checks(pending, cfg, ledger, sources, workers, leads_ready)
    del pending
    client = Client(config=cfg, tables=frames, ledger=ledger, rows_in=rows_in,
                    data_end=_data_end(frames, cfg), path=root, sources=sources)
    if "survey" in frames:
        # answers to questions outside the bank (smk/data/questions.yml + client.yml) are set aside here,
        # so the ledger written with the report accounts for them too
        from smk.io.survey import clean_survey

        frames["survey"] = clean_survey(client).reset_index(drop=True)
    led = ledger.to_frame()
    aside = led.loc[led["action"] == SET_ASIDE, "table"].value_counts()
    for name, df in frames.items():
        kept = len(df)
        set_aside = int(aside.get(name, 0))
        if kept + set_aside != rows_in[name]:  # pragma: no cover - an invariant, tested by property tests
            raise AssertionError(f"ledger accounting broken for {name}: {rows_in[name]} in, {kept} kept, {set_aside} set aside")
    return client


def _import_quietly(module: str) -> None:
    """Import ``module`` ahead of its use (in a thread); a failure shows up at the real import."""
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 - reported where the module is used
        pass


# ---------------------------------------------------------------------------------------------
# tables being built: columns stay as Arrow text (distinct values + codes) or numpy-backed Series, and
# rows set aside are only marked; each table is filtered once, after the cross-table checks
# ---------------------------------------------------------------------------------------------
def _large_strings(s: pd.Series):
    """The values of a text Series as one pyarrow large_string Array."""
    import pyarrow as pa

    arr = getattr(s.array, "_pa_array", None)
    if arr is None or str(arr.type) not in ("string", "large_string"):
        arr = pa.chunked_array([pa.array(s.astype("object").where(s.notna(), None).tolist(), type=pa.large_string())])
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.large_string())


class _Text:
    """A canonical text column: its distinct values (pyarrow large_string, may repeat after cleaning)
    and each row's code into them; or, when cleaning changed no value, the raw column itself (``raw``).
    Rows become pandas ``str`` with one Arrow ``take`` (or ``filter`` of the raw column)."""

    __slots__ = ("values", "codes", "raw", "_null")

    def __init__(self, values, codes: np.ndarray, raw=None):
        self.values = values
        self.codes = codes
        self.raw = raw
        self._null = None

    def isna(self) -> np.ndarray:
        if self._null is None:
            self._null = self.values.is_null().to_numpy(zero_copy_only=False)
        return self._null[self.codes]

    def take(self, rows: np.ndarray | None = None, keep: np.ndarray | None = None) -> pd.Series:
        """Every row, the rows at positions ``rows``, or (same rows) those where ``keep`` is True."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.raw is not None:
            if rows is None:
                return arrow_text(self.raw)
            if keep is not None:
                return arrow_text(pc.filter(self.raw, pa.array(keep)))
            return arrow_text(take_rows(self.raw, rows))
        codes = self.codes if rows is None else self.codes[keep if keep is not None else rows]
        return arrow_text(pc.take(self.values, pa.array(codes)))

    def categorical(self, keep: np.ndarray | None = None) -> pd.Series:
        """The column (rows where ``keep``) as a pandas categorical with sorted categories, built from
        the distinct values and the row codes (no per-row strings); same as ``take(...).astype("category")``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.raw is not None:
            raw = self.raw if keep is None else pc.filter(self.raw, pa.array(keep))
            enc = pc.dictionary_encode(raw)
            enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
            values, codes = enc.dictionary, enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            vcode = np.arange(len(values), dtype=np.int64)
        else:
            enc = pc.dictionary_encode(self.values)  # cleaning may map two raw values to one
            values = enc.dictionary
            vcode = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            codes = self.codes if keep is None else self.codes[keep]
        order = pc.sort_indices(values).to_numpy()
        rank = np.empty(len(order) + 1, dtype=np.int64)
        rank[order] = np.arange(len(order))
        rank[-1] = -1  # missing
        vrank = rank[vcode]  # vcode -1 -> rank[-1] = -1
        row_codes = vrank[codes] if self.raw is None else np.where(codes >= 0, rank[np.clip(codes, 0, None)], -1)
        used = np.bincount(row_codes[row_codes >= 0], minlength=len(order)) > 0  # only values of kept rows
        remap = np.append(np.cumsum(used) - 1, -1)
        row_codes = remap[row_codes]  # -1 stays -1 (remap[-1])
        cats = arrow_text(pc.take(values, pa.array(order[used])))
        return pd.Series(pd.Categorical.from_codes(row_codes, dtype=pd.CategoricalDtype(pd.Index(cats))), copy=False)

    def unique_codes(self) -> np.ndarray:
        """Codes that are equal exactly when the values are (missing: -1)."""
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(self.values)
        first = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return first[self.codes]


class _Encoded:
    """A raw text column as its distinct values (pandas ``str``, in order of first appearance, a
    trailing missing value when the column has any) and each row's code into them."""

    __slots__ = ("values", "codes", "constant")

    def __init__(self, values: pd.Series, codes: np.ndarray, constant: bool = False):
        self.values = values
        self.codes = codes
        self.constant = constant

    @classmethod
    def of(cls, arr) -> "_Encoded":
        import pyarrow as pa
        import pyarrow.compute as pc

        if len(arr) == 0:
            return cls(arrow_text(pa.array([], type=pa.string())), np.zeros(0, dtype=np.int32))
        enc = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
        enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
        dictionary = enc.dictionary
        if enc.null_count:
            codes = enc.indices.fill_null(len(dictionary)).to_numpy()
            dictionary = pa.concat_arrays([dictionary, pa.nulls(1, type=dictionary.type)])
        else:
            codes = enc.indices.to_numpy()
        return cls(arrow_text(dictionary), codes)

    def rows(self, idx: np.ndarray) -> pd.Series:
        return self.values.iloc[self.codes[idx]]


class _Sources:
    """The raw columns of one file (plus client.yml ``constants``), encoded on demand and once."""

    def __init__(self, raw: RawTable, constants: dict[str, str]):
        self.raw = raw
        self.n = raw.num_rows
        self.constants = constants
        self._encoded: dict[str, _Encoded] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _dictionary(self, col: str):
        return None if col in self.constants else self.raw.dictionary(col)

    def arrow(self, col: str):
        """The raw column as pyarrow strings (None: not text, or read dictionary-encoded)."""
        if col in self.constants or self.raw.is_dictionary(col):
            return None
        return self.raw.arrow(col)

    def encodable(self, col: str) -> bool:
        return col in self.constants or self.raw.is_dictionary(col) or self.raw.arrow(col) is not None

    def encoded(self, col: str) -> _Encoded:
        with self._lock:
            lock = self._locks.setdefault(col, threading.Lock())
        with lock:  # columns may be parsed in two threads; two canonical columns may share a source
            return self._encode(col)

    def _encode(self, col: str) -> _Encoded:
        if col not in self._encoded:
            if col in self.constants:
                self._encoded[col] = _Encoded(pd.Series([self.constants[col]], dtype="str"),
                                              np.zeros(self.n, dtype=np.int32), constant=True)
            elif self.raw.is_dictionary(col):
                self._encoded[col] = _Encoded.of(self.raw.dictionary(col))
            else:
                self._encoded[col] = _Encoded.of(self.raw.arrow(col))
        return self._encoded[col]

    def series(self, col: str) -> pd.Series:
        if col in self.constants:
            return pd.Series(self.constants[col], index=pd.RangeIndex(self.n), dtype="str")
        return self.raw.column(col)

    def rows(self, col: str, idx: np.ndarray) -> pd.Series:
        """The raw values of some rows (for the ledger)."""
        if col in self._encoded or col in self.constants or self.raw.is_dictionary(col):
            return self.encoded(col).rows(idx)
        arr = self.arrow(col)
        if arr is not None:
            return arrow_text(take_rows(arr, idx))
        return self.series(col).iloc[idx]


def _dictionary_columns(name: str, tcfg: TableConfig):
    """For ``read_raw``: the columns of this table parsed value by value (read dictionary-encoded:
    pyarrow hashes them while it parses the file, in its threads)."""
    spec = TABLES[name]

    def choose(header: list[str]) -> set[str]:
        try:
            mapping = _resolve_columns(spec, tcfg, SimpleNamespace(columns=[*header, "_source_row"]), "")
            kinds: dict[str, set[str]] = {}
            for canon, source in mapping.items():
                kinds.setdefault(source, set()).add(_colspec(spec, canon).kind)
        except Exception:  # noqa: BLE001 - the same problem is reported when the table is mapped
            return set()
        chosen = {s for s, k in kinds.items() if k <= set(_DICTIONARY_KINDS)}
        if spec.keep_extra:
            chosen |= {h for h in header if h not in kinds}
        return chosen

    return choose


class _Table:
    """A canonical table under construction: columns by canonical name, and the rows set aside so far."""

    def __init__(self, name: str, src_rows):
        self.name = name
        self.src_rows = src_rows
        self.cols: dict = {}
        self.drop = np.zeros(len(src_rows), dtype=bool)
        self.order: list[str] = []

    def __len__(self) -> int:
        return len(self.src_rows)

    def __contains__(self, col: str) -> bool:
        return col in self.cols

    def isna(self, col: str) -> np.ndarray:
        c = self.cols[col]
        return c.isna() if isinstance(c, _Text) else c.isna().to_numpy(dtype=bool)

    def series(self, col: str, rows: np.ndarray | None = None, keep: np.ndarray | None = None) -> pd.Series:
        """A column (all rows, the rows at positions ``rows``, or the same rows as the mask ``keep``)."""
        c = self.cols[col]
        if isinstance(c, _Text):
            return c.take(rows, keep)
        if rows is None:
            return c
        if keep is not None:  # a boolean mask filters without an array of positions (20 million rows: 160 MB)
            return pd.Series(c.array[keep], copy=False)
        return pd.Series(c.array.take(rows), copy=False)

    def rows(self, idx: np.ndarray, *cols: str) -> pd.DataFrame:
        """Some rows (by position) with ``_source_row`` and the given columns, for the ledger."""
        data = {"_source_row": self.src_rows[idx]}
        for c in cols:
            if c in self.cols:
                data[c] = self.series(c, idx)
        return pd.DataFrame(data)

    def duplicated(self, cols: list[str]) -> np.ndarray:
        """Kept rows whose ``cols`` repeat an earlier kept row's (pandas ``duplicated(keep="first")``)."""
        kept = np.flatnonzero(~self.drop)
        if len(cols) == 1 and isinstance(self.cols[cols[0]], _Text):
            dup = pd.Series(self.cols[cols[0]].unique_codes()[kept]).duplicated(keep="first").to_numpy()
        else:
            dup = self.rows(kept, *cols)[cols].duplicated(keep="first").to_numpy()
        out = np.zeros(len(self), dtype=bool)
        out[kept[dup]] = True
        return out

    def final(self, col: str, keep: np.ndarray | None) -> pd.Series:
        """A column of the finished table: the kept rows, as a categorical for :data:`CATEGORICAL`
        columns (built from the distinct values when the column is text)."""
        if (self.name, col) not in CATEGORICAL:
            return self.series(col, keep, keep)
        c = self.cols[col]
        return c.categorical(keep) if isinstance(c, _Text) else self.series(col, keep, keep).astype("category")

    def finish(self, pool: ThreadPoolExecutor | None = None) -> pd.DataFrame:
        """The kept rows as a DataFrame (canonical column order, ``_source_row`` last); on a large
        table two columns are built at a time."""
        keep = None if not self.drop.any() else ~self.drop
        data = {}
        if pool is not None and keep is not None and len(self) >= PARALLEL_MIN_ROWS:
            futures = {c: pool.submit(self.final, c, keep) for c in self.order}
            for c, f in futures.items():
                data[c] = f.result()
                self.cols[c] = None
        for c in self.order:
            if c not in data:
                data[c] = self.final(c, keep)
                self.cols[c] = None  # the table's own copy is no longer needed: free it as we go
        rows = self.src_rows if keep is None else self.src_rows[keep]
        data["_source_row"] = rows.array() if isinstance(rows, _RowNumbers) else rows
        return pd.DataFrame(data, copy=False)


class _RowNumbers:
    """Spreadsheet rows first, first + 1, ... of a file read in one piece, without an array of them:
    ``rows[i]`` (an int, or an array for an array of positions or a boolean mask) and ``len``."""

    def __init__(self, first: int, n: int):
        self.first, self.n = first, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key):
        if isinstance(key, np.ndarray):
            pos = np.flatnonzero(key) if key.dtype == bool else key.astype(np.int64)
            pos += self.first
            return pos
        return self.first + int(key)

    def array(self) -> np.ndarray:
        return np.arange(self.first, self.first + self.n, dtype=np.int64)


def _mask(x) -> np.ndarray:
    """A boolean mask (Series, pandas array or numpy; missing = False) as numpy."""
    if isinstance(x, np.ndarray):
        return x.astype(bool, copy=False)
    return np.asarray(x.to_numpy(dtype=bool, na_value=False))


_BY_VALUE = ("id", "str", "number", "int", "bool")  # parsed on the distinct values of a text column
PARALLEL_MIN_ROWS = 200_000  # tables from this size parse two columns at a time
_DICTIONARY_KINDS = ("str", "number", "int", "bool")  # read dictionary-encoded (ids: kept as text, usually unchanged)


# ---------------------------------------------------------------------------------------------
def _resolve_columns(spec: TableSpec, tcfg: TableConfig, raw: RawTable, file: str) -> dict[str, str]:
    """canonical -> source column, checked against the file's header."""
    columns = raw.columns
    header = [c for c in columns if c != "_source_row"]
    lower = {h.lower(): h for h in header}
    mapping: dict[str, str] = {}
    for canon, source in tcfg.columns.items():
        if source in columns:
            mapping[canon] = source
        elif str(source).lower() in lower:
            mapping[canon] = lower[str(source).lower()]
        else:
            close = difflib.get_close_matches(str(source), header, n=3, cutoff=0.6)
            raise ConfigError(
                f"{file}: client.yml maps {canon!r} to column {source!r}, which is not in the file. "
                + (f"Did you mean {', '.join(map(repr, close))}? " if close else "")
                + f"Columns found: {_header_listing(header)}.")
    for canon, source in tcfg.optional_columns.items():
        if canon not in mapping:
            found = source if source in columns else lower.get(str(source).lower())
            if found is not None:
                mapping[canon] = found
    for canon in tcfg.constants:
        mapping[canon] = f"<constant {canon}>"  # filled in by _canonical from client.yml
    for col in spec.columns:
        if col.name not in mapping and col.name in columns:
            mapping[col.name] = col.name
    for col in header:  # counters named canonically, e.g. n_page_view
        if spec.name == "leads" and col.startswith("n_") and col not in mapping.values():
            mapping.setdefault(col, col)
    missing = [c for c in _required(spec, tcfg) if c not in mapping]
    if missing:
        raise ConfigError(
            f"{file}: the {spec.name} table needs column(s) {', '.join(missing)}, but client.yml does not map "
            f"them{' (nor does the preset ' + repr(tcfg.preset) + ')' if tcfg.preset else ''} and the file has no column "
            f"of that name. Add them under `tables.{spec.name}.columns` "
            f"(canonical: source column). Columns found: {_header_listing(header)}.")
    return mapping


def _header_listing(header: list[str], most: int = 40, width: int = 60) -> str:
    """The file's column names for an error message: enough to recognise the file, never a page of it."""
    names = [repr(h) if len(h) <= width else repr(h[:width]) + "…" for h in header[:most]]
    more = f" and {len(header) - most} more" if len(header) > most else ""
    return ", ".join(names) + more


def _apply_value_map(s: pd.Series, mapping: dict) -> pd.Series:
    """Map export values to canonical ones: exact match first, then case-insensitive. Unmapped values
    stay as they are. Works on the distinct values, so it costs little on millions of rows."""
    if not mapping:
        return s
    exact = {str(k).strip(): v for k, v in mapping.items()}
    folded = {str(k).strip().lower(): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    new = []
    for u in uniques:
        key = str(u).strip()
        new.append(exact.get(key, folded.get(key.lower(), u)))
    if not len(new):
        return s
    if all(isinstance(v, str) for v in new):  # the usual case: build the column in Arrow, no Python objects
        import pyarrow as pa
        import pyarrow.compute as pc

        taken = pc.take(pa.array(new, type=pa.string()), pa.array(codes, mask=codes < 0))
        dtype = pd.StringDtype(storage="pyarrow", na_value=np.nan)
        return pd.Series(taken.to_pandas(types_mapper={pa.string(): dtype}.get), index=s.index)
    values = np.asarray(new, dtype=object)
    return pd.Series(np.where(codes >= 0, values[np.clip(codes, 0, None)], None), index=s.index)


def _parse_kind(rawcol: pd.Series, kind: str, *, canon: str, source: str, file: str, fmt: str | None,
                cfg: ClientConfig, tcfg: TableConfig, decimal, src_rows: pd.Series | None) -> tuple[pd.Series, pd.Series | None]:
    """Clean, map and parse one column (or the distinct values of one). Returns (parsed, bad or None)."""
    if pd.api.types.is_string_dtype(rawcol.dtype) or rawcol.dtype == object:
        rawcol = clean_strings(rawcol, cfg.placeholders)
    rawcol = _apply_value_map(rawcol, tcfg.values.get(canon, {}))
    if kind in ("id", "str"):
        return _as_text(rawcol, kind), None
    if kind == "datetime":
        return parse_dates(rawcol, fmt, tz=cfg.tz, source_tz=tcfg.timezone or cfg.timezone,
                           file=file, column=source, source_rows=src_rows)
    if kind == "date":
        parsed, bad = parse_dates(rawcol, fmt, tz=None, file=file, column=source, source_rows=src_rows)
        return parsed.dt.normalize(), bad
    if kind == "month":
        return parse_months(rawcol, fmt, file=file, column=source, source_rows=src_rows)
    if kind == "number":
        return parse_numbers(rawcol, tcfg.decimal, file=file, column=source, fallback_decimal=decimal)
    if kind == "int":
        return parse_ints(rawcol, decimal=tcfg.decimal, file=file, column=source, fallback_decimal=decimal)
    if kind == "bool":
        return parse_bools(rawcol)
    raise AssertionError(kind)  # pragma: no cover


class _Recorder:
    """Writes one table's row-level findings to the ledger and marks the rows set aside (``drop``).
    A row is set aside once: later findings on a row already set aside are not recorded again."""

    def __init__(self, name: str, fname: str, src: _Sources, src_rows, drop: np.ndarray, ledger: Ledger):
        self.name, self.fname, self.src, self.src_rows, self.drop, self.ledger = name, fname, src, src_rows, drop, ledger

    def _values(self, idx: np.ndarray, source: str | None, values) -> list:
        if values is not None:
            return list(values)
        if source is None:
            return [None] * len(idx)
        vals = self.src.rows(source, idx)
        return list(vals.astype("object").where(vals.notna(), None))

    def set_aside(self, mask: np.ndarray, reason: str, column: str | None, source: str | None = None,
                  detail: str = "", values=None) -> None:
        """Set aside the rows of ``mask`` (values read from ``source``, or given as ``values`` for
        every row of ``mask``)."""
        new = mask & ~self.drop
        if not new.any():
            return
        idx = np.flatnonzero(new)
        vals = self._values(idx, source, None if values is None else np.asarray(values, dtype=object)[new[mask]])
        self.ledger.extend(self.name, self.fname, self.src_rows[idx].tolist(), column, vals, reason, SET_ASIDE, detail)
        self.drop[idx] = True

    def clear(self, mask: np.ndarray, reason: str, column: str, source: str | None = None, detail: str = "",
              values=None) -> None:
        """Record the values of ``mask`` as cleared (the rows stay)."""
        m = mask & ~self.drop
        if not m.any():
            return
        idx = np.flatnonzero(m)
        vals = self._values(idx, source, None if values is None else np.asarray(values, dtype=object)[m[mask]])
        self.ledger.extend(self.name, self.fname, self.src_rows[idx].tolist(), column, vals, reason, CLEARED, detail)


def _record_reader_findings(name: str, raw: RawTable, ledger: Ledger) -> None:
    """Lines the reader could not read as rows: malformed (wrong number of fields, an unclosed quote) or blank."""
    fname = raw.path.name
    for row, text in raw.bad_lines:
        ledger.add(name, fname, row, None, text[:200], "malformed_row", detail=raw.notes.get(row, ""))
    for row in raw.empty_rows:
        ledger.add(name, fname, row, None, None, "empty_row")


def _record_bad_cells(raw: RawTable, spec: TableSpec, tcfg: TableConfig, mapping: dict[str, str],
                      rec: _Recorder) -> None:
    """Values the reader could not read as text (bad bytes, NUL, merged cells, formulas without a
    result): the row is set aside when the value was required, else the value is cleared. Columns
    the table does not use are not reported."""
    required = {mapping[c] for c in _required(spec, tcfg) if c in mapping}
    used = set(mapping.values())
    for cells in raw.bad_cells:
        if cells.column not in used and not spec.keep_extra:
            continue
        mask = np.zeros(raw.num_rows, dtype=bool)
        mask[cells.rows] = True
        order = np.argsort(cells.rows, kind="stable")  # values in row order, as ``mask`` lists them
        values = np.asarray(cells.values, dtype=object)[order]
        how = rec.set_aside if cells.column in required else rec.clear
        how(mask, cells.reason, cells.column, detail=cells.detail, values=values)


def _canonical(name: str, raw: RawTable, tcfg: TableConfig, cfg: ClientConfig, ledger: Ledger,
               now: pd.Timestamp, pool: ThreadPoolExecutor | None = None) -> _Table:
    """One file → its canonical table: columns mapped and parsed, rows that fail a rule marked, every
    finding in the ledger."""
    spec = TABLES[name]
    file = str(raw.path)
    _record_reader_findings(name, raw, ledger)
    mapping = _resolve_columns(spec, tcfg, raw, file)
    # e.g. a "closed deals" export where every row is won: `constants: {stage: won}`
    src = _Sources(raw, {mapping[c]: str(v) for c, v in tcfg.constants.items()})
    # spreadsheet rows: for a file read in one piece simply 2, 3, ... (no array of 20 million of them)
    src_rows = _RowNumbers(2, src.n) if raw.table is not None else raw.source_rows
    table = _Table(name, src_rows)
    rec = _Recorder(name, raw.path.name, src, src_rows, table.drop, ledger)
    _record_bad_cells(raw, spec, tcfg, mapping, rec)
    _parse_columns(spec, tcfg, cfg, mapping, src, table, rec, file, pool)
    if "created_at" not in mapping and spec.name == "leads":  # an undated export (`undated: true`)
        table.cols["created_at"] = pd.Series(pd.NaT, index=pd.RangeIndex(src.n), dtype=f"datetime64[ns, {cfg.timezone}]")
    _row_checks(spec, tcfg, mapping, table, rec, now)
    TABLE_CHECKS.get(name, _no_checks)(table, mapping, rec)
    if spec.keep_extra:
        _extra_columns(raw, mapping, src, table, cfg)
    names = ["_source_row", *table.cols]
    table.order = [c for c in spec.names if c in table.cols] + [c for c in names if c not in spec.names and c != "_source_row"]
    return table


def _parse_columns(spec: TableSpec, tcfg: TableConfig, cfg: ClientConfig, mapping: dict[str, str], src: _Sources,
                   table: _Table, rec: _Recorder, file: str, pool: ThreadPoolExecutor | None) -> None:
    """Parse every mapped column into ``table.cols``; unreadable values set the row aside (required
    column) or are cleared. Columns are independent: on a large table two are parsed at a time (Arrow
    and numpy release the GIL); results are recorded in column order, as one after the other would."""
    decimal_cache: list = []
    decimal_lock = threading.Lock()

    def table_decimal():
        if tcfg.decimal:
            return tcfg.decimal
        with decimal_lock:
            if not decimal_cache:
                decimal_cache.append(_table_decimal(spec, mapping, src))
        return decimal_cache[0]

    def parse(canon: str, source: str):
        return _parse_column(spec, canon, source, tcfg, cfg, src, table, file, table_decimal)

    columns = list(mapping.items())
    if pool is not None and src.n >= PARALLEL_MIN_ROWS and len(columns) > 1:
        futures = [pool.submit(parse, canon, source) for canon, source in columns]
        results = (f.result() for f in futures)
    else:
        futures = []
        results = (parse(canon, source) for canon, source in columns)
    try:
        for (canon, source), (parsed, bad, detail) in zip(columns, results):
            colspec = _colspec(spec, canon)
            if bad is not None and bad.any():
                how = rec.set_aside if colspec.required else rec.clear
                how(bad, _BAD_REASON[colspec.kind], source, source, detail=detail)
            table.cols[canon] = parsed
    finally:
        for f in futures:
            f.cancel()


def _parse_column(spec: TableSpec, canon: str, source: str, tcfg: TableConfig, cfg: ClientConfig, src: _Sources,
                  table: _Table, file: str, table_decimal) -> tuple[object, np.ndarray | None, str]:
    """One column parsed: (values, bad mask or None, ledger detail for the bad values)."""
    colspec = _colspec(spec, canon)
    kind = colspec.kind
    name = spec.name
    src_rows_series = table.src_rows if isinstance(table.src_rows, _RowNumbers) else pd.Series(table.src_rows, copy=False)
    fmt = tcfg.date_formats.get(canon) or tcfg.date_format
    kw = dict(canon=canon, source=source, file=file, fmt=fmt, cfg=cfg, tcfg=tcfg, decimal=table_decimal)
    try:
        parsed = bad = None
        if kind in _BY_VALUE and src.encodable(source):
            # every step is value by value (or decided by the set of values), so parse each distinct
            # value once and give every row its value's result
            enc = src.encoded(source)
            parsed_d, bad_d = _parse_kind(enc.values, kind, src_rows=None, **kw)
            if colspec.allowed is not None:
                parsed_d = _allowed_values(parsed_d, colspec, enc, name, source, file, src_rows_series, tcfg)
            if kind in ("id", "str"):
                raw_text = src.arrow(source)  # None when read dictionary-encoded
                unchanged = raw_text is not None and parsed_d.equals(enc.values)
                parsed = _Text(_large_strings(parsed_d), enc.codes, raw_text if unchanged else None)
            else:
                parsed = pd.Series(parsed_d.array.take(enc.codes), copy=False)
            if bad_d is not None:
                bad = bad_d.to_numpy(dtype=bool)[enc.codes]
        elif kind in ("datetime", "date") and not tcfg.values.get(canon) and src.arrow(source) is not None:
            res = parse_dates_arrow(src.arrow(source), cfg.placeholders, fmt,
                                    tz=cfg.tz if kind == "datetime" else None,
                                    source_tz=(tcfg.timezone or cfg.timezone) if kind == "datetime" else None,
                                    file=file, column=source, source_rows=src_rows_series)
            if res is not None:
                parsed, bad = res
                if kind == "date":
                    parsed = parsed.dt.normalize()
        if parsed is None:
            parsed, bad = _parse_kind(src.series(source), kind, src_rows=src_rows_series, **kw)
            if colspec.allowed is not None:
                parsed = _check_allowed(parsed, colspec, name, source, file, src_rows_series, tcfg)
            bad = None if bad is None else _mask(bad)
    except DataError as exc:
        if exc.file is None:
            raise DataError(str(exc), file=file, column=source) from None
        raise
    return parsed, bad, _BAD_DETAIL.get(kind, "")


def _row_checks(spec: TableSpec, tcfg: TableConfig, mapping: dict[str, str], table: _Table, rec: _Recorder,
                now: pd.Timestamp) -> None:
    """Rules every table follows: required values present, no dates in the future, no negative amounts."""
    for canon in _required(spec, tcfg):
        rec.set_aside(table.isna(canon), "missing_required", mapping[canon], mapping[canon])
    for canon in [c for c in mapping if _colspec(spec, c).kind == "datetime"]:
        col = table.cols[canon]
        future = _mask(col.notna() & (col > now))
        if future.any():
            if canon in spec.required or canon == spec.event_time:
                rec.set_aside(future, "future_date", mapping[canon], mapping[canon])
            else:
                rec.clear(future, "future_date", mapping[canon], mapping[canon])
                table.cols[canon] = col.mask(future)
    for canon in [c for c in mapping if _colspec(spec, c).kind in ("date", "month")]:
        col = table.cols[canon]
        rec.set_aside(_mask(col.notna() & (col > now.tz_localize(None))), "future_date", mapping[canon], mapping[canon])
    for canon in mapping:
        if (spec.name, canon) in NON_NEGATIVE:
            col = table.cols[canon]
            rec.set_aside(_mask(col.notna() & (col < 0)), "negative_amount", mapping[canon], mapping[canon])


def _deals_checks(table: _Table, mapping: dict[str, str], rec: _Recorder) -> None:
    """A deal cannot close before it was created."""
    if "closed_at" in table and "created_at" in table:
        rec.set_aside(_mask(table.cols["closed_at"] < table.cols["created_at"]), "closed_before_created",
                      mapping["closed_at"], mapping["closed_at"])


def _survey_checks(table: _Table, mapping: dict[str, str], rec: _Recorder) -> None:
    """Likert answers go from 1 to 5."""
    ans = table.cols["answer"]
    rec.set_aside(_mask(ans.notna() & ((ans < LIKERT[0]) | (ans > LIKERT[1]))), "out_of_range", mapping["answer"],
                  mapping["answer"], detail="Likert answers go from 1 to 5")


def _no_checks(table: _Table, mapping: dict[str, str], rec: _Recorder) -> None:
    return None


#: checks of one table's own rows beyond the rules every table follows (cross-table checks:
#: :func:`_cross_checks`)
TABLE_CHECKS = {"deals": _deals_checks, "survey": _survey_checks}


def _extra_columns(raw: RawTable, mapping: dict[str, str], src: _Sources, table: _Table, cfg: ClientConfig) -> None:
    """Unmapped columns of a ``keep_extra`` table (leads), kept as features: trimmed text, placeholders
    missing, plain numeric columns as numbers."""
    used = set(mapping.values())
    for col in raw.columns:
        if col == "_source_row" or col in used:
            continue
        target = col if col not in table.cols and col != "_source_row" else f"src_{col}"
        if src.encodable(col):
            enc = src.encoded(col)
            feat = _feature(enc.values, cfg.placeholders)
            if isinstance(feat.dtype, pd.StringDtype):
                raw_text = src.arrow(col)
                unchanged = raw_text is not None and feat.equals(enc.values)
                table.cols[target] = _Text(_large_strings(feat), enc.codes, raw_text if unchanged else None)
            else:
                table.cols[target] = pd.Series(feat.array.take(enc.codes), copy=False)
        else:
            table.cols[target] = _feature(src.series(col), cfg.placeholders)


def _required(spec: TableSpec, tcfg: TableConfig) -> list[str]:
    """Required canonical columns; an undated leads export (``undated: true``) may lack ``created_at``."""
    if spec.name == "leads" and tcfg.undated:
        return [c for c in spec.required if c != "created_at"]
    return spec.required


def _table_decimal(spec: TableSpec, mapping: dict[str, str], src: _Sources) -> str | None:
    """Decimal mark settled by the number columns of the file taken together (one export, one locale).
    The evidence is a matter of which values occur, so text columns give their distinct values."""
    cols = [s for canon, s in mapping.items() if _colspec(spec, canon).kind in ("number", "int")]
    if not cols:
        return None
    parts = []
    for c in cols:
        if src.encodable(c):
            parts.append(src.encoded(c).values)
            continue
        s = src.series(c)
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            return None
        parts.append(s)
    texts = pd.concat(parts, ignore_index=True).dropna()
    dec = infer_decimal(texts) if len(texts) else None
    return dec if dec in (".", ",") else None


def _colspec(spec: TableSpec, canon: str) -> ColumnSpec:
    try:
        return spec.column(canon)
    except KeyError:
        if canon.startswith("n_"):
            return ColumnSpec(canon, "int")
        raise


def _as_text(s: pd.Series, kind: str) -> pd.Series:
    """Text column; ids read as numbers by a spreadsheet (123.0) become "123"."""
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return s
    if pd.api.types.is_numeric_dtype(s.dtype):
        whole = s.dropna()
        if len(whole) and (whole == whole.round()).all():
            return s.astype("Int64").astype("str")
        return s.astype("str")

    def one(x):
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        return str(x).strip()

    out = s.astype("object").map(one, na_action="ignore")
    return pd.Series(out.where(out.notna(), None), index=s.index, dtype="str")


def _check_allowed(parsed: pd.Series, colspec: ColumnSpec, table: str, source: str, file: str,
                   src_rows: pd.Series, tcfg: TableConfig) -> pd.Series:
    low = parsed.str.lower().str.replace(" ", "_", regex=False)
    ok = low.isin(colspec.allowed) | low.isna()
    if ok.all():
        return low
    bad = parsed[~ok]
    counts = bad.value_counts().sort_index()
    first = src_rows[bad.index[0]]
    listing = ", ".join(f"{v!r} ({n} rows)" for v, n in counts.head(10).items())
    raise ConfigError(
        f"{file}, column {source!r} (→ {table}.{colspec.name}): value(s) {listing} are not mapped to one of "
        f"{', '.join(colspec.allowed)} (first at row {int(first)}). Add them under "
        f"`tables.{table}.values.{colspec.name}` in client.yml, e.g. {{{bad.iloc[0]!r}: {_guess_canonical(bad.iloc[0], colspec.allowed)!r}}}.")


def _allowed_values(parsed: pd.Series, colspec: ColumnSpec, enc: _Encoded, table: str, source: str, file: str,
                    src_rows: pd.Series, tcfg: TableConfig) -> pd.Series:
    """:func:`_check_allowed` on a column's distinct values; the error (counts, first row) is worked out
    on the whole column."""
    low = parsed.str.lower().str.replace(" ", "_", regex=False)
    if (low.isin(colspec.allowed) | low.isna()).all():
        return low
    _check_allowed(pd.Series(parsed.array.take(enc.codes), copy=False), colspec, table, source, file, src_rows, tcfg)
    raise AssertionError("unmapped values were not reported")  # pragma: no cover


def _guess_canonical(value: str, allowed: tuple[str, ...]) -> str:
    """A plausible canonical value for the error's example (won / lost by keyword, else the first allowed)."""
    low = str(value).lower()
    for word, canon in (("won", "won"), ("ganad", "won"), ("lost", "lost"), ("perdid", "lost"), ("customer", "customer"),
                        ("cliente", "customer"), ("unqualif", "lost"), ("disqualif", "lost")):
        if word in low and canon in allowed:
            return canon
    return "open" if "open" in allowed else allowed[0]


def _feature(col: pd.Series, placeholders) -> pd.Series:
    """Extra columns: trimmed text, placeholders missing; plain numeric columns become numbers."""
    if not (pd.api.types.is_string_dtype(col.dtype) or col.dtype == object):
        return col
    s = clean_strings(col, placeholders)
    nonnull = s.dropna()
    if len(nonnull) and nonnull.str.fullmatch(r"[+-]?\d+(\.\d+)?").all():
        return pd.to_numeric(s, errors="coerce")
    return s


# ---------------------------------------------------------------------------------------------
class _LeadsReady:
    """The leads table's own cross-checks (duplicated ids, lifecycle dates before creation) and its
    final DataFrame, worked out as soon as the leads are parsed; their ledger rows are kept aside and
    written by :func:`_cross_checks` where it would have written them."""

    def __init__(self, leads: _Table, cfg: ClientConfig, sources: dict[str, Path], pool=None):
        file = sources["leads"].name
        self.duplicates = Ledger()
        dup = leads.duplicated(["lead_id"])
        if dup.any():
            idx = np.flatnonzero(dup)
            self.duplicates.add_many("leads", file, leads.rows(idx, "lead_id"), _source_name(cfg, "leads", "lead_id"),
                                     "duplicate_id", value_column="lead_id")
            leads.drop[idx] = True
        self.frame = frame = leads.finish(pool)
        self.lifecycle = Ledger()
        for col in LEAD_LIFECYCLE:
            if col in frame:
                early = frame[col].notna() & (frame[col] < frame["created_at"])
                if early.any():
                    self.lifecycle.add_many("leads", file, frame[early], _source_name(cfg, "leads", col),
                                            "before_lead_created", action=CLEARED, value_column=col)
                    frame.loc[early, col] = pd.NaT


def _cross_checks(tables: dict[str, _Table], cfg: ClientConfig, ledger: Ledger, sources: dict[str, Path],
                  pool: ThreadPoolExecutor | None = None, leads_ready: _LeadsReady | None = None) -> dict[str, pd.DataFrame]:
    """Duplicated ids, lead dates before the lead's creation, references to unknown leads and events
    before the lead was created; then every table is filtered (once) into its DataFrame."""
    def aside(table: str, mask: np.ndarray, reason: str, column: str, detail: str = ""):
        t = tables[table]
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        ledger.add_many(table, sources[table].name, t.rows(idx, column), _source_name(cfg, table, column), reason,
                        detail=detail, value_column=column)
        t.drop[idx] = True

    ready = leads_ready if leads_ready is not None else _LeadsReady(tables["leads"], cfg, sources, pool)
    ledger.merge(ready.duplicates)
    if "deals" in tables:
        aside("deals", tables["deals"].duplicated(["deal_id"]), "duplicate_id", "deal_id")
    if "survey" in tables:
        aside("survey", tables["survey"].duplicated(["respondent", "question_id"]), "duplicate_id", "question_id",
              detail="the respondent answered this question twice (first answer kept)")
    leads = ready.frame
    frames: dict[str, pd.DataFrame] = {"leads": leads}
    created = leads.set_index("lead_id")["created_at"]
    ledger.merge(ready.lifecycle)
    linked = [(table, spec) for table, spec in TABLES.items() if table != "leads" and table in tables and spec.lead_ref]
    found = _lead_positions([tables[table].cols[spec.lead_ref] for table, spec in linked], created.index)
    for (table, spec), pos in zip(linked, found):
        t = tables[table]
        kept = ~t.drop
        ref = t.cols[spec.lead_ref]
        event = t.cols[spec.event_time] if spec.event_time and spec.event_time in t else None
        if isinstance(ref, _Text):  # per distinct id, then per row through the codes
            unknown = kept & (~ref.values.is_null().to_numpy(zero_copy_only=False) & (pos < 0))[ref.codes]
            early = _before(event, _lead_times(created, pos), ref.codes, kept) if event is not None \
                else np.zeros(len(t), dtype=bool)
        else:
            unknown = kept & ~t.isna(spec.lead_ref) & (pos < 0)
            early = np.zeros(len(t), dtype=bool)
            if event is not None:
                lead_created = pd.Series(created.array.take(pos, allow_fill=True), index=event.index)  # -1 -> NaT
                early = kept & _mask(event.notna() & lead_created.notna() & (event < lead_created))
        for mask, reason, column in ((unknown, "unknown_lead", spec.lead_ref), (early, "before_lead_created", spec.event_time)):
            if mask.any():
                ledger.add_many(table, sources[table].name, t.rows(np.flatnonzero(mask), column),
                                _source_name(cfg, table, column), reason, value_column=column)
        t.drop |= unknown | early
    return {name: frames.get(name) if name in frames else t.finish(pool) for name, t in tables.items()}


def _ns(values) -> np.ndarray:
    """Timestamps as int64 nanoseconds (UTC instants when tz-aware; NaT = int64 min); a view when
    they already are nanoseconds."""
    arr = values.array if isinstance(values, (pd.Series, pd.Index)) else values
    return arr.as_unit("ns").asi8


def _lead_times(created: pd.Series, pos: np.ndarray) -> np.ndarray:
    """The creation time (int64 ns) of the lead at each position (-1: NaT)."""
    times = _ns(created)
    return np.where(pos >= 0, times[np.clip(pos, 0, None)], NAT_NS) if len(times) else np.full(len(pos), NAT_NS)


def _before(event: pd.Series, lead_times: np.ndarray, codes: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Kept rows whose event precedes their lead's creation (both present): ``event < created``."""
    ev = _ns(event)
    out = np.zeros(len(ev), dtype=bool)
    for i in range(0, len(ev), SLICE_ROWS):
        e = ev[i: i + SLICE_ROWS]
        lead = lead_times[codes[i: i + SLICE_ROWS]]
        out[i: i + SLICE_ROWS] = kept[i: i + SLICE_ROWS] & (e != NAT_NS) & (lead != NAT_NS) & (e < lead)
    return out


def _lead_positions(refs: list, index: pd.Index) -> list[np.ndarray]:
    """Position of each lead id in ``index`` (-1: unknown), for several columns: per row, or for text
    columns per distinct value (rows go through the codes); all text in one hash lookup."""
    import pyarrow as pa

    texts = [r for r in refs if isinstance(r, _Text)]
    if texts:
        distinct = pa.chunked_array([r.values for r in texts], type=pa.large_string())
        pos_all = positions(arrow_text(distinct), index)
        bounds = np.cumsum([0] + [len(r.values) for r in texts])
        by_text = {id(r): pos_all[a:b] for r, a, b in zip(texts, bounds[:-1], bounds[1:])}
    return [by_text[id(r)] if isinstance(r, _Text) else positions(r, index) for r in refs]


def _source_name(cfg: ClientConfig, table: str, canon: str) -> str:
    return cfg.tables[table].columns.get(canon, canon)


def _data_end(frames: dict[str, pd.DataFrame], cfg: ClientConfig) -> pd.Timestamp:
    """Latest timestamp in the data (client timezone)."""
    candidates = []
    for name, df in frames.items():
        for col in df.columns:
            if isinstance(df[col].dtype, pd.DatetimeTZDtype) and df[col].notna().any():
                candidates.append(df[col].max())
    if "web_traffic" in frames and len(frames["web_traffic"]):
        last_day = frames["web_traffic"]["date"].max()
        candidates.append((last_day + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)).tz_localize(cfg.tz))
    if not candidates:
        return pd.NaT  # an undated client: nothing is "recent", time-based analyses do not run
    return max(pd.Timestamp(c).tz_convert(cfg.tz) for c in candidates)


# ---------------------------------------------------------------------------------------------
# snapshots: `smk run` loads a client once and hands the loaded tables to every notebook kernel
# ---------------------------------------------------------------------------------------------
SNAPSHOT_ENV = "SMK_CLIENT_SNAPSHOT"


def save_snapshot(client: Client, path: str | Path) -> Path:
    """Pickle the loaded client (tables, config, ledger) for the notebook kernels of one run."""
    import pickle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump({"client_dir": str(Path(client.path).resolve()), "client": client}, fh, protocol=5)
    return path


def load_snapshot(path: str | Path, client_dir: str | Path) -> Client | None:
    """The client pickled by :func:`save_snapshot`, if it is the one in ``client_dir`` (else None)."""
    import pickle

    path = Path(path)
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        data = pickle.load(fh)  # noqa: S301 - written by this run of `smk run`, next to its report
    return data["client"] if data.get("client_dir") == str(Path(client_dir).resolve()) else None
