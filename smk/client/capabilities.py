"""What a loaded client's data supports (capabilities) and what was read per table."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # the model asks this module for its summary
    from smk.client.model import Client


#: capability -> (en, es) explanation of what provides it
CAPABILITIES: dict[str, tuple[str, str]] = {
    "leads": ("a leads table", "una tabla de leads"),
    "outcomes": ("which leads became customers (deals, or customer date / won flag / status on leads)",
                 "qué leads se convirtieron en clientes (negocios, o fecha de cliente / indicador de ganado / estado en leads)"),
    "revenue": ("revenue per customer (deal amounts or revenue on leads)", "ingresos por cliente (importes de negocios o ingresos en leads)"),
    "activity_log": ("an activities log with dates", "un registro de actividades con fechas"),
    "activities": ("marketing activities (a log, or per-lead counters such as number of pageviews)",
                   "actividades de marketing (un registro, o contadores por lead como número de visitas)"),
    "attempt_log": ("a contact-attempts log with dates and outcomes", "un registro de intentos de contacto con fechas y resultados"),
    "attempts": ("contact attempts (a log, or the number of attempts per lead)", "intentos de contacto (un registro, o el número de intentos por lead)"),
    "deals": ("a deals table", "una tabla de negocios"),
    "web_traffic": ("web traffic by channel", "tráfico web por canal"),
    "quotas": ("sales quotas", "cuotas de ventas"),
    "survey": ("answers to the alignment questionnaire", "respuestas al cuestionario de alineación"),
    "mql": ("the date each lead became an MQL", "la fecha en que cada lead pasó a MQL"),
    "owners": ("the sales owner of each lead", "el responsable de ventas de cada lead"),
    "dated": ("the date each lead was created", "la fecha de creación de cada lead"),
}


def _any(df: pd.DataFrame | None, col: str) -> bool:
    return df is not None and col in df and bool(df[col].notna().any())


def capabilities(client: Client) -> dict[str, bool]:
    """What the client's data supports (names in docs/architecture.md)."""
    leads, deals = client.leads, client.deals
    counters = [c for c in leads.columns if c.startswith("n_") and c not in ("n_attempts", "n_connects")]
    caps = {
        "leads": len(leads) > 0,
        "outcomes": _any(deals, "lead_id") or any(_any(leads, c) for c in ("customer_at", "won", "status")),
        "revenue": _any(deals, "amount") or _any(leads, "revenue"),
        "activity_log": client.has("activities"),
        "activities": client.has("activities") or bool(counters),
        "attempt_log": client.has("contact_attempts"),
        "attempts": client.has("contact_attempts") or _any(leads, "n_attempts"),
        "deals": client.has("deals"),
        "web_traffic": client.has("web_traffic"),
        "quotas": client.has("quotas"),
        "survey": client.has("survey"),
        "mql": _any(leads, "mql_at"),
        "owners": _any(leads, "owner"),
        "dated": _any(leads, "created_at"),
    }
    return caps


def missing_capabilities(client: Client, needs: list[str]) -> list[str]:
    caps = capabilities(client)
    unknown = [n for n in needs if n not in CAPABILITIES]
    if unknown:
        raise ValueError(f"unknown capability name(s) {unknown}; known: {sorted(CAPABILITIES)}")
    return [n for n in needs if not caps.get(n, False)]


def table_summary(client: Client) -> pd.DataFrame:
    """One row per table: file, rows in, kept, set aside, values cleared, first and last date."""
    led = client.ledger.to_frame()
    rows = []
    for name, df in client.tables.items():
        dates = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c].dtype)]
        main = dates[0] if dates else None
        t = led[led["table"] == name]
        rows.append({
            "table": name,
            "file": client.sources[name].name if name in client.sources else "",
            "rows_in": client.rows_in.get(name, len(df)),
            "rows_kept": len(df),
            "rows_set_aside": int((t["action"] == "row_set_aside").sum()),
            "values_cleared": int((t["action"] == "value_cleared").sum()),
            "first": df[main].min() if main and len(df) else pd.NaT,
            "last": df[main].max() if main and len(df) else pd.NaT,
        })
    return pd.DataFrame(rows)
