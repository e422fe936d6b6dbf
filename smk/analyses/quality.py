"""Data quality (notebook 00): what was read from each export, which rows were set aside and why,
and what the data allows. Compute only: codes, counts and the loaded client's own tables; the
words are in smk/views/quality.py and the catalogue (``quality.*``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from smk.analyses.base import Headline, Result
from smk.client.capabilities import CAPABILITIES, capabilities, table_summary
from smk.io.ledger import CLEARED, SET_ASIDE

#: Ledger rows shown as examples in the report (the CSV beside it has them all).
EXAMPLES = 15


@dataclass(frozen=True, eq=False)
class QualityResult(Result):
    """``tables``: one row per table read (``table, file, rows_in, rows_kept, rows_set_aside,
    values_cleared, first, last``, smk.client.capabilities.table_summary); ``reasons``: ledger
    findings counted (``table, reason, action, rows``; by table, most rows first, then reason);
    ``examples``: the first ledger rows by table and source row (``table, file, source_row, column,
    value, reason, action``; ``file`` is the file name only, values as read: the view masks PII);
    ``capabilities``: ``capability, available`` in the order of CAPABILITIES, unknown names after,
    sorted. Totals: ``leads_read`` (rows of the leads export), ``rows_read`` (all exports),
    ``rows_set_aside``, ``values_cleared``."""

    tables: pd.DataFrame
    reasons: pd.DataFrame
    examples: pd.DataFrame
    capabilities: pd.DataFrame
    leads_read: int
    rows_read: int
    rows_set_aside: int
    values_cleared: int

    @property
    def share_set_aside(self) -> float | None:
        """Rows set aside ÷ rows read, all tables (None when nothing was read)."""
        return self.rows_set_aside / self.rows_read if self.rows_read else None

    def headlines(self) -> list[Headline]:
        met = int(self.capabilities["available"].sum())
        total = len(self.capabilities)
        return [
            Headline("quality.headline.leads_read", self.leads_read, "int"),
            Headline("quality.headline.rows_set_aside", self.rows_set_aside, "int"),
            Headline("quality.headline.share_set_aside", self.share_set_aside, "pct:2"),
            Headline("quality.headline.requirements_met", met, "int", display="quality.headline.requirements_display",
                     params={"met": met, "total": total}),
        ]


def ledger_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by table, reason and action: ``table, reason, action, rows`` sorted by table,
    then rows (descending), then reason."""
    if ledger.empty:
        return pd.DataFrame({"table": pd.Series(dtype="str"), "reason": pd.Series(dtype="str"),
                             "action": pd.Series(dtype="str"), "rows": pd.Series(dtype="int64")})
    out = ledger.groupby(["table", "reason", "action"], sort=True).size().rename("rows").reset_index()
    out["rows"] = out["rows"].astype("int64")
    out = out.sort_values(["table", "rows", "reason"], ascending=[True, False, True], kind="stable")
    return out.reset_index(drop=True)


def ledger_examples(ledger: pd.DataFrame, n: int | None = EXAMPLES) -> pd.DataFrame:
    """The first ``n`` ledger rows (the ledger is sorted by table and source row), file name only."""
    df = ledger[["table", "file", "source_row", "column", "value", "reason", "action"]]
    df = df.assign(file=df["file"].map(lambda f: Path(str(f)).name if isinstance(f, str) else f))
    return (df if n is None else df.head(n)).reset_index(drop=True)


def capability_frame(caps: dict[str, bool]) -> pd.DataFrame:
    """``capability, available`` in the order of CAPABILITIES; unknown capabilities follow, sorted."""
    names = [c for c in CAPABILITIES if c in caps] + sorted(c for c in caps if c not in CAPABILITIES)
    return pd.DataFrame({"capability": pd.Series(names, dtype="object"),
                         "available": pd.Series([bool(caps[c]) for c in names], dtype="bool")})


def analyse(client: Any, period: Any = None, *, examples: int | None = EXAMPLES,
            caps: dict[str, bool] | None = None) -> QualityResult:
    """What was read and set aside, and what the data allows. ``period`` is not used (the data
    quality is the whole export's); ``caps`` defaults to the client's capabilities."""
    ledger = client.ledger.to_frame()
    rows_in = {k: int(v) for k, v in (client.rows_in or {}).items()}
    return QualityResult(
        tables=table_summary(client),
        reasons=ledger_counts(ledger),
        examples=ledger_examples(ledger, examples),
        capabilities=capability_frame(dict(capabilities(client) if caps is None else caps)),
        leads_read=rows_in.get("leads", len(client.leads)),
        rows_read=sum(rows_in.values()),
        rows_set_aside=int((ledger["action"] == SET_ASIDE).sum()),
        values_cleared=int((ledger["action"] == CLEARED).sum()),
    )


__all__ = ["EXAMPLES", "QualityResult", "analyse", "capability_frame", "ledger_counts", "ledger_examples"]
