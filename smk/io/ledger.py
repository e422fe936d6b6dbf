"""The data-quality ledger: every row set aside and every value cleared, with its reason.

Invariant, per table: rows read == rows kept + rows set aside. Nothing is dropped silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Reason codes. What each means, in every language, is in the text catalogue under
#: ``ledger.reason.<code>`` (smk/texts/<lang>/ledger.yml); add a code here and there before using it.
REASON_CODES: tuple[str, ...] = (
    "missing_required", "duplicate_id", "unknown_lead", "before_lead_created", "closed_before_created",
    "negative_amount", "future_date", "bad_date", "bad_number", "bad_bool", "unmapped_value", "out_of_range",
    "unknown_question", "empty_row", "malformed_row", "bad_encoding", "nul_byte", "merged_cell",
    "formula_without_value",
)


def reason_key(code: str) -> str:
    """The catalogue key of a reason's text: ``smk.texts.t(reason_key(code), lang)``."""
    return f"ledger.reason.{code}"


SET_ASIDE = "row_set_aside"
CLEARED = "value_cleared"

COLUMNS = ["table", "file", "source_row", "column", "value", "reason", "action", "detail"]


@dataclass
class Ledger:
    """Append-only record of data-quality findings.

    ``source_row`` is the row number a person sees when opening the file in a spreadsheet
    (the header is row 1, the first data row is row 2).
    """

    _rows: list[dict] = field(default_factory=list)

    def add(self, table: str, file: str, source_row: int | None, column: str | None, value,
            reason: str, action: str = SET_ASIDE, detail: str = "") -> None:
        if reason not in REASON_CODES:
            raise ValueError(f"unknown ledger reason {reason!r}")
        self._rows.append({
            "table": table, "file": file, "source_row": source_row, "column": column,
            "value": None if value is None else str(value), "reason": reason,
            "action": action, "detail": detail,
        })

    def extend(self, table: str, file: str, source_rows, column: str | None, values, reason: str,
               action: str = SET_ASIDE, detail: str = "") -> None:
        """Record many rows with one reason: ``source_rows`` and ``values`` (None: missing) side by side."""
        if reason not in REASON_CODES:
            raise ValueError(f"unknown ledger reason {reason!r}")
        self._rows.extend(
            {"table": table, "file": file, "source_row": int(src), "column": column,
             "value": None if val is None or val is pd.NA or (isinstance(val, float) and val != val) else str(val),
             "reason": reason, "action": action, "detail": detail}
            for src, val in zip(source_rows, values))

    def add_many(self, table: str, file: str, rows: pd.DataFrame, column: str | None, reason: str,
                 action: str = SET_ASIDE, detail: str = "", value_column: str | None = None) -> None:
        """Record every row of ``rows`` (which carries ``_source_row``) with one reason."""
        if rows.empty:
            return
        vc = value_column or column
        values = rows[vc].astype("object").where(rows[vc].notna(), None) if vc and vc in rows else [None] * len(rows)
        self.extend(table, file, rows["_source_row"].tolist(), column, list(values), reason, action, detail)

    def merge(self, other: "Ledger") -> None:
        """Append the rows of another ledger (kept aside while they were worked out), in their order."""
        self._rows.extend(other._rows)

    def to_frame(self) -> pd.DataFrame:
        rows = self._rows  # column by column: pandas' list-of-dicts path is several times slower
        df = pd.DataFrame({c: [r[c] for r in rows] for c in COLUMNS} if rows else [], columns=COLUMNS)
        df["source_row"] = df["source_row"].astype("Int64")
        return df.sort_values(["table", "source_row", "column"], kind="stable", na_position="first").reset_index(drop=True)

    def set_aside(self, table: str | None = None) -> pd.DataFrame:
        df = self.to_frame()
        df = df[df["action"] == SET_ASIDE]
        return df if table is None else df[df["table"] == table]

    def counts(self) -> pd.DataFrame:
        """Findings counted by ``table, reason, action`` (column ``rows``), sorted by them. Reasons are
        codes: a view words them with ``texts.t(reason_key(reason), lang)``."""
        df = self.to_frame()
        return df.groupby(["table", "reason", "action"], sort=True).size().rename("rows").reset_index()

    def __len__(self) -> int:
        return len(self._rows)
