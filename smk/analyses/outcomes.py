"""Per-lead outcome: won / lost / still open, with dates, revenue and censoring.

Sources, in order of precedence: won deals linked to the lead (date = earliest won ``closed_at``,
revenue = sum of won amounts); otherwise the lead row (``customer_at``, ``won``, ``status``,
``revenue``). A lead is *lost* when its status says so, or when it has deals and all of them are
lost. Everything else is *open* and censored at ``data_end``: it has not had the chance to close yet.
"""
from __future__ import annotations

from dataclasses import dataclass

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


#: A creation month counts as covered by the outcome data when at least this share of its leads has an
#: outcome record, relative to the typical (median) month that has any: an export of deals that starts
#: a year after the leads leaves the earlier months at 0 %, which is missing data, not failure.
COVERAGE_RELATIVE_FLOOR = 0.1
COVERAGE_MIN_LEADS = 20


@dataclass(frozen=True)
class OutcomeCoverage:
    """Which leads the outcome data (deals, won/lost marks) can speak for.

    ``start``: the first creation month covered (a naive Timestamp at the first of the month), or
    None when every month is covered or the data have no dates; ``months``: one row per creation
    month, ``month, leads, with_outcome, share, covered``; ``uncovered_leads``: leads created
    before ``start``. Rates, tests and model training use only covered leads (:meth:`mask`).
    """

    start: pd.Timestamp | None
    months: pd.DataFrame
    uncovered_leads: int

    @property
    def partial(self) -> bool:
        return self.start is not None and self.uncovered_leads > 0

    def mask(self, created_at: pd.Series) -> pd.Series:
        """True for leads created in a covered month (all True when coverage is complete)."""
        if self.start is None:
            return pd.Series(True, index=created_at.index)
        created = created_at.dt.tz_localize(None) if getattr(created_at.dt, "tz", None) is not None else created_at
        return (created >= self.start).fillna(False)


def outcome_coverage(client) -> OutcomeCoverage:
    """Detect the period the outcome data cover (computed once per client).

    Two kinds of evidence, the later start wins. (1) Dates: leads created before the month of the
    earliest dated outcome record (a won or lost date, a deal created or closed) cannot have had
    their outcome recorded — on Olist the first won date is in December 2017 while MQLs start in
    June 2017, so the 2017 cohorts look like failures that were never recorded. (2) Shares: a lead
    *has an outcome record* when it is won or lost, or has any deal. Per creation month:
    ``share`` = leads with a record ÷ leads. With ``ref`` = the median share of the months (of at
    least 20 leads) with any record, the months before the first month whose share reaches
    10 % of ``ref`` are not covered: the outcome export starts after them. Later months with low
    shares are the ordinary censoring of recent leads and stay covered (analyses handle them with
    minimum ages). Example: leads from January 2025, deals only for leads created from January
    2026 on (30 % won each month) → ``start`` = 2026-01-01, 2025's leads uncovered.
    """
    if hasattr(client, "cached"):
        return client.cached(("outcome_coverage", str(client.data_end)), lambda: _outcome_coverage(client))
    return _outcome_coverage(client)


def _first_outcome_date(out: pd.DataFrame, deals: pd.DataFrame | None) -> pd.Timestamp | None:
    """The month of the earliest dated outcome record (won, lost, deal created or closed), naive."""
    dates = [out["won_at"], out["lost_at"]]
    if deals is not None and len(deals):
        dates += [deals[c] for c in ("created_at", "closed_at") if c in deals]
    firsts = []
    for s in dates:
        s = s.dropna()
        if len(s):
            v = s.min()
            firsts.append(v.tz_localize(None) if v.tzinfo is not None else v)
    if not firsts:
        return None
    return pd.Timestamp(min(firsts)).to_period("M").to_timestamp()


def _outcome_coverage(client) -> OutcomeCoverage:
    empty = pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "leads": pd.Series(dtype="int64"),
                          "with_outcome": pd.Series(dtype="int64"), "share": pd.Series(dtype="float64"),
                          "covered": pd.Series(dtype="bool")})
    leads = client.leads
    if "created_at" not in leads or not leads["created_at"].notna().any():
        return OutcomeCoverage(None, empty, 0)
    out = lead_outcomes(client)
    record = out["won"].to_numpy() | out["lost"].to_numpy()
    deals = client.deals
    if deals is not None and len(deals) and "lead_id" in deals:
        record = record | isin(out["lead_id"], deals["lead_id"].dropna())
    created = out["created_at"]
    if getattr(created.dt, "tz", None) is not None:
        created = created.dt.tz_localize(None)
    month = created.dt.to_period("M").dt.to_timestamp()
    frame = pd.DataFrame({"month": month, "record": record}).dropna(subset=["month"])
    g = frame.groupby("month", sort=True)["record"].agg(["size", "sum"])
    months = pd.DataFrame({"month": g.index, "leads": g["size"].to_numpy(dtype="int64"),
                           "with_outcome": g["sum"].to_numpy(dtype="int64")})
    months["share"] = months["with_outcome"] / months["leads"]
    big = months[(months["leads"] >= COVERAGE_MIN_LEADS) & (months["with_outcome"] > 0)]
    start = None
    if len(big):
        ref = float(big["share"].median())
        ok = (months["share"] >= COVERAGE_RELATIVE_FLOOR * ref) & (months["with_outcome"] > 0)
        first = months.index[ok.to_numpy()][0]
        if first > months.index[0]:
            start = pd.Timestamp(months.loc[first, "month"])
    first_record = _first_outcome_date(out, deals)
    if first_record is not None and len(months) and first_record > months["month"].iloc[0]:
        start = first_record if start is None else max(start, first_record)
    months["covered"] = True if start is None else (months["month"] >= start)
    uncovered = 0 if start is None else int(months.loc[~months["covered"], "leads"].sum())
    return OutcomeCoverage(start, months.reset_index(drop=True), uncovered)
