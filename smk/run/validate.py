"""``smk validate``: what was read, what was set aside and why, and which analyses can run."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from smk.client import Client
from smk.client.capabilities import CAPABILITIES, capabilities, missing_capabilities, table_summary

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

def describe_needs(needs: list[str], lang: str = "en") -> str:
    i = 0 if lang == "en" else 1
    return "; ".join(CAPABILITIES[n][i] for n in needs)


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
    from smk.client.loader import load_client
    from smk.io.readers import write_csv_safe

    client = load_client(args.client_dir, as_of=args.as_of)
    print(format_summary(client, args.lang))
    if args.ledger:
        write_csv_safe(client.ledger.to_frame(), args.ledger)
        print(f"\nLedger written to {args.ledger}")
    if len(client.leads) == 0:
        print("\nerror: no usable leads: every row was set aside (see the ledger).")
        return 1
    return 0
