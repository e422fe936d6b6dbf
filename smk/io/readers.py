"""Read exports as delivered (CSV in any common delimiter and encoding, XLSX, Parquet) and write
spreadsheet-safe CSV/XLSX.

Reading never changes the client's files. Every row read gets ``_source_row``: the row number a
person sees when opening the file in a spreadsheet (header = row 1).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from smk.errors import DataError

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ",;\t|"


class RawTable:
    """A file read as text: every column a string column (native types for XLSX/Parquet).

    CSV files read by pyarrow keep their Arrow table (``table``); ``frame`` (original column names +
    ``_source_row``) is then built on first use, so the loader can work on the Arrow columns without
    converting the whole file to pandas first."""

    def __init__(self, frame: pd.DataFrame | None, path: Path, encoding: str | None = None,
                 delimiter: str | None = None, bad_lines: list[tuple[int | None, str]] | None = None,
                 empty_rows: list[int] | None = None, *, table=None):
        if frame is None and table is None:
            raise ValueError("RawTable needs a frame or an Arrow table")
        self._frame = frame
        self.table = table  # pyarrow.Table of string columns, or None
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.bad_lines: list[tuple[int | None, str]] = bad_lines if bad_lines is not None else []  # (row, text) not parseable
        self.empty_rows: list[int] = empty_rows if empty_rows is not None else []

    def __repr__(self) -> str:
        return f"RawTable({self.path.name!r}, {self.num_rows} rows, columns={self.columns[:-1]!r})"

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            df = self._decoded().to_pandas()
            df["_source_row"] = np.arange(2, len(df) + 2)
            self._frame = df
        return self._frame

    @frame.setter
    def frame(self, value: pd.DataFrame) -> None:
        self._frame = value
        self.table = None

    @property
    def columns(self) -> list[str]:
        """Column names as in ``frame`` (the file's header, then ``_source_row``)."""
        if self.table is not None:
            return [*self.table.column_names, "_source_row"]
        return list(self._frame.columns)

    @property
    def num_rows(self) -> int:
        return self.table.num_rows if self.table is not None else len(self._frame)

    @property
    def source_rows(self) -> np.ndarray:
        """Spreadsheet row of every row read (int64)."""
        if self.table is not None:
            return np.arange(2, self.table.num_rows + 2, dtype=np.int64)
        return self._frame["_source_row"].to_numpy(dtype=np.int64)

    def _decoded(self):
        """``table`` with dictionary-encoded columns as plain strings."""
        import pyarrow as pa

        if not any(pa.types.is_dictionary(f.type) for f in self.table.schema):
            return self.table
        return pa.table({n: self._plain(c) for n, c in zip(self.table.column_names, self.table.columns)})

    @staticmethod
    def _plain(col):
        import pyarrow as pa

        return col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col

    def is_dictionary(self, name: str) -> bool:
        """Whether ``name`` was read dictionary-encoded."""
        import pyarrow as pa

        return self.table is not None and name in self.table.column_names and \
            pa.types.is_dictionary(self.table.schema.field(name).type)

    def dictionary(self, name: str):
        """A dictionary-encoded column (see ``read_raw(dictionary=...)``) as one pyarrow
        DictionaryArray whose dictionary lists the values in order of first appearance; else None."""
        import pyarrow as pa

        if not self.is_dictionary(name):
            return None
        col = self.table.column(name)
        if col.num_chunks == 0:
            return pa.DictionaryArray.from_arrays(pa.array([], type=pa.int32()), pa.array([], type=pa.string()))
        return col.combine_chunks()  # joins the chunks' dictionaries, in order

    def arrow(self, name: str):
        """The pyarrow string ChunkedArray of a text column (None for other columns)."""
        if self.table is not None:
            return self._plain(self.table.column(name))
        col = self._frame[name]
        if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
            arr = getattr(col.array, "_pa_array", None)
            if arr is not None and str(arr.type) in ("string", "large_string"):
                return arr
        return None

    def column(self, name: str) -> pd.Series:
        """One column as pandas (on a RangeIndex)."""
        if self.table is not None:
            from smk.io.parsing import arrow_text

            return arrow_text(self._plain(self.table.column(name)))
        return self._frame[name]


def detect_encoding(head: bytes) -> str:
    """utf-8 (with or without BOM) if the bytes decode as such, else cp1252, else latin-1."""
    for enc in ENCODINGS:
        try:
            head.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "latin-1"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the header and first lines most consistently."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: (counts[d], d == ","))


def read_raw(path: str | Path, *, sheet: str | None = None, delimiter: str | None = None,
             encoding: str | None = None, dictionary=None) -> RawTable:
    """Read one export file by its extension (.csv/.txt/.tsv, .xlsx/.xlsm, .parquet).

    ``dictionary``: optional function of the header (list of column names) returning the columns to
    read dictionary-encoded (CSV read by pyarrow only; the values are the same, see
    :meth:`RawTable.dictionary`)."""
    path = Path(path)
    if not path.exists():
        raise DataError("file not found.", file=str(path),
                        hint="Check `file:` for this table in client.yml (paths are relative to the client folder).")
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm", ".xls"):
        return _read_xlsx(path, sheet)
    if ext in (".parquet", ".pq"):
        df = pd.read_parquet(path)
        df = df.reset_index(drop=True)
        df["_source_row"] = np.arange(2, len(df) + 2)
        return RawTable(df, path)
    return _read_csv(path, delimiter, encoding, dictionary)


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    try:
        df = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise DataError(f"cannot read sheet {sheet!r}: {exc}", file=str(path),
                        hint="Set `sheet:` to an existing sheet name in client.yml.") from None
    df.columns = [str(c).strip() for c in df.columns]
    df["_source_row"] = np.arange(2, len(df) + 2)
    empty = df.drop(columns="_source_row").isna().all(axis=1)
    raw = RawTable(df[~empty].reset_index(drop=True), path)
    raw.empty_rows = df.loc[empty, "_source_row"].tolist()
    return raw


def _read_csv(path: Path, delimiter: str | None, encoding: str | None, dictionary=None) -> RawTable:
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    enc = encoding or detect_encoding(head)
    text_head = head.decode(enc, errors="replace")
    delim = delimiter or sniff_delimiter(text_head)
    try:
        return _read_csv_arrow(path, enc, delim, dictionary)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - blank or malformed lines: the forgiving reader counts them
        if encoding is None and enc == "utf-8-sig" and "UTF8" in str(exc).upper().replace("-", ""):
            enc = "cp1252"  # valid UTF-8 in the first MiB only: the file is cp1252
            try:
                return _read_csv_arrow(path, enc, delim, dictionary)
            except Exception:  # noqa: BLE001
                pass
    return _read_csv_pandas(path.read_bytes(), path, enc, delim)


def _read_csv_arrow(path: Path, enc: str, delim: str, dictionary=None) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[tuple[int | None, str]] = []

    def on_invalid(row):
        bad.append((row.number, row.text))
        return "skip"

    arrow_enc = {"utf-8-sig": "utf8", "cp1252": "cp1252", "latin-1": "latin1"}.get(enc, enc)
    first = _header(path, enc, delim)
    names = [n.strip() for n in first]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise DataError(f"the header repeats column name(s) {sorted(dup)}.", file=str(path),
                        hint="Rename the duplicated columns in the export.")
    types = {n: pa.string() for n in names}
    if dictionary is not None:  # hashed while parsing, in pyarrow's threads
        types.update({n: pa.dictionary(pa.int32(), pa.string()) for n in dictionary(names) if n in types})
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=arrow_enc, column_names=names, skip_rows=1, block_size=1 << 24),
        # blank lines are not skipped: they come back as invalid rows, and then the forgiving reader
        # below records each one (with its row number) in the ledger
        parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=on_invalid,
                                         ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                              quoted_strings_can_be_null=False),
    )
    if bad or _has_blank_rows(table):
        # pyarrow skips invalid rows, and returns a blank line as a row of empty values: the forgiving
        # reader records each one with its spreadsheet row number (``malformed_row`` / ``empty_row``)
        raise ValueError("invalid or blank rows")
    return RawTable(None, path, enc, delim, table=table)


def _has_blank_rows(table) -> bool:
    """Any row whose every field is empty (a blank line). One column is scanned in full; the others
    only at the rows where that one is empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0 or table.num_columns == 0:
        return False

    def empty(col) -> "pa.ChunkedArray":
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        return pc.equal(pc.binary_length(col), 0)

    cols = list(table.columns)
    first = next((c for c in cols if not pa.types.is_dictionary(c.type)), cols[0])
    idx = pc.indices_nonzero(empty(first))
    for col in cols:
        if len(idx) == 0:
            return False
        idx = pc.filter(idx, empty(col.take(idx)))
    return len(idx) > 0


def _header(path: Path, enc: str, delim: str) -> list[str]:
    with open(path, encoding=enc, newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        try:
            return next(reader)
        except StopIteration:
            raise DataError("the file is empty (no header row).", file=str(path)) from None


def _read_csv_pandas(data: bytes, path: Path, enc: str, delim: str) -> RawTable:
    """Slower reader that keeps blank lines and rows with the wrong number of fields (for the ledger)."""
    text = data.decode(enc, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError("the file is empty (no header row).", file=str(path)) from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    rows, src, bad, empty = [], [], [], []
    width = len(header)
    for i, rec in enumerate(reader, start=2):
        if not rec or all(not c.strip() for c in rec):
            empty.append(i)
            continue
        if len(rec) != width:
            if len(rec) > width and all(not c.strip() for c in rec[width:]):
                rec = rec[:width]  # trailing empty fields (a trailing delimiter)
            else:
                bad.append((i, delim.join(rec)))
                continue
        rows.append(rec)
        src.append(i)
    df = pd.DataFrame(rows, columns=header, dtype="str") if rows else pd.DataFrame(columns=header, dtype="str")
    df["_source_row"] = np.array(src, dtype="int64")
    return RawTable(df, path, enc, delim, bad_lines=bad, empty_rows=empty)


# ---------------------------------------------------------------------------------------------
# writing: spreadsheet-safe
# ---------------------------------------------------------------------------------------------
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe (OWASP CSV
    injection guidance): cells starting with = + - @ tab or carriage return. Numbers are untouched."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot be run as formulas."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].astype("object").map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def write_csv_safe(df: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write a CSV that is safe to open in a spreadsheet (UTF-8 with BOM so Excel reads accents)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # CRLF line ends (RFC 4180) also make the writer quote any field holding a bare carriage return
    kwargs.setdefault("lineterminator", "\r\n")
    safe_frame(df).to_csv(path, index=False, encoding="utf-8-sig", **kwargs)
    return path


def write_xlsx_safe(df: pd.DataFrame, path: str | Path, sheet_name: str = "data") -> Path:
    """Write an XLSX whose text cells are stored as text, never as formulas."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = safe_frame(df)
    for col in safe.columns:
        if pd.api.types.is_datetime64_any_dtype(safe[col].dtype) and getattr(safe[col].dt, "tz", None) is not None:
            safe[col] = safe[col].dt.tz_localize(None)
    safe.to_excel(path, index=False, sheet_name=sheet_name, engine="openpyxl")
    return path
