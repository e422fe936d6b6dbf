"""The data-quality ledger: every row set aside and every value cleared, with its reason.

Invariant, per table: rows read == rows kept + rows set aside. Nothing is dropped silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Reason codes and their explanations (en, es). Add a code here before using it.
REASONS: dict[str, tuple[str, str]] = {
    "missing_required": ("a required value is missing", "falta un valor obligatorio"),
    "duplicate_id": ("the id appears more than once (first occurrence kept)", "el id aparece más de una vez (se conserva la primera)"),
    "unknown_lead": ("points to a lead that is not in the leads table", "apunta a un lead que no está en la tabla de leads"),
    "before_lead_created": ("happened before the lead was created", "ocurrió antes de crearse el lead"),
    "closed_before_created": ("closed before it was created", "se cerró antes de crearse"),
    "negative_amount": ("negative amount", "importe negativo"),
    "future_date": ("date is in the future", "fecha en el futuro"),
    "bad_date": ("not a readable date", "no es una fecha legible"),
    "bad_number": ("not a readable number", "no es un número legible"),
    "bad_bool": ("not a readable yes/no value", "no es un valor sí/no legible"),
    "unmapped_value": ("value not in the value mapping", "valor sin correspondencia en el mapeo"),
    "out_of_range": ("value out of the allowed range", "valor fuera del rango permitido"),
    "unknown_question": ("question id not in the question bank", "pregunta desconocida en el banco de preguntas"),
    "empty_row": ("the row is empty", "la fila está vacía"),
    "malformed_row": ("the row has the wrong number of fields", "la fila tiene un número de campos incorrecto"),
}

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
        if reason not in REASONS:
            raise ValueError(f"unknown ledger reason {reason!r}")
        self._rows.append({
            "table": table, "file": file, "source_row": source_row, "column": column,
            "value": None if value is None else str(value), "reason": reason,
            "action": action, "detail": detail,
        })

    def add_many(self, table: str, file: str, rows: pd.DataFrame, column: str | None, reason: str,
                 action: str = SET_ASIDE, detail: str = "", value_column: str | None = None) -> None:
        """Record every row of ``rows`` (which carries ``_source_row``) with one reason."""
        if rows.empty:
            return
        vc = value_column or column
        values = rows[vc].astype("object").where(rows[vc].notna(), None) if vc and vc in rows else [None] * len(rows)
        for src, val in zip(rows["_source_row"].tolist(), list(values)):
            self.add(table, file, int(src), column, val, reason, action, detail)

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self._rows, columns=COLUMNS)
        df["source_row"] = df["source_row"].astype("Int64")
        return df.sort_values(["table", "source_row", "column"], kind="stable", na_position="first").reset_index(drop=True)

    def set_aside(self, table: str | None = None) -> pd.DataFrame:
        df = self.to_frame()
        df = df[df["action"] == SET_ASIDE]
        return df if table is None else df[df["table"] == table]

    def counts(self, lang: str = "en") -> pd.DataFrame:
        """Counts by table, reason and action, with the reason explained in ``lang``."""
        df = self.to_frame()
        out = (df.groupby(["table", "reason", "action"], sort=True).size().rename("rows").reset_index())
        idx = 0 if lang == "en" else 1
        out["meaning"] = out["reason"].map(lambda r: REASONS[r][idx])
        return out

    def __len__(self) -> int:
        return len(self._rows)
