"""``smk validate``: what was read, what was set aside and why, and which analyses can run.
Words from the catalogue (``run.validate.*``) in the language of ``--lang``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from smk import texts
from smk.client import Client
from smk.client.capabilities import capabilities, missing_capabilities, table_summary
from smk.client.loader import load_client
from smk.io.readers import write_csv_safe
from smk.views import fmt
from smk.views.html import capability_label
from smk.views.quality import ledger_export, reason_text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: Tables a client may add (named in the summary when absent).
OPTIONAL_TABLES = ("activities", "contact_attempts", "deals", "web_traffic", "quotas", "survey")


def describe_needs(needs: list[str], lang: str = "en") -> str:
    """What the capabilities ``needs`` mean, in ``lang``, joined."""
    return texts.t("common.list_sep", lang).join(capability_label(n, lang) for n in needs)


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


def _count(n: int, lang: str) -> str:
    return fmt.number(n, lang)


def format_summary(client: Client, lang: str = "en") -> str:
    """The text ``smk validate`` prints."""
    def t(key: str, **values) -> str:
        return texts.t(f"run.validate.{key}", lang, **values)

    cfg = client.config
    lines = [t("client", name=client.name, timezone=cfg.timezone, currency=cfg.currency),
             (t("data_ends", end=f"{client.data_end:%Y-%m-%d %H:%M %Z}", period=client.default_period())
              if pd.notna(client.data_end) else t("undated")), "", t("tables")]
    for r in table_summary(client).itertuples():
        span = (f"{r.first:%Y-%m-%d} → {r.last:%Y-%m-%d}" if pd.notna(r.first) else "")
        lines.append(t("table_row", table=r.table, file=r.file, rows_in=_count(r.rows_in, lang),
                       rows_kept=_count(r.rows_kept, lang), rows_set_aside=_count(r.rows_set_aside, lang),
                       values_cleared=_count(r.values_cleared, lang), span=span))
    absent = [name for name in OPTIONAL_TABLES if name not in client.tables]
    if absent:
        lines.append(t("not_provided", tables=", ".join(absent)))
    led = client.ledger.to_frame()
    counts = led.groupby(["table", "reason", "action"], sort=True).size().rename("rows").reset_index()
    lines += ["", t("ledger") if len(counts) else t("ledger_empty")]
    for r in counts.itertuples():
        lines.append(t("ledger_row", table=r.table, reason=r.reason, rows=_count(r.rows, lang), action=r.action,
                       meaning=reason_text(r.reason, lang)))
    status = analyses_status(client, lang=lang)
    if len(status):
        lines += ["", t("analyses")]
        for r in status.itertuples():
            lines.append(t("can_run", notebook=r.notebook) if r.can_run else
                         t("cannot_run", notebook=r.notebook, missing=r.missing))
    caps = capabilities(client)
    yes, no = texts.t("common.yes", lang), texts.t("common.no", lang)
    lines += ["", t("capabilities", capabilities=", ".join(f"{k}={yes if v else no}" for k, v in caps.items()))]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_dir", help="client folder with client.yml, e.g. data/demo (relative to where you are)")
    parser.add_argument("--lang", choices=list(texts.LANGS), default="en", help="language of the explanations")
    parser.add_argument("--ledger", metavar="CSV", help="also write the full ledger to this CSV (spreadsheet-safe; "
                        "e-mails and phone numbers hidden unless client.yml report.show_pii)")
    parser.add_argument("--as-of", default=None, help="treat dates after this moment as 'in the future' (default: now)")


def run(args: argparse.Namespace) -> int:
    client = load_client(Path(args.client_dir).expanduser().absolute(), as_of=args.as_of)
    print(format_summary(client, args.lang))
    if args.ledger:
        path = Path(args.ledger).expanduser().absolute()
        write_csv_safe(ledger_export(client, args.lang), path)
        print("\n" + texts.t("run.validate.ledger_written", args.lang, path=args.ledger))
    if len(client.leads) == 0:
        print("\n" + texts.t("run.validate.no_leads", args.lang))
        return 1
    return 0
