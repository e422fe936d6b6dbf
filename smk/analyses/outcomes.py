"""Per-lead outcome: won / lost / still open, with dates, revenue and censoring.

Sources, in order of precedence: won deals linked to the lead (date = earliest won ``closed_at``,
revenue = sum of won amounts); otherwise the lead row (``customer_at``, ``won``, ``status``,
``revenue``). A lead is *lost* when its status says so, or when it has deals and all of them are
lost. Everything else is *open* and censored at ``data_end``: it has not had the chance to close yet.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from smk.analyses.features import align, isin

OUTCOME_COLUMNS = [
    "lead_id", "created_at", "status", "won", "won_at", "lost", "lost_at", "revenue",
    "mql_at", "sql_at", "end_at", "duration_days", "event",
]


def lead_outcomes(leads_or_client, deals: pd.DataFrame | None = None, *, data_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per lead with its outcome.

    Accepts a :class:`smk.Client` or (``leads``, ``deals``, ``data_end``).

    Columns: ``lead_id, created_at, status ('won'|'lost'|'open'), won (bool), won_at, lost (bool),
    lost_at, revenue (float, 0 when not won or unknown), mql_at, sql_at, end_at (won_at, lost_at, or
    data_end for open leads), duration_days ((end_at − created_at) in days, ≥ 0), event
    ('won'|'lost'|'censored')``. ``won_at`` can be missing for a won lead whose date the CRM did not
    record; such leads count as won in rates but have no duration.
    """
    if deals is None and hasattr(leads_or_client, "tables"):
        client = leads_or_client
        if hasattr(client, "cached") and data_end is None:
            return client.cached(("lead_outcomes", str(client.data_end)), lambda: lead_outcomes(client.leads, client.deals,
                                                                           data_end=client.data_end))
        leads, deals, data_end = client.leads, client.deals, client.data_end
    else:
        leads = leads_or_client
    if data_end is None:  # pd.NaT is accepted: an undated client, nothing is censored in time
        raise ValueError("data_end is required (the latest timestamp of the data: leads still open are censored there)")
    n = len(leads)
    out = pd.DataFrame({"lead_id": leads["lead_id"], "created_at": leads["created_at"]})
    tz_dtype = leads["created_at"].dtype
    nat = pd.Series(pd.NaT, index=leads.index, dtype=tz_dtype)

    def col(name, default):
        return leads[name] if name in leads else pd.Series(default, index=leads.index)

    status = col("status", pd.NA).astype("object")
    won_flag = col("won", pd.NA).astype("boolean")
    customer_at = leads["customer_at"] if "customer_at" in leads else nat
    closed_at = leads["closed_at"] if "closed_at" in leads else nat
    revenue = pd.to_numeric(col("revenue", np.nan), errors="coerce").astype(float)

    won = customer_at.notna() | won_flag.fillna(False).astype(bool) | (status == "won").fillna(False).astype(bool)
    won_at = customer_at.copy()
    lost = (status == "lost").fillna(False).astype(bool) & ~won
    lost_at = closed_at.where(lost, pd.NaT).astype(tz_dtype)

    if deals is not None and len(deals) and "lead_id" in deals:
        d = deals[deals["lead_id"].notna()]
        dwon = d[d["stage"] == "won"]
        if len(dwon):
            first_won = dwon.groupby("lead_id")["closed_at"].min() if "closed_at" in dwon else None
            amount = (dwon.groupby("lead_id")["amount"].sum(min_count=1) if "amount" in dwon else None)
            has_won = isin(leads["lead_id"], dwon["lead_id"])
            won = won | has_won
            if first_won is not None:
                fw = align(leads["lead_id"], first_won)
                won_at = won_at.where(won_at.notna() & (fw.isna() | (won_at <= fw)), fw)  # earliest of both
            if amount is not None:
                amt = align(leads["lead_id"], amount).astype(float)
                revenue = amt.where(has_won & amt.notna(), revenue)
        # all deals lost (and none open / won) -> lost
        per_lead = (d["stage"] == "lost").groupby(d["lead_id"]).agg(["sum", "size"])
        every_deal_lost = per_lead["sum"] == per_lead["size"]
        all_lost = align(leads["lead_id"], every_deal_lost).fillna(False).astype(bool) & ~won
        if "closed_at" in d:
            last_lost = d[d["stage"] == "lost"].groupby("lead_id")["closed_at"].max()
            ll = align(leads["lead_id"], last_lost)
            lost_at = lost_at.where(lost_at.notna() | ~all_lost, ll)
        lost = lost | all_lost

    won_at = won_at.where(won, pd.NaT)
    out["status"] = np.where(won, "won", np.where(lost, "lost", "open"))
    out["won"] = won.to_numpy(dtype=bool)
    out["won_at"] = won_at.astype(tz_dtype)
    out["lost"] = lost.to_numpy(dtype=bool) & ~out["won"].to_numpy()
    out["lost_at"] = lost_at.where(out["lost"], pd.NaT).astype(tz_dtype)
    out["revenue"] = revenue.where(out["won"], 0.0).fillna(0.0)
    out["mql_at"] = leads["mql_at"] if "mql_at" in leads else nat
    out["sql_at"] = leads["sql_at"] if "sql_at" in leads else nat
    end = nat if (not n or pd.isna(data_end)) else pd.Series(pd.Timestamp(data_end), index=leads.index).astype(tz_dtype)
    end_at = out["won_at"].where(out["won"], out["lost_at"].where(out["lost"], end))
    # a won/lost lead without a date: unknown duration
    end_at = end_at.where(~((out["won"] & out["won_at"].isna()) | (out["lost"] & out["lost_at"].isna())), pd.NaT)
    out["end_at"] = end_at.astype(tz_dtype)
    out["duration_days"] = ((out["end_at"] - out["created_at"]).dt.total_seconds() / 86400).clip(lower=0)
    out["event"] = np.where(out["won"], "won", np.where(out["lost"], "lost", "censored"))
    return out[OUTCOME_COLUMNS].reset_index(drop=True)


def old_enough(outcomes: pd.DataFrame, data_end: pd.Timestamp, min_age_days: int) -> pd.Series:
    """Boolean mask: leads created at least ``min_age_days`` before ``data_end``."""
    return (pd.Timestamp(data_end) - outcomes["created_at"]).dt.total_seconds() >= min_age_days * 86400


def won_within(outcomes: pd.DataFrame, days: int) -> pd.Series:
    """Boolean: won within ``days`` of creation (leads won without a date count as not known: False)."""
    return outcomes["won"] & (((outcomes["won_at"] - outcomes["created_at"]).dt.total_seconds()) <= days * 86400)
