"""Read exports as delivered (CSV in any common delimiter and encoding, XLSX, Parquet) and write
spreadsheet-safe CSV/XLSX.

Reading never changes the client's files. Every row read gets ``_source_row``: the row number a
person sees when opening the file in a spreadsheet (header = row 1). What cannot be read is never
read as something else; it is reported for the ledger:

- ``bad_lines``: rows with the wrong number of fields (``malformed_row``); a quote that is never
  closed does not swallow the rest of the file: the row that opened it is set aside and the lines
  after it are read as rows of their own (``notes`` says so);
- ``empty_rows``: blank lines (``empty_row``);
- ``bad_cells``: single values that are not text: bytes that are not valid in the file's encoding
  (``bad_encoding``: a stray cp1252 byte in a UTF-8 file does not re-decode the good values), NUL
  bytes (``nul_byte``), XLSX merged cells (``merged_cell``) and formulas saved without their result
  (``formula_without_value``). The value is missing in the table.

The encoding is decided per file on evidence: a BOM says it; else a file that is valid UTF-8 is
UTF-8; else the whole file is weighed: any valid UTF-8 accent means UTF-8 with a few bad values,
otherwise the file is cp1252 (a legacy Windows export). Problems that stop a file
from being read at all (not found, a device, a truncated workbook, a corrupt Parquet file) are a
:class:`DataError` naming the file and saying what to do.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from smk.errors import DataError
from smk.io.parsing import arrow_text

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ",;\t|"
#: longest field the forgiving CSV reader accepts (Python's csv module stops at 128 KB by default)
FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SEP_LINE = re.compile(rb'^(?:\xef\xbb\xbf)?"?sep=(.)"?[ \t]*(?:\r\n|\n|\r)')  # Excel's first line `sep=;`
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")  # NUL, or a byte that was not valid in the encoding


@dataclass
class BadCells:
    """Values of one column that could not be read as text: missing in the table, kept here for the ledger."""

    column: str
    rows: np.ndarray  # positions in the table (0-based, as ``frame``/``source_rows``)
    values: list  # what the file holds there, printable (an invalid byte as \\xNN)
    reason: str  # ledger reason code
    detail: str = ""


class RawTable:
    """A file read as text: every column a string column (native types for XLSX/Parquet).

    CSV files read by pyarrow keep their Arrow table (``table``); ``frame`` (original column names +
    ``_source_row``) is then built on first use, so the loader can work on the Arrow columns without
    converting the whole file to pandas first."""

    def __init__(self, frame: pd.DataFrame | None, path: Path, encoding: str | None = None,
                 delimiter: str | None = None, bad_lines: list[tuple[int | None, str]] | None = None,
                 empty_rows: list[int] | None = None, *, table=None, bad_cells: list[BadCells] | None = None,
                 notes: dict[int, str] | None = None):
        if frame is None and table is None:
            raise ValueError("RawTable needs a frame or an Arrow table")
        self._frame = frame
        self.table = table  # pyarrow.Table of string columns, or None
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.bad_lines: list[tuple[int | None, str]] = bad_lines if bad_lines is not None else []  # (row, text) not parseable
        self.empty_rows: list[int] = empty_rows if empty_rows is not None else []
        self.bad_cells: list[BadCells] = bad_cells if bad_cells is not None else []
        self.notes: dict[int, str] = notes if notes is not None else {}  # row -> why it is in bad_lines

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
    def rows_read(self) -> int:
        """Every data row of the file: kept here, malformed, or blank."""
        return self.num_rows + len(self.bad_lines) + len(self.empty_rows)

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
            return arrow_text(self._plain(self.table.column(name)))
        return self._frame[name]


def detect_encoding(head: bytes) -> str:
    """The encoding the first bytes of a file show: a BOM's, else utf-8 if they decode as such
    (a character cut at the end of ``head`` does not count against it), else cp1252."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return encoding_from_evidence(head)


def encoding_from_evidence(data: bytes) -> str:
    """For a file that is not valid UTF-8 throughout: UTF-8 when it holds any valid UTF-8 accent (a
    multi-byte character; a legacy cp1252 export practically never does), its invalid bytes then going
    to the ledger value by value; else cp1252. In doubt UTF-8: reading UTF-8 as cp1252 would change
    every good accent (José → JosÃ©) silently, reading a cp1252 byte as UTF-8 loses only that value,
    to the ledger."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"  # the BOM says so: the few invalid bytes are the exception
    text = data.decode("utf-8", "surrogateescape")
    invalid = len(re.findall("[\udc80-\udcff]", text))
    non_ascii = len(text) - len(text.encode("ascii", "ignore").decode("ascii"))
    return "utf-8-sig" if non_ascii > invalid else "cp1252"


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


def check_regular_file(path: Path) -> int:
    """The size of ``path``; an error that says what to do when it is missing, a folder or a device."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError("file not found.", file=str(path),
                        hint="Check `file:` for this table in client.yml (paths are relative to the client folder).") from None
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror}).", file=str(path)) from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, pipe or socket)"
        raise DataError(f"is {kind}.", file=str(path), hint="`file:` in client.yml must name an export file.")
    return st.st_size


def read_raw(path: str | Path, *, sheet: str | None = None, delimiter: str | None = None,
             encoding: str | None = None, dictionary=None) -> RawTable:
    """Read one export file by its extension (.csv/.txt/.tsv, .xlsx/.xlsm, .parquet).

    ``dictionary``: optional function of the header (list of column names) returning the columns to
    read dictionary-encoded (CSV read by pyarrow only; the values are the same, see
    :meth:`RawTable.dictionary`)."""
    path = Path(path)
    size = check_regular_file(path)
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm", ".xls"):
        return _read_xlsx(path, sheet)
    if ext in (".parquet", ".pq"):
        return _read_parquet(path)
    if size == 0:
        raise DataError("the file is empty (no header row).", file=str(path))
    return _read_csv(path, delimiter, encoding, dictionary)


# ---------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------
def _read_parquet(path: Path) -> RawTable:
    import pyarrow as pa

    try:
        df = pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"not a readable Parquet file ({type(exc).__name__}: it may be truncated, or another kind "
                        "of file renamed to .parquet).", file=str(path),
                        hint="Export the table again, or as CSV.") from None
    names = [str(c) for c in df.columns]
    _refuse_duplicates(names, path)
    df.columns = names
    df = df.reset_index(drop=True)
    df["_source_row"] = np.arange(2, len(df) + 2)
    return RawTable(df, path)


def _refuse_duplicates(names: list[str], path: Path) -> None:
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"the header repeats column name(s) {dup}.", file=str(path),
                        hint="Rename the duplicated columns in the export.")


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _unreadable_workbook(path: Path, exc: BaseException) -> DataError:
    return DataError(f"not a readable Excel workbook ({type(exc).__name__}: it may be truncated, password-protected, "
                     "an old .xls, or another kind of file renamed to .xlsx).", file=str(path),
                     hint="Open it in Excel and save it again as .xlsx, or export the table as CSV.")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part in the workbook's zip (from the workbook's relationships)."""
    root = ET.fromstring(zf.read("_rels/.rels"))
    book = next(r.get("Target") for r in root if r.get("Type", "").endswith("/officeDocument"))
    book = book.lstrip("/")
    base = PurePosixPath(book).parent
    rels_part = str(base / "_rels" / (PurePosixPath(book).name + ".rels"))
    targets = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read(rels_part))}
    out = {}
    for el in ET.fromstring(zf.read(book)).iter():
        if el.tag.endswith("}sheet"):
            target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
            out[el.get("name")] = target.lstrip("/") if target.startswith("/") else str(base / target)
    return out


def _scan_sheet(zf: zipfile.ZipFile, part: str) -> tuple[list[str], bool]:
    """Merged ranges (``A2:A5``) of one sheet and whether it holds any formula, read in slices."""
    merged, formulas, tail = [], False, b""
    with zf.open(part) as fh:
        while True:
            block = fh.read(1 << 24)
            if not block:
                break
            text = tail + block
            formulas = formulas or bool(_FORMULA.search(text))
            cut = max(0, len(text) - 256)  # a tag cut at the end is searched again with the next slice
            merged += [m.group(1).decode("ascii") for m in _MERGE.finditer(text) if m.end() <= cut]
            tail = text[cut:]
    merged += [m.group(1).decode("ascii") for m in _MERGE.finditer(tail)]
    return sorted(set(merged)), formulas


#: a workbook's parts unpack to at most this many times their packed size (real workbooks: about 10)
MAX_XLSX_RATIO = 200


def _refuse_zip_bomb(zf: zipfile.ZipFile, path: Path) -> None:
    packed = sum(i.compress_size for i in zf.infolist())
    unpacked = sum(i.file_size for i in zf.infolist())
    if unpacked > 100 * (1 << 20) and unpacked > MAX_XLSX_RATIO * max(packed, 1):
        raise DataError(f"unpacks from {packed:,} to {unpacked:,} bytes: not a workbook a CRM writes (a zip bomb?).",
                        file=str(path), hint="Export the table again, or as CSV.")


def _has_data(ws) -> bool:
    return any(v is not None for row in ws.iter_rows(values_only=True) for v in row)


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    import openpyxl
    from openpyxl.utils import column_index_from_string
    from openpyxl.utils.cell import coordinate_from_string

    try:
        with zipfile.ZipFile(path) as zf:
            _refuse_zip_bomb(zf, path)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        names = wb.sheetnames
        if sheet is not None and sheet not in names:
            raise DataError(f"the workbook has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}.",
                            file=str(path), hint="Set `sheet:` to one of them in client.yml.")
        if sheet is None:
            with_data = [ws.title for ws in wb.worksheets if _has_data(ws)]
            if len(with_data) > 1:
                raise DataError(f"the workbook has {len(with_data)} sheets with data ({', '.join(map(repr, with_data))}); "
                                "which one holds this table?", file=str(path),
                                hint=f"Add `sheet: {with_data[0]!r}` (or another of them) for this table in client.yml.")
            sheet = with_data[0] if with_data else names[0]
        ws = wb[sheet]
        ws.reset_dimensions()  # some writers store a wrong size; read every row and column there is
        rows = list(ws.iter_rows(values_only=True))
        wb.close()
        with zipfile.ZipFile(path) as zf:
            merged, has_formulas = _scan_sheet(zf, _sheet_parts(zf)[sheet])
        formulas = None
        if has_formulas:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
            ws = wb[sheet]
            ws.reset_dimensions()
            formulas = list(ws.iter_rows(values_only=True))
            wb.close()
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the library trips on in a damaged file, the file is unreadable
        raise _unreadable_workbook(path, exc) from None

    width = max((len(r) for r in rows), default=0)
    rows = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    filled = [i for i, r in enumerate(rows) if any(v is not None for v in r)]
    if not filled:
        raise DataError("the sheet is empty (no header row).", file=str(path))
    # the header: the first row about as wide as the table (a title above it, often merged across the
    # columns, is not a row of the table); trailing blank rows are not rows
    counts = {i: sum(v is not None for v in rows[i]) for i in filled[:30]}
    widest = max(counts.values())
    top, last = next(i for i in filled[:30] if counts[i] * 2 >= widest and (counts[i] > 1 or widest == 1)), filled[-1]
    header = rows[top]
    used = [j for j in range(width) if header[j] is not None or any(r[j] is not None for r in rows[top + 1: last + 1])]
    names = [str(header[j]).strip() if header[j] is not None else f"Unnamed: {j}" for j in used]
    _refuse_duplicates(names, path)
    body = [[r[j] for j in used] for r in rows[top + 1: last + 1]]
    sheet_rows = np.arange(top + 2, last + 2, dtype=np.int64)  # 1-based spreadsheet row of each body row
    empty = np.array([all(v is None for v in r) for r in body], dtype=bool)
    df = pd.DataFrame([r for r, e in zip(body, empty) if not e], columns=names, dtype=object)
    if df.empty:
        df = pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    df["_source_row"] = sheet_rows[~empty]
    position = {int(r): i for i, r in enumerate(sheet_rows[~empty])}  # spreadsheet row -> position in df
    col_of = {j + 1: name for j, name in zip(used, names)}  # 1-based sheet column -> name

    found: dict[tuple[str, str], list] = {}
    for ref in merged:
        first, _, end = ref.partition(":")
        c1, r1 = coordinate_from_string(first)
        c2, r2 = coordinate_from_string(end or first)
        k1, k2 = column_index_from_string(c1), column_index_from_string(c2)
        # only the cells of the table (a range may claim a million rows)
        for r in range(max(r1, top + 2), min(r2, last + 1) + 1):
            for c in range(max(k1, 1), min(k2, width) + 1):
                if (r, c) != (r1, k1) and r in position and c in col_of:
                    detail = f"part of the merged cells {ref}: only {first} holds the value"
                    found.setdefault((col_of[c], detail, "merged_cell"), []).append((position[r], None))
    if formulas is not None:
        for i, r in enumerate(range(top + 1, last + 1)):
            if empty[i] or r >= len(formulas):
                continue
            for j, name in zip(used, names):
                f = formulas[r][j] if j < len(formulas[r]) else None
                if rows[r][j] is None and isinstance(f, str) and f.startswith("="):
                    found.setdefault((name, "the workbook was saved without the formula's result (e.g. written by a "
                                     "program); open it in Excel and save it again", "formula_without_value"),
                                     []).append((position[r + 1], f))
    bad = [BadCells(col, np.array([p for p, _ in cells], dtype=np.int64), [v for _, v in cells], reason, detail)
           for (col, detail, reason), cells in found.items()]
    return RawTable(df.reset_index(drop=True), path, bad_cells=bad,
                    empty_rows=[int(r) for r in sheet_rows[empty]])


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
class _Forgive(Exception):
    """The fast reader declines the file: the forgiving reader reads it and accounts for every line."""


#: first bytes of files that are not CSV text, and what they probably are
_NOT_CSV = ((b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one): name it .xlsx if it is a workbook"),
            (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save it as .xlsx or CSV"),
            (b"PAR1", "a Parquet file: name it .parquet"),
            (b"%PDF", "a PDF document"),
            (b"\x1f\x8b", "a gzip-compressed file: decompress it first"))


def _refuse_binary(path: Path, head: bytes) -> None:
    """A file named .csv that is not text: say what it looks like instead of reading its bytes."""
    for magic, what in _NOT_CSV:
        if head.startswith(magic):
            raise DataError(f"is not CSV text: it looks like {what}.", file=str(path))
    first_line = head.split(b"\n", 1)[0]
    if b"\x00" in first_line and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError("is not CSV text: its header holds NUL bytes (binary data, or UTF-16 text without a BOM).",
                        file=str(path), hint="Export the table as CSV in UTF-8.")


def _read_csv(path: Path, delimiter: str | None, encoding: str | None, dictionary=None) -> RawTable:
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    _refuse_binary(path, head)
    sep = _SEP_LINE.match(head)
    skip = 1 if sep else 0  # Excel's `sep=;` line: it names the delimiter and is not a row (Excel hides it)
    enc = encoding or detect_encoding(head)
    text_head = head[sep.end():] if sep else head
    text_head = text_head.decode(enc, errors="replace")
    delim = delimiter or (sep.group(1).decode("latin-1") if sep else sniff_delimiter(text_head))
    try:
        return _read_csv_arrow(path, enc, delim, dictionary, skip)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - invalid bytes, blank or malformed lines: decided below
        not_utf8 = "UTF8" in str(exc).upper().replace("-", "") and enc in ("utf-8-sig", "utf-8")
    data = path.read_bytes()
    if not_utf8 and encoding is None:
        enc = encoding_from_evidence(data)
        try:
            if enc == "cp1252":  # a legacy export: read as such throughout
                return _read_csv_arrow(path, enc, delim, dictionary, skip)
            return _read_csv_arrow(path, enc, delim, None, skip, binary=True)  # UTF-8 with a few bad values
        except DataError:
            raise
        except Exception:  # noqa: BLE001 - blank or malformed lines too: the forgiving reader
            pass
    return _read_csv_python(data, path, enc, delim, skip)


def _arrow_encoding(enc: str) -> str:
    return {"utf-8-sig": "utf8", "utf-8": "utf8", "cp1252": "cp1252", "latin-1": "latin1"}.get(enc, enc)


def _read_csv_arrow(path: Path, enc: str, delim: str, dictionary=None, skip: int = 0, *,
                    binary: bool = False) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    first = _header(path, enc, delim, skip)
    names = [n.strip() for n in first]
    _refuse_duplicates(names, path)
    kind = pa.binary() if binary else pa.string()
    types = {n: kind for n in names}
    if dictionary is not None:  # hashed while parsing, in pyarrow's threads
        types.update({n: pa.dictionary(pa.int32(), pa.string()) for n in dictionary(names) if n in types})
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=_arrow_encoding(enc), column_names=names, skip_rows=1 + skip,
                                       block_size=1 << 24),
        # blank lines are not skipped: they come back as rows of the wrong width (an error), or as rows of
        # empty values; either way the forgiving reader records each one (with its row number)
        parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                              quoted_strings_can_be_null=False),
    )
    if _has_blank_rows(table):
        # pyarrow returns a blank line as a row of empty values: the forgiving reader records each one
        # with its spreadsheet row number (``empty_row``), as it does rows of the wrong width (pyarrow
        # raises on those)
        raise _Forgive("blank rows")
    cells: list[BadCells] = []
    if binary:
        table, cells = _utf8_columns(table, enc)
    suspects = {n for n, c in zip(table.column_names, table.columns) if _has_control(c)}
    if suspects and not _multiline_records_are_whole(path, table, enc, delim, skip, suspects):
        # a quote that is never closed (or closed by a later row's quote) reads as one value swallowing
        # the lines after it: the forgiving reader reads those lines as rows of their own
        raise _Forgive("an unclosed quote")
    table, nul = _nul_cells(table, suspects)
    return RawTable(None, path, enc, delim, table=table, bad_cells=cells + nul)


def _has_control(arr, step: int = 1 << 24) -> bool:
    """Whether any value of a string ChunkedArray holds a byte below 14: a line break, a NUL (or a tab,
    a form feed...). One scan of the data buffers, in slices; most columns have none, and then
    neither line breaks nor NULs need looking for."""
    import pyarrow as pa

    if pa.types.is_dictionary(arr.type):  # the distinct values are enough
        arr = pa.chunked_array([c.dictionary for c in arr.chunks], type=arr.type.value_type)
    for chunk in arr.chunks:
        bufs = chunk.buffers()
        if len(bufs) < 3 or bufs[2] is None or not bufs[2].size:
            continue
        data = np.frombuffer(bufs[2], dtype=np.uint8)
        if any(np.any(data[i: i + step] < 14) for i in range(0, data.size, step)):
            return True
    return False


def _line_breaks(table, suspects: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows holding a line break in some value (a quoted multi-line value) and how many each holds
    (only the ``suspects`` columns can)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    breaks = None
    for name, col in zip(table.column_names, table.columns):
        if name not in suspects:
            continue
        plain = col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
        n = (pc.count_substring(plain, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
             + pc.count_substring(plain, "\r").to_numpy(zero_copy_only=False)
             - pc.count_substring(plain, "\r\n").to_numpy(zero_copy_only=False))
        breaks = n if breaks is None else breaks + n
    if breaks is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = np.flatnonzero(breaks)
    return rows, breaks[rows]


def _multiline_records_are_whole(path: Path, table, enc: str, delim: str, skip: int, suspects: set[str]) -> bool:
    """Every record that spans several lines (a quoted value with line breaks) is one well-formed
    record: its quotes open and close around whole fields. A quote that is never closed, or is closed
    by a later row's quote, swallows the lines in between into one value; pyarrow reads that without
    complaint. Each such record is found in the file through its line numbers and read again strictly."""
    rows, breaks = _line_breaks(table, suspects)
    if len(rows) == 0:
        return True
    if not enc.startswith(("utf-8", "cp1252", "latin-1")):
        return False  # line breaks are not single bytes in this encoding: let the forgiving reader decide
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    lf = np.flatnonzero(data == 10)
    cr = np.flatnonzero(data == 13)
    lone_cr = cr[(cr + 1 >= data.size) | (data[np.minimum(cr + 1, data.size - 1)] != 10)]
    ends = np.sort(np.concatenate([lf, lone_cr])) + 1  # offset after each line end
    starts = np.concatenate([[0], ends])
    before = np.concatenate([[0], np.cumsum(breaks)[:-1]])  # line breaks inside the earlier multi-line records
    first_line = 1 + skip + rows + before  # 0-based line of each record (the header is one line)
    width = table.num_columns
    for line, k in zip(first_line.tolist(), breaks.tolist()):
        if line >= len(starts):
            return False
        a = int(starts[line])
        b = int(starts[line + k + 1]) if line + k + 1 < len(starts) else data.size
        text = data[a:b].tobytes().decode(enc, errors="surrogateescape")
        if not _one_strict_record(text, delim, width):
            return False
    return True


def _one_strict_record(text: str, delim: str, width: int) -> bool:
    try:
        recs = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True))
    except csv.Error:
        return False
    return len(recs) == 1 and len(recs[0]) == width


def _utf8_columns(table, enc: str):
    """Columns read as bytes → text; values that are not valid UTF-8 become missing and are returned
    as :class:`BadCells` (their distinct values are checked, not every row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols, cells = {}, []
    for name, col in zip(table.column_names, table.columns):
        try:
            cols[name] = col.cast(pa.string())
            continue
        except pa.ArrowInvalid:
            pass
        enc_col = pc.dictionary_encode(col).combine_chunks()
        distinct = enc_col.dictionary.to_pylist()
        wrong = np.array([not _valid_utf8(v) for v in distinct], dtype=bool)
        codes = enc_col.indices.to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(wrong[codes])
        cells.append(BadCells(name, rows, [distinct[c].decode("utf-8", "backslashreplace") for c in codes[rows]],
                              "bad_encoding", f"bytes that are not valid {enc.removesuffix('-sig').upper()} text"))
        cols[name] = pc.if_else(pa.array(wrong[codes]), pa.scalar(None, pa.binary()), col.combine_chunks()).cast(pa.string())
    return pa.table(cols), cells


def _valid_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _nul_cells(table, suspects: set[str]):
    """Values holding a NUL byte (binary data, or a UTF-16 file read as something else) become missing
    (only the ``suspects`` columns can hold one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols, cells = {}, []
    for name, col in zip(table.column_names, table.columns):
        if name not in suspects:
            cols[name] = col
            continue
        plain = col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
        mask = pc.fill_null(pc.match_substring(plain, "\x00"), False)
        rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        if len(rows) == 0:
            cols[name] = col
            continue
        values = [v.replace("\x00", "\\x00") for v in pc.take(plain, pa.array(rows)).to_pylist()]
        cells.append(BadCells(name, rows, values, "nul_byte", "a NUL byte (binary data) inside the value"))
        cols[name] = pc.if_else(mask, pa.scalar(None, pa.string()), plain)
    return (pa.table(cols) if cells else table), cells


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


def _header(path: Path, enc: str, delim: str, skip: int = 0) -> list[str]:
    with open(path, encoding=enc, errors="backslashreplace" if enc.startswith("utf-8") else "strict",
              newline="") as fh:
        for _ in range(skip):
            fh.readline()
        reader = csv.reader(fh, delimiter=delim)
        try:
            return next(reader)
        except StopIteration:
            raise DataError("the file is empty (no header row).", file=str(path)) from None


def _decode(data: bytes, enc: str) -> str:
    """The file's text; bytes the encoding does not define stay as lone surrogates (found per value below)."""
    if enc in ("utf-8-sig", "utf-8", "cp1252"):
        text = data.decode(enc, errors="surrogateescape")
    else:
        text = data.decode(enc, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


_UNCLOSED = ('opens a quote (") that is never closed: the lines after it are read as rows of their own '
             "(close the quote in the export)")


def _read_csv_python(data: bytes, path: Path, enc: str, delim: str, skip: int = 0) -> RawTable:
    """Slower reader that keeps blank lines and rows with the wrong number of fields (for the ledger),
    and reads a quote that is never closed as the physical lines it swallowed."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))  # a long note is a value, not an error
    text = _decode(data, enc)
    check_text = bool(_NOT_TEXT.search(text))
    lines = list(io.StringIO(text, newline=""))[skip:]
    del text
    if not lines:
        raise DataError("the file is empty (no header row).", file=str(path))
    header_reader = csv.reader(iter(lines), delimiter=delim)
    header = [h.strip() for h in next(header_reader)]
    header = [h.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if _NOT_TEXT.search(h) else h
              for h in header]
    _refuse_duplicates(header, path)
    width = len(header)
    out = _Rows(width, delim, check_text)
    out.row = 1
    _parse_lines(lines[header_reader.line_num:], out)
    frame = pd.DataFrame(out.rows, columns=header, dtype="str") if out.rows else pd.DataFrame(columns=header, dtype="str")
    frame["_source_row"] = np.array(out.src, dtype="int64")
    cells = [BadCells(header[j], np.array(rows, dtype=np.int64), values, reason,
                      "a NUL byte (binary data) inside the value" if reason == "nul_byte"
                      else f"bytes that are not valid {enc.removesuffix('-sig').upper()} text")
             for (j, reason), (rows, values) in sorted(out.cells.items())]
    return RawTable(frame, path, enc, delim, bad_lines=out.bad, empty_rows=out.empty, bad_cells=cells, notes=out.notes)


class _Rows:
    """What the forgiving reader collects."""

    def __init__(self, width: int, delim: str, check_text: bool):
        self.width, self.delim, self.check_text = width, delim, check_text
        self.rows: list[list] = []
        self.src: list[int] = []
        self.bad: list[tuple[int, str]] = []
        self.empty: list[int] = []
        self.notes: dict[int, str] = {}
        self.cells: dict[tuple[int, str], tuple[list[int], list[str]]] = {}
        self.row = 1

    def add(self, rec: list[str]) -> None:
        if self.check_text:
            for j, v in enumerate(rec):
                if _NOT_TEXT.search(v):
                    reason = "nul_byte" if "\x00" in v else "bad_encoding"
                    rows, values = self.cells.setdefault((j, reason), ([], []))
                    rows.append(len(self.rows))
                    values.append(_printable(v))
                    rec[j] = None
        self.rows.append(rec)
        self.src.append(self.row)


def _printable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def _parse_lines(lines: list[str], out: _Rows) -> None:
    """Read ``lines`` (physical lines, line ends kept) into ``out``, a row per record. A record that
    spans several lines and then has the wrong number of fields, or runs to the end of the file inside
    a quote, is a quote that was never closed: its first line is set aside (``malformed_row``) and the
    lines it swallowed are read again as rows of their own."""
    reader = csv.reader(iter(lines), delimiter=out.delim)
    done = 0
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return
        start, done = done, reader.line_num
        out.row += 1
        if not rec or all(not c.strip() for c in rec):
            out.empty.append(out.row)
            continue
        if len(rec) > out.width and all(not c.strip() for c in rec[out.width:]):
            rec = rec[:out.width]  # trailing empty fields (a trailing delimiter)
        spans = done - start > 1
        if spans and not _one_strict_record("".join(lines[start:done]), out.delim, out.width):
            out.bad.append((out.row, _printable(lines[start].rstrip("\r\n"))))
            out.notes[out.row] = _UNCLOSED
            _parse_lines(lines[start + 1: done], out)
            continue
        if len(rec) != out.width:
            out.bad.append((out.row, _printable(out.delim.join(rec))))
            continue
        out.add(rec)


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
