"""The loaded client: canonical tables, config, and the data-quality ledger."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from smk.client.capabilities import table_summary
from smk.errors import ConfigError
from smk.io.config import ClientConfig
from smk.io.ledger import Ledger


@dataclass
class Client:
    """A client's data after loading and validation.

    Attributes
    ----------
    config: the parsed client.yml.
    tables: canonical DataFrames by table name (only the tables the client has).
    ledger: every row set aside and every value cleared, with the reason.
    rows_in: rows read per table (rows_in == rows kept + rows set aside, always).
    data_end: the latest timestamp seen in the data (in the client's timezone); analyses treat it
        as "now" for censoring, so results do not depend on the wall clock.
    sources: file actually read for each table.
    """

    config: ClientConfig
    tables: dict[str, pd.DataFrame]
    ledger: Ledger
    rows_in: dict[str, int]
    data_end: pd.Timestamp
    path: Path | None = None
    sources: dict[str, Path] = field(default_factory=dict)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: tuple, compute):
        """Per-lead tables derived from the loaded data (outcomes, SLA clock…), computed once per
        client: several notebook sections need the same table, and on a million leads each costs
        seconds. DataFrames come back as shallow copies (pandas copy-on-write: callers may modify
        them without touching the cached one). The tables themselves must not be changed in place
        after loading (replacing one is fine: the key includes which table objects it was computed from)."""
        store = self.__dict__.setdefault("_derived", {})
        key = (*key, tuple((name, id(df)) for name, df in self.tables.items()))  # a replaced table: recompute
        if key not in store:
            store[key] = compute()
        value = store[key]
        if isinstance(value, tuple):
            return tuple(v.copy(deep=False) if isinstance(v, (pd.DataFrame, pd.Series)) else v for v in value)
        return value.copy(deep=False) if isinstance(value, (pd.DataFrame, pd.Series)) else value

    # --- convenience -------------------------------------------------------------------------
    def has(self, *names: str) -> bool:
        """True if every named table is present and non-empty."""
        return all(n in self.tables and len(self.tables[n]) > 0 for n in names)

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def leads(self) -> pd.DataFrame:
        return self.tables["leads"]

    @property
    def activities(self) -> pd.DataFrame | None:
        return self.tables.get("activities")

    @property
    def contact_attempts(self) -> pd.DataFrame | None:
        return self.tables.get("contact_attempts")

    @property
    def deals(self) -> pd.DataFrame | None:
        return self.tables.get("deals")

    @property
    def web_traffic(self) -> pd.DataFrame | None:
        return self.tables.get("web_traffic")

    @property
    def quotas(self) -> pd.DataFrame | None:
        return self.tables.get("quotas")

    @property
    def survey(self) -> pd.DataFrame | None:
        return self.tables.get("survey")

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def tz(self):
        return self.config.tz

    def lead_counters(self) -> list[str]:
        """Per-lead counter columns present on the leads table (``n_page_view``, ``n_attempts``, …)."""
        return [c for c in self.leads.columns if c.startswith("n_")]

    def default_period(self) -> str:
        """client.yml's ``period``, else the last complete month before ``data_end``."""
        if self.config.period:
            return self.config.period
        if pd.isna(self.data_end):
            raise ConfigError(f"{self.config.path}: the data has no dates, so there is no default month; "
                              "set `period: YYYY-MM` in client.yml (it only names the report folder).")
        end = self.data_end.tz_localize(None) if self.data_end.tzinfo else self.data_end
        p = end.to_period("M")
        if end.normalize() < (p.end_time.normalize()):
            p = p - 1
        return str(p)

    def summary(self) -> pd.DataFrame:
        """One row per table: rows in, kept, set aside, first and last date."""
        return table_summary(self)
