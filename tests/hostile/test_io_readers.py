"""Hostile and broken exports (issue 17, items 6, 7, 10, 11): rows in = kept + set aside, no value
read as another, a clear message instead of a traceback."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import smk
from smk.errors import DataError
from smk.io.readers import FIELD_LIMIT, detect_encoding, encoding_from_evidence, read_raw

AS_OF = "2026-01-01"


def load(folder: Path, data: bytes, name: str = "leads.csv", extra: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    (folder / "client.yml").write_text(f"name: X\ntables:\n  leads:\n    file: {name}\n{extra}", encoding="utf-8")
    return smk.load_client(folder, as_of=AS_OF)


def ledger(c) -> list[tuple]:
    led = c.ledger.to_frame()
    values = [None if pd.isna(v) else v for v in led["value"]]
    return list(zip(led["source_row"].tolist(), led["column"].tolist(), values, led["reason"].tolist(),
                    led["action"].tolist()))


def accounted(c, table: str = "leads") -> bool:
    return c.rows_in[table] == len(c.tables[table]) + len(c.ledger.set_aside(table))


HEADER = b"lead_id,created_at,employees\n"
ROWS = [b"L%d,2025-01-%02d,%d\n" % (i, i, i) for i in range(1, 21)]


# --- item 6: an unterminated quote ----------------------------------------------------------------
@pytest.mark.parametrize("bad, where", [(b'L4,"2025-01-04,4\n', "middle field"), (b'L4,2025-01-04,"4\n', "last field")])
def test_unterminated_quote_reads_every_physical_line(tmp_path, bad, where):
    rows = list(ROWS)
    rows[3] = bad
    c = load(tmp_path, HEADER + b"".join(rows))
    assert c.rows_in["leads"] == 20 and len(c.leads) == 19 and accounted(c)
    assert ledger(c) == [(5, None, bad.decode().rstrip("\n"), "malformed_row", "row_set_aside")]
    assert "opens a quote" in c.ledger.to_frame()["detail"].iloc[0]
    assert c.leads["lead_id"].tolist() == [f"L{i}" for i in range(1, 21) if i != 4]


def test_a_quote_closed_later_sets_aside_its_line_and_rereads_the_lines_it_swallowed(tmp_path):
    rows = list(ROWS)
    rows[3] = b'L4,"2025-01-04,4\n'
    rows[9] = b'L10,"2025-01-10",10\n'  # its first quote closes the one opened on row 5
    c = load(tmp_path, HEADER + b"".join(rows))
    assert c.rows_in["leads"] == 20 and accounted(c)
    assert [r for r, *_ in ledger(c)] == [5]
    assert len(c.leads) == 19 and "L10" in c.leads["lead_id"].tolist()


def test_a_multiline_note_is_still_one_row(tmp_path):
    data = b'lead_id,created_at,note\nL1,2025-01-01,"line one\nline two"\nL2,2025-01-02,x\n'
    c = load(tmp_path, data)
    assert c.rows_in["leads"] == 2 and len(c.leads) == 2 and len(c.ledger) == 0
    assert c.leads["note"].tolist() == ["line one\nline two", "x"]


# --- item 7: encoding decided per file, on evidence ------------------------------------------------
def jose_file(n: int, bad_at: int | None = None, bom: bool = False) -> bytes:
    rows = [("L%d,2025-01-01,José\n" % i).encode("utf-8") for i in range(n)]
    if bad_at is not None:
        rows[bad_at] = b"LX,2025-01-01,Jos\xe9\n"
    return (b"\xef\xbb\xbf" if bom else b"") + b"lead_id,created_at,name\n" + b"".join(rows)


@pytest.mark.parametrize("n, bad_at, bom", [
    (40_000, 39_999, False),  # one cp1252 byte after the first MiB
    (40_000, 3, False),       # ... or in the first MiB, among thousands of UTF-8 accents
    (200, 150, True),         # one value in a file with a BOM
])
def test_one_cp1252_byte_does_not_redecode_good_values(tmp_path, n, bad_at, bom):
    c = load(tmp_path, jose_file(n, bad_at, bom))
    assert c.leads["name"].value_counts().to_dict() == {"José": n - 1}
    assert ledger(c) == [(bad_at + 2, "name", "Jos\\xe9", "bad_encoding", "value_cleared")]
    assert accounted(c)


def test_an_undecodable_required_value_sets_the_row_aside(tmp_path):
    data = "lead_id,created_at,name\nL1,2025-01-01,Ana\n".encode() + b"L\xe92,2025-01-01,Bea\n" + \
        "L3,2025-01-01,Ñandú\n".encode()
    c = load(tmp_path, data)
    assert c.leads["lead_id"].tolist() == ["L1", "L3"] and c.leads["name"].tolist() == ["Ana", "Ñandú"]
    assert ledger(c) == [(3, "lead_id", "L\\xe92", "bad_encoding", "row_set_aside")]


def test_a_cp1252_file_is_read_as_cp1252(tmp_path):
    data = "lead_id;created_at;company\nL1;2025-01-01;Compañía Ñandú\nL2;2025-01-02;Müller\n".encode("cp1252")
    c = load(tmp_path, data)
    assert c.leads["company"].tolist() == ["Compañía Ñandú", "Müller"] and len(c.ledger) == 0


def test_utf16_with_a_bom_is_read(tmp_path):
    data = "lead_id\tcreated_at\tcompany\nL1\t2025-01-01\tCompañía\n".encode("utf-16")
    c = load(tmp_path, data)
    assert c.leads["company"].tolist() == ["Compañía"] and len(c.ledger) == 0


def test_encoding_evidence():
    assert detect_encoding(b"\xef\xbb\xbfa,b\n") == "utf-8-sig"
    assert detect_encoding("a,b\nJosé,1\n".encode()[:-4]) == "utf-8-sig"  # a character cut by the sample is not evidence
    assert detect_encoding("Compañía,Ñandú\n".encode("cp1252")) == "cp1252"
    assert encoding_from_evidence(jose_file(100, 5)) == "utf-8-sig"  # 99 accents against 1 bad byte
    assert encoding_from_evidence("José\n".encode() + b"Jos\xe9\n") == "utf-8-sig"  # one accent is evidence enough
    assert encoding_from_evidence("x\n".encode() * 100 + b"Jos\xe9\n") == "cp1252"  # no UTF-8 accent at all


# --- item 11: NUL bytes, Excel's sep= line ---------------------------------------------------------
@pytest.mark.parametrize("blank", [b"", b"\n"])  # the fast reader, and the forgiving one (a blank line)
def test_nul_bytes_go_to_the_ledger(tmp_path, blank):
    data = HEADER + b"A,2025-01-01,1\n" + blank + b"B\x00x,2025-01-01,2\nC,2025-01-01,3\x00\n"
    c = load(tmp_path, data)
    rows = ledger(c)
    shift = 1 if blank else 0
    assert (3 + shift, "lead_id", "B\\x00x", "nul_byte", "row_set_aside") in rows
    assert (4 + shift, "employees", "3\\x00", "nul_byte", "value_cleared") in rows
    assert c.leads["lead_id"].tolist() == ["A", "C"] and pd.isna(c.leads["employees"].iloc[1]) and accounted(c)


def test_excel_sep_line_names_the_delimiter(tmp_path):
    c = load(tmp_path, b"sep=;\nlead_id;created_at;employees\nA;2025-01-01;1,5\nB;2025-01-02;2\n")
    assert c.leads["lead_id"].tolist() == ["A", "B"] and c.leads["employees"].tolist() == [1.5, 2.0]
    assert c.leads["_source_row"].tolist() == [2, 3]  # Excel hides the sep= line: the header is row 1


# --- item 10: a field over 128 KB next to a blank or ragged line -----------------------------------
@pytest.mark.parametrize("neighbour, reason", [(b"\n", "empty_row"), (b"B,2025-01-02,y,z\n", "malformed_row")])
def test_long_field_next_to_a_blank_or_ragged_line(tmp_path, neighbour, reason):
    note = b"x" * 140_000
    c = load(tmp_path, b"lead_id,created_at,note\nA,2025-01-01," + note + b"\n" + neighbour + b"C,2025-01-03,z\n")
    assert c.leads["note"].tolist() == [note.decode(), "z"] and [r[3] for r in ledger(c)] == [reason]
    assert FIELD_LIMIT > 128 * 1024


# --- item 10: unreadable workbooks and Parquet files -----------------------------------------------
@pytest.mark.parametrize("name, data", [
    ("leads.xlsx", b"not a zip at all"),
    ("leads.xlsx", b"PK\x03\x04" + b"\x00" * 200),  # a truncated zip
    ("leads.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500),  # an old binary .xls
    ("leads.parquet", b"PAR1garbagePAR1"),
    ("leads.parquet", b"id,name\n1,2\n"),
])
def test_unreadable_binary_files_are_a_clear_error(tmp_path, name, data):
    with pytest.raises(DataError) as exc:
        load(tmp_path, data, name)
    msg = str(exc.value)
    assert name in msg and "not a readable" in msg and ("save it again" in msg or "Export the table again" in msg)


def test_truncated_real_workbook(tmp_path):
    pd.DataFrame({"lead_id": ["L1"], "created_at": ["2025-01-01"]}).to_excel(tmp_path / "full.xlsx", index=False)
    data = (tmp_path / "full.xlsx").read_bytes()
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        load(tmp_path / "c", data[: len(data) // 2], "leads.xlsx")


# --- item 11: XLSX merged cells, formulas without a result, repeated headers, several sheets ---------
def workbook(path: Path, build) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    build(wb)
    wb.save(path)


def test_merged_and_formula_cells_reach_the_ledger(tmp_path):
    def build(wb):
        ws = wb.active
        ws.title = "Leads"
        ws["A1"] = "Leads export, January"
        ws.merge_cells("A1:C1")  # a title above the header
        ws.append([])
        ws.append(["lead_id", "created_at", "team"])
        ws.append(["L1", "2025-01-01", '=UPPER("north")'])  # openpyxl saves no result: like a script's file
        ws.append(["L2", "2025-01-02", "South"])
        ws.merge_cells("C5:C7")
        ws.append(["L3", "2025-01-03", None])
        ws.append(["L4", "2025-01-04", None])

    (tmp_path / "c").mkdir()
    workbook(tmp_path / "c" / "leads.xlsx", build)
    (tmp_path / "c" / "client.yml").write_text("name: X\ntables: {leads: {file: leads.xlsx}}\n", encoding="utf-8")
    c = smk.load_client(tmp_path / "c", as_of=AS_OF)
    assert c.leads["_source_row"].tolist() == [4, 5, 6, 7]
    assert c.leads["team"].tolist()[1] == "South" and c.leads["team"].isna().tolist() == [True, False, True, True]
    assert ledger(c) == [(4, "team", '=UPPER("north")', "formula_without_value", "value_cleared"),
                         (6, "team", None, "merged_cell", "value_cleared"),
                         (7, "team", None, "merged_cell", "value_cleared")]
    assert "only C5 holds the value" in c.ledger.to_frame()["detail"].iloc[1]


def test_xlsx_repeated_headers_are_refused_as_in_csv(tmp_path):
    workbook(tmp_path / "leads.xlsx", lambda wb: (wb.active.append(["lead_id", "email", "email "]),
                                                  wb.active.append(["L1", "a", "b"])))
    with pytest.raises(DataError, match=r"repeats column name\(s\) \['email'\]"):
        read_raw(tmp_path / "leads.xlsx")  # 'email ' is 'email' once trimmed (pandas would rename it 'email.1')
    workbook(tmp_path / "dup.xlsx", lambda wb: (wb.active.append(["lead_id", "x", "x"]), wb.active.append(["L1", 1, 2])))
    with pytest.raises(DataError, match=r"repeats column name\(s\) \['x'\]"):
        read_raw(tmp_path / "dup.xlsx")


def test_several_sheets_with_data_ask_for_sheet(tmp_path):
    def build(wb):
        wb.active.title = "Leads"
        wb.active.append(["lead_id", "created_at"])
        wb.active.append(["L1", "2025-01-01"])
        wb.create_sheet("Summary")["A1"] = "totals"
        wb.create_sheet("Empty")

    workbook(tmp_path / "leads.xlsx", build)
    with pytest.raises(DataError, match=r"2 sheets with data \('Leads', 'Summary'\).*`sheet: 'Leads'`"):
        read_raw(tmp_path / "leads.xlsx")
    assert read_raw(tmp_path / "leads.xlsx", sheet="Leads").frame["lead_id"].tolist() == ["L1"]
    with pytest.raises(DataError, match="no sheet 'Leeds'; its sheets are 'Leads', 'Summary', 'Empty'"):
        read_raw(tmp_path / "leads.xlsx", sheet="Leeds")


# --- item 4: errors name the problem without echoing a file's content ---------------------------------
@pytest.mark.parametrize("data, what", [
    (b"PK\x03\x04" + b"\x00" * 100, "zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nsecret payload", "PDF"),
    (b"\x1f\x8b\x08\x00secret", "gzip"),
    (b"l\x00e\x00a\x00d\x00\n\x00", "NUL bytes"),
])
def test_a_binary_file_named_csv_is_named_not_dumped(tmp_path, data, what):
    with pytest.raises(DataError) as exc:
        load(tmp_path, data)
    assert what in str(exc.value) and "secret" not in str(exc.value)


def test_a_missing_column_error_lists_the_header_briefly(tmp_path):
    header = ",".join(["x" * 500] + [f"c{i}" for i in range(100)])
    with pytest.raises(smk.errors.ConfigError) as exc:
        load(tmp_path, (header + "\n" + ",".join(["1"] * 101) + "\n").encode())
    msg = str(exc.value)
    assert "x" * 61 not in msg and "and 61 more" in msg and len(msg) < 2000


def test_a_merged_range_claiming_a_million_rows_costs_only_the_table(tmp_path):
    import time
    import zipfile

    def build(wb):
        ws = wb.active
        ws.append(["lead_id", "created_at", "team"])
        ws.append(["L1", "2025-01-01", "North"])
        ws.append(["L2", "2025-01-02", None])
        ws.merge_cells("C2:C3")

    workbook(tmp_path / "small.xlsx", build)
    # the same workbook claiming C2:Z1048576 (openpyxl itself would create every cell of such a range)
    with zipfile.ZipFile(tmp_path / "small.xlsx") as src, \
            zipfile.ZipFile(tmp_path / "leads.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data.replace(b'ref="C2:C3"', b'ref="C2:Z1048576"'))
    start = time.perf_counter()
    raw = read_raw(tmp_path / "leads.xlsx")
    assert time.perf_counter() - start < 5  # iterating the claimed range would take minutes
    assert [(c.reason, c.rows.tolist()) for c in raw.bad_cells] == [("merged_cell", [1])]


def test_a_zip_bomb_named_xlsx_is_refused_before_unpacking(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "leads.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 << 20))
    assert (tmp_path / "leads.xlsx").stat().st_size < 1 << 20
    with pytest.raises(DataError, match="zip bomb"):
        read_raw(tmp_path / "leads.xlsx")
