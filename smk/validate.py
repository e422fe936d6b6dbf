"""``smk validate``: what was read, what was set aside and why, and which analyses can run."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from smk.client import Client

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

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


def describe_needs(needs: list[str], lang: str = "en") -> str:
    i = 0 if lang == "en" else 1
    return "; ".join(CAPABILITIES[n][i] for n in needs)


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


def notebook_requirements(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[dict]:
    """Each notebook's id, title and ``smk.requires`` from its metadata (sorted by file name)."""
    out = []
    for nb in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        meta = json.loads(nb.read_text(encoding="utf-8")).get("metadata", {}).get("smk", {})
        out.append({"notebook": nb.stem, "id": nb.stem[:2], "title": meta.get("title", {}),
                    "requires": list(meta.get("requires", []))})
    return out


def analyses_status(client: Client, notebooks_dir: Path = NOTEBOOKS_DIR, lang: str = "en") -> pd.DataFrame:
    """Which notebooks can run on this client, and what is missing for the others."""
    rows = []
    for nb in notebook_requirements(notebooks_dir):
        missing = missing_capabilities(client, nb["requires"])
        rows.append({"notebook": nb["notebook"], "can_run": not missing,
                     "missing": describe_needs(missing, lang) if missing else ""})
    return pd.DataFrame(rows, columns=["notebook", "can_run", "missing"])


def format_summary(client: Client, lang: str = "en") -> str:
    """The text ``smk validate`` prints."""
    lines = [f"Client: {client.name}  (timezone {client.config.timezone}, currency {client.config.currency})",
             (f"Data ends: {client.data_end:%Y-%m-%d %H:%M %Z}   default period: {client.default_period()}"
              if pd.notna(client.data_end) else "Data has no dates (undated export): time-based analyses cannot run."), "",
             "Tables:"]
    ts = table_summary(client)
    for r in ts.itertuples():
        span = (f"{r.first:%Y-%m-%d} → {r.last:%Y-%m-%d}" if pd.notna(r.first) else "")
        lines.append(f"  {r.table:<17} {r.file:<34} {r.rows_in:>9,} in  {r.rows_kept:>9,} kept  "
                     f"{r.rows_set_aside:>6,} set aside  {r.values_cleared:>6,} values cleared  {span}")
    absent = [t for t in ("activities", "contact_attempts", "deals", "web_traffic", "quotas", "survey") if t not in client.tables]
    if absent:
        lines.append(f"  (not provided: {', '.join(absent)})")
    counts = client.ledger.counts(lang)
    lines += ["", "Data-quality ledger:" if len(counts) else "Data-quality ledger: nothing set aside."]
    for r in counts.itertuples():
        lines.append(f"  {r.table:<17} {r.reason:<22} {r.rows:>7,}  {r.action:<14} {r.meaning}")
    status = analyses_status(client, lang=lang)
    if len(status):
        lines += ["", "Analyses:"]
        for r in status.itertuples():
            lines.append(f"  {'✓' if r.can_run else '✗'} {r.notebook}" + ("" if r.can_run else f"  — needs {r.missing}"))
    caps = capabilities(client)
    lines += ["", "Capabilities: " + ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in caps.items())]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_dir", help="client folder with client.yml, e.g. data/demo")
    parser.add_argument("--lang", choices=["es", "en"], default="en", help="language of the explanations")
    parser.add_argument("--ledger", metavar="CSV", help="also write the full ledger to this CSV (spreadsheet-safe)")
    parser.add_argument("--as-of", default=None, help="treat dates after this moment as 'in the future' (default: now)")


def run(args: argparse.Namespace) -> int:
    from smk.loader import load_client
    from smk.readers import write_csv_safe

    client = load_client(args.client_dir, as_of=args.as_of)
    print(format_summary(client, args.lang))
    if args.ledger:
        write_csv_safe(client.ledger.to_frame(), args.ledger)
        print(f"\nLedger written to {args.ledger}")
    if len(client.leads) == 0:
        print("\nerror: no usable leads: every row was set aside (see the ledger).")
        return 1
    return 0
