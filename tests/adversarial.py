"""Small adversarial clients, one per trap a real export sets for a conclusion (issue 16).

Each builder writes a client folder (client.yml + CSV in the canonical column names) and returns
it; what is planted is stated in the docstring, so a test can assert what each report section must
say. Deterministic (seeded). Sizes are small enough for a test, large enough for the planted
effect (or its absence) to be clear.

    from adversarial import build
    folder = build("post_outcome_field", tmp_path)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-01")
END = pd.Timestamp("2026-06-30")  # 18 months of leads
REPS = ("Ana", "Luis", "Marta", "Pedro")


def _base(n: int, seed: int, *, start: pd.Timestamp = START, end: pd.Timestamp = END) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng(seed)
    span = (end - start).total_seconds()
    created = pd.Series(start + pd.to_timedelta(np.sort(rng.uniform(0, span, n)), unit="s"))
    leads = pd.DataFrame({
        "lead_id": [f"L{i:05d}" for i in range(n)],
        "created_at": created.dt.floor("min"),
        "channel": rng.choice(["organic_search", "paid_search", "email", "events"], n),
        "offer": rng.choice(["ebook", "webinar", "demo_request"], n),
        "owner": rng.choice(REPS, n),
        "team": "Atlas",
        "industry": rng.choice(["Energy", "Retail", "Software"], n),
        "n_page_view": rng.poisson(4, n),
    })
    return leads, rng


def _deals(leads: pd.DataFrame, outcome: np.ndarray, rng: np.random.Generator, *,
           cycle_days: np.ndarray | None = None, amount: float = 5000.0) -> pd.DataFrame:
    """One deal per lead with an outcome other than 'none': won / lost closed ``cycle_days`` after
    creation (default 10–80 days), open without a close date."""
    has = outcome != "none"
    sub = leads[has]
    oc = outcome[has]
    cycle = cycle_days[has] if cycle_days is not None else rng.uniform(10, 80, len(sub))
    created = sub["created_at"] + pd.Timedelta(days=2)
    closed = (sub["created_at"] + pd.to_timedelta(cycle, unit="D")).dt.floor("min")
    return pd.DataFrame({
        "deal_id": [f"D{i:05d}" for i in range(len(sub))],
        "lead_id": sub["lead_id"].to_numpy(),
        "stage": oc,
        "amount": np.where(oc == "won", amount, amount * 0.8),
        "created_at": created.to_numpy(),
        "closed_at": closed.where(oc != "open").to_numpy(),
        "owner": sub["owner"].to_numpy(),
    })


def _write(folder: Path, name: str, tables: dict[str, pd.DataFrame], *, keep_extra: bool = False,
           undated: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {name}", "currency: EUR", "lang: en", "timezone: UTC", "period: 2026-06"]
    lines.append("tables:")
    for table, df in tables.items():
        df.to_csv(folder / f"{table}.csv", index=False, date_format="%Y-%m-%d %H:%M")
        lines.append(f"  {table}:")
        lines.append(f"    file: {table}.csv")
        if table == "leads" and undated:
            lines.append("    undated: true")
    (folder / "client.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _outcome(p_win: np.ndarray, rng: np.random.Generator, p_deal: float = 0.6) -> np.ndarray:
    """Per lead: 'none' (no deal), else won with probability ``p_win``, otherwise lost."""
    n = len(p_win)
    has = rng.uniform(size=n) < p_deal
    won = rng.uniform(size=n) < p_win
    return np.where(~has, "none", np.where(won, "won", "lost"))


def post_outcome_field(folder: Path, n: int = 2000, seed: int = 1) -> Path:
    """Two fields known only after the outcome, beside one honest signal.

    - ``close_quarter``: empty for every lead without a closed deal, the quarter of the close
      otherwise (a CRM fills it when the deal closes);
    - ``call_duration``: seconds of the sales call, recorded after the call; won leads talked
      longer (≈ 600 s against ≈ 250 s), so alone it separates won from lost almost perfectly;
    - honest signal: ``n_demo_request`` (a demo request doubles the chance to win).
    Expected: close_quarter excluded as post-outcome, call_duration listed for review with its
    evidence, and no sentence saying no field looks leaked.
    """
    leads, rng = _base(n, seed)
    demo = rng.uniform(size=n) < 0.3
    leads["n_demo_request"] = demo.astype(int)
    outcome = _outcome(np.where(demo, 0.5, 0.25), rng)
    deals = _deals(leads, outcome, rng)
    closed = deals.set_index("lead_id")["closed_at"]
    q = pd.to_datetime(leads["lead_id"].map(closed)).dt.to_period("Q").astype("string")
    leads["close_quarter"] = q.where(leads["lead_id"].isin(deals.loc[deals["stage"] != "open", "lead_id"]))
    won = outcome == "won"
    leads["call_duration"] = np.round(np.where(won, rng.normal(600, 60, n), rng.normal(250, 60, n))).clip(5)
    return _write(folder, "Post-outcome fields", {"leads": leads, "deals": deals}, keep_extra=True)


def creation_quarter_field(folder: Path, n: int = 2000, seed: int = 2) -> Path:
    """A calendar part of the creation date exported as a lead field (``created_quarter``), and
    later cohorts that close less (they had less time). Expected: no calendar part becomes a
    "fit" rule of the scorecard."""
    leads, rng = _base(n, seed)
    age = (END - leads["created_at"]).dt.days.to_numpy()
    p = np.clip(0.1 + age / 2000, 0, 0.5)
    outcome = _outcome(p, rng)
    leads["created_quarter"] = leads["created_at"].dt.to_period("Q").astype(str)
    leads["created_month_name"] = leads["created_at"].dt.month_name()
    deals = _deals(leads, outcome, rng)
    return _write(folder, "Creation quarter", {"leads": leads, "deals": deals}, keep_extra=True)


def useless_model(folder: Path, n: int = 2000, seed: int = 3) -> Path:
    """Every field independent of the outcome (30 % of deals won whatever the lead did).
    Expected: the model's AUC interval includes 0.5, no threshold is recommended, and the index
    tile says so."""
    leads, rng = _base(n, seed)
    leads["n_pricing_page_view"] = rng.poisson(1.5, n)
    leads["n_content_download"] = rng.poisson(1.0, n)
    outcome = _outcome(np.full(n, 0.3), rng)
    return _write(folder, "Coin toss", {"leads": leads, "deals": _deals(leads, outcome, rng)})


def partial_outcome_coverage(folder: Path, n: int = 2400, seed: int = 4) -> Path:
    """Leads from January 2025, but the deals export starts in January 2026: leads created before
    2026 have no deal at all (not because they did not buy: the export does not cover them).
    Within the covered period 30 % of deals are won in every month. Expected: the covered period is
    detected, uncovered cohorts stay out of rates, tests and training, and the data-quality
    notebook and each affected section say so; no "month created makes a difference"."""
    leads, rng = _base(n, seed)
    outcome = _outcome(np.full(n, 0.3), rng)
    covered = leads["created_at"] >= pd.Timestamp("2026-01-01")
    outcome = np.where(covered.to_numpy(), outcome, "none")
    return _write(folder, "Half covered", {"leads": leads, "deals": _deals(leads, outcome, rng)})


def stale_open_deals(folder: Path, n: int = 2400, seed: int = 5) -> Path:
    """Reps close the same share of their decided deals (won ÷ (won + lost) ≈ 30 % for everyone),
    but Luis leaves half of his deals open for months. Counting open deals as failures at N days
    makes Luis look worse; won ÷ (won + lost) does not. Expected: the per-rep verdict uses a
    comparison that fits the data and shows both when they disagree, with the reason."""
    leads, rng = _base(n, seed)
    outcome = _outcome(np.full(n, 0.3), rng, p_deal=0.7)
    luis = (leads["owner"] == "Luis").to_numpy()
    stale = luis & (outcome != "none") & (rng.uniform(size=n) < 0.5)
    outcome = np.where(stale, "open", outcome)
    deals = _deals(leads, outcome, rng)
    return _write(folder, "Stale open deals", {"leads": leads, "deals": deals})


def no_lost_deals(folder: Path, n: int = 1500, seed: int = 6) -> Path:
    """The deals export holds only won and open deals (lost ones are deleted in this CRM).
    Expected: no "won ÷ (won + lost)" comparison is shown; the report says lost deals are absent."""
    leads, rng = _base(n, seed)
    outcome = _outcome(np.full(n, 0.3), rng)
    outcome = np.where(outcome == "lost", "open", outcome)
    return _write(folder, "No lost deals", {"leads": leads, "deals": _deals(leads, outcome, rng)})


def no_contact_data(folder: Path, n: int = 1500, seed: int = 7) -> Path:
    """Leads (with MQL dates) and deals, no contact attempts and no first-contact dates. Expected:
    06 says what the sales half needs instead of "0.0 % first contacted in time" or "behind"."""
    leads, rng = _base(n, seed)
    leads["mql_at"] = (leads["created_at"] + pd.Timedelta(hours=3)).where(rng.uniform(size=n) < 0.6)
    outcome = _outcome(np.full(n, 0.3), rng)
    quotas = pd.DataFrame({"period": pd.period_range("2025-01", "2026-06", freq="M").astype(str),
                           "amount": 100000.0})
    return _write(folder, "No contact data", {"leads": leads, "deals": _deals(leads, outcome, rng), "quotas": quotas})


def undated(folder: Path, n: int = 1200, seed: int = 8) -> Path:
    """An export with no dates at all (one row per lead, counters and a won flag). Expected: no
    "within N days" wording, the fit × interest table counts leads, no broken sentence."""
    rng = np.random.default_rng(seed)
    demo = rng.uniform(size=n) < 0.3
    leads = pd.DataFrame({
        "lead_id": [f"U{i:05d}" for i in range(n)],
        "channel": rng.choice(["organic_search", "paid_search", "email"], n),
        "n_page_view": rng.poisson(4, n),
        "n_demo_request": demo.astype(int),
        "won": np.where(rng.uniform(size=n) < np.where(demo, 0.5, 0.2), "yes", "no"),
    })
    return _write(folder, "Undated", {"leads": leads}, keep_extra=True, undated=True)


BUILDERS = {f.__name__: f for f in (post_outcome_field, creation_quarter_field, useless_model,
                                    partial_outcome_coverage, stale_open_deals, no_lost_deals,
                                    no_contact_data, undated)}


def build(kind: str, tmp_path: Path, **kw) -> Path:
    """Write the adversarial client ``kind`` under ``tmp_path/kind`` and return its folder."""
    return BUILDERS[kind](Path(tmp_path) / kind, **kw)
