"""06: the monthly smarketing report: KPIs with changes, marketing, sales, SLA status, meeting inputs.

Compute only: :func:`analyse` returns a :class:`MonthlyResult` of tidy frames with codes; the words,
tables, tiles and plots are in :mod:`smk.views.monthly`, the texts in ``smk/texts/<lang>/monthly.yml``.

Method: ../shared/docs/DOMAIN.md §5 (dashboards, monthly reports) and §6 (meetings); seed 000,
chapters 4–5. Everything is computed for one calendar month **in the client's timezone**
(``client.tz``); "now" is ``client.data_end``, never the wall clock.

The report reshapes what the other analyses compute, imported directly: the SLA (04,
:mod:`smk.analyses.sla`: first-contact compliance, the MQL goal, pacing, the quota, both sides'
commitments, the per-lead first-contact clock), the sales cycle (03, :mod:`smk.analyses.closerate`)
and the recommended SLA (05, :func:`smk.analyses.attempts.recommend_sla`).

Month status (:func:`month_info`):

- ``complete``: ``data_end`` reaches the month's last day (the rule of ``Client.default_period``:
  an export taken on the last day counts as the whole month);
- ``partial``: ``data_end`` falls before the month's last day; the covered share of the month is
  ``f = (data_end − month_start) / (month_end − month_start)`` and every comparison month's
  *additive* figures (counts, money) are pro-rated by ``f`` (value × f), so "this month so far"
  is compared with the same share of the previous month / of last year's month;
- ``no_data``: the month lies entirely before the first lead or after ``data_end``.

KPIs (:func:`kpis`): leads (created in the month), MQLs (``mql_at`` in the month), customers
(leads whose first win, per :func:`smk.analyses.outcomes.lead_outcomes`, falls in the month), revenue (won
deals' ``amount`` by ``closed_at``; without deals, won leads' ``revenue`` by win date), % of quota
(revenue ÷ the month's company quota, :func:`smk.analyses.sla.quota_for_period`), first-contact SLA
compliance (:func:`smk.analyses.sla.first_contact_compliance`), MQL goal pacing (MQLs ÷ goal × share of
the month elapsed; :func:`smk.analyses.sla.monthly_mql_goal`, :func:`smk.analyses.sla.pacing`). Each with
the previous month and the same month last year where the data reach.

Ranking rule for the narrative (:func:`movements`): a movement's importance is the absolute z-score
of the change against the previous month (pro-rated in a partial month):

- counts (leads, MQLs, customers), assumed Poisson: z = (x − f·y) / √(x + f²·y)
  (normal approximation of the comparison of two Poisson counts);
- revenue, a compound Poisson sum of deal amounts a: z = (R₁ − f·R₀) / √(Σa₁² + f²·Σa₀²);
- first-contact compliance, a proportion: pooled two-proportion z.

The three largest |z| are the three most important movements; |z| ≥ 1.96 is called a clear change,
smaller ones are "within normal month-to-month variation". % of quota and MQL pacing are derived
from revenue and MQLs and are not ranked separately (they would repeat the same movement).

Nothing is invented: a month before the outcome data start (:func:`outcomes_cover`) has its customers,
revenue and % of quota missing, not zero (also as a comparison month); the pipeline is the state as of
the month end only (:func:`pipeline`); a commitment without an actual or a target is "cannot be judged";
durations are 03's calendar days (:func:`smk.analyses.closerate.calendar_days`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses import attempts, closerate, sla
from smk.analyses.base import Headline, Missing, Result
from smk.analyses.outcomes import lead_outcomes, outcome_coverage
from smk.analyses.stats import bh_adjust, wilson_interval
from smk.errors import NotEnoughData

#: KPI order (tiles, tables, tie-break of the ranking).
KPIS = ("leads", "mqls", "customers", "revenue", "pct_quota", "first_contact_compliance", "mql_pacing")
#: kind of each KPI: additive figures are pro-rated in a partial month; shares are not.
KPI_KIND = {"leads": "count", "mqls": "count", "customers": "count", "revenue": "money",
            "pct_quota": "share", "first_contact_compliance": "share", "mql_pacing": "share"}
#: KPIs ranked as movements in the narrative (the others are derived from them).
RANKED = ("leads", "mqls", "customers", "revenue", "first_contact_compliance")
#: activity types that count as a conversion on an asset (the rest are views / engagement).
CONVERSION_TYPES = ("form_submission", "content_download", "demo_request", "webinar_registration",
                    "webinar_attended")
Z_CLEAR = 1.96
#: group code of the overall row of per-group tables (the view shows it as "Total")
TOTAL = "(total)"
#: group code of rows whose group (channel, team, owner) is not recorded
MISSING_GROUP = "(missing)"
#: codes of the month's notes, in the order they are shown (texts: monthly.notes.<code>)
NOTE_CODES = ("no_data", "partial", "first_month", "no_previous", "no_last_year", "outcomes_start", "no_quota",
              "no_contacts", "no_goal", "no_mql")
#: stage code of a deal open at the month end that has closed since: the export keeps only its final stage,
#: so its stage at the month end is not known (texts: monthly.values.closed_later)
CLOSED_LATER = "(closed_later)"
#: statuses of a commitment (texts: monthly.values.<status>)
STATUSES = ("met", "missed", "on_track", "behind", "unknown")


# --------------------------------------------------------------------------------------------
# the month
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Month:
    """One calendar month in the client's timezone and how much of it the data cover."""

    period: pd.Period
    start: pd.Timestamp  # tz-aware, inclusive
    end: pd.Timestamp  # tz-aware, exclusive (first instant of the next month)
    status: str  # 'complete' | 'partial' | 'no_data'
    fraction: float  # share of the month covered (1 complete, 0 no data)
    data_start: pd.Timestamp | None
    data_end: pd.Timestamp

    @property
    def label(self) -> str:
        return str(self.period)

    def contains(self, ts: pd.Series) -> pd.Series:
        """Boolean mask: timestamps inside [start, end) (missing → False)."""
        return ((ts >= self.start) & (ts < self.end)).fillna(False).astype(bool)


def month_bounds(period: str | pd.Period, tz) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of a calendar month as tz-aware timestamps in ``tz`` (DST-safe):
    :func:`smk.analyses.sla.period_bounds`, so the report and the SLA dashboards cut months alike."""
    return sla.period_bounds(str(pd.Period(period, freq="M")), tz)


def data_start(client) -> pd.Timestamp | None:
    """First lead's creation time (the data's beginning), or None without leads."""
    ca = client.leads["created_at"] if len(client.leads) else None
    if ca is None or ca.notna().sum() == 0:
        return None
    return ca.min()


def month_info(client, period: str | pd.Period | None = None) -> Month:
    """The month, its bounds in ``client.tz`` and its coverage by the data (see module docstring)."""
    period = period or client.default_period()
    p = pd.Period(period, freq="M")
    start, end = month_bounds(p, client.tz)
    d_end = pd.Timestamp(client.data_end)
    if d_end.tzinfo is None:
        d_end = d_end.tz_localize(client.tz)
    d_start = data_start(client)
    if d_start is None or d_end < start or d_start >= end:
        status, frac = "no_data", 0.0
    elif d_end >= end - pd.Timedelta(days=1):  # reaches the last day: complete (as Client.default_period)
        status, frac = "complete", 1.0
    else:
        status = "partial"
        frac = float((d_end - start).total_seconds() / (end - start).total_seconds())
    return Month(p, start, end, status, frac, d_start, d_end)


def _local_period(ts: pd.Timestamp, tz) -> pd.Period:
    """Calendar month of a timestamp in the client's timezone."""
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz).tz_localize(None)
    return ts.to_period("M")


def _has_values(df: pd.DataFrame | None, col: str) -> bool:
    return df is not None and col in df and df[col].notna().any()


def group_key(values: pd.Series) -> pd.Series:
    """A grouping column (channel, team, rep) as the report's groups: empty values and placeholders such
    as "unknown" (:data:`smk.analyses.closerate.MISSING_TOKENS`) are one group, :data:`MISSING_GROUP`."""
    return closerate.clean_groups(values)[0].fillna(MISSING_GROUP)


def outcomes_cover(client, period) -> bool:
    """Whether the outcome data reach the month: False for a month before the first creation month the
    outcome data cover (:func:`smk.analyses.outcomes.outcome_coverage`), when its customers and revenue are
    missing from the export rather than zero."""
    cov = outcome_coverage(client)
    if not cov.partial:
        return True
    return pd.Period(period, freq="M").start_time >= pd.Timestamp(cov.start)


def has_contact_data(client) -> bool:
    """True when the data record sales contacts: a contact-attempts log, or first-contact dates on the
    leads. Without them the SLA's first-contact figures are not computed (rather than "0 % in time")."""
    att = client.contact_attempts
    return (att is not None and len(att) > 0) or _has_values(client.leads, "first_contact_at")


# --------------------------------------------------------------------------------------------
# what the other analyses compute, for one month
# --------------------------------------------------------------------------------------------
def mql_goal(client, period) -> float | None:
    """The month's MQL goal: :func:`smk.analyses.sla.monthly_mql_goal` (``marketing.mql_goal``, else MQLs
    needed = marketing's quota share ÷ MQL value); None when it cannot be set."""
    goal = sla.monthly_mql_goal(client, str(pd.Period(period, freq="M")))["goal"]
    if goal is None or (isinstance(goal, float) and math.isnan(goal)):
        return None
    return float(goal)


def company_quota(client, period) -> float | None:
    """Company quota of a month: :func:`smk.analyses.sla.quota_for_period` (company rows, else team rows,
    else rep rows, never two levels added; else ``marketing.monthly_quota``; else None)."""
    return sla.quota_for_period(client, str(pd.Period(period, freq="M")))[0]


def elapsed_fraction(client, m: Month) -> float:
    """Share of the month elapsed at data_end for pacing: :func:`smk.analyses.sla.pacing` (calendar time,
    or working days when ``marketing.pacing == 'working_days'``); the month's coverage when it is not
    partial."""
    if m.status != "partial":
        return m.fraction
    pc = sla.pacing(client, str(m.period), goal=1.0)
    return float(pc.elapsed_units / pc.total_units) if pc.total_units > 0 else m.fraction


def _fc_counts(client, m: Month) -> tuple[float, float]:
    """(met, judged) of the first-contact SLA for the new MQLs of month ``m``:
    :func:`smk.analyses.sla.first_contact_compliance` ``(client, period, by=None)`` (``ok``, ``evaluable``);
    NaN without contact data."""
    if not has_contact_data(client):
        return np.nan, np.nan
    t = sla.first_contact_compliance(client, str(m.period), by=None)
    return float(t["ok"].iloc[0]), float(t["evaluable"].iloc[0])


def first_contact_compliance(client, period=None, by: str | None = "team") -> pd.DataFrame:
    """First-contact SLA compliance of the month per ``team``/``owner`` (or overall, ``by=None``):
    :func:`smk.analyses.sla.first_contact_compliance` renamed for the report.

    Columns: ``group, judged, met, compliance, ci_low, ci_high, pending, too_small, qvalue, direction``
    (``direction`` 'below'/'above' when a group differs from the rest: Fisher, Benjamini–Hochberg).
    Raises NotEnoughData without contact data.
    """
    m = month_info(client, period)
    if not has_contact_data(client):
        raise NotEnoughData(["attempts"], reason="monthly.missing.no_contacts")
    t = sla.first_contact_compliance(client, str(m.period), by=by)
    out = pd.DataFrame({
        "group": t[by].astype("object").to_numpy() if by is not None else [TOTAL] * len(t),
        "judged": t["evaluable"].to_numpy(), "met": t["ok"].to_numpy(), "compliance": t["rate"].to_numpy(),
        "ci_low": t["ci_low"].to_numpy(), "ci_high": t["ci_high"].to_numpy(), "pending": t["pending"].to_numpy(),
        "too_small": t["too_small"].to_numpy().astype(bool),
        "qvalue": t["qvalue"].to_numpy() if "qvalue" in t else np.nan,
        "direction": t["direction"].to_numpy() if "direction" in t else ""})
    return out


def commitments(client, period=None) -> pd.DataFrame:
    """Both sides' SLA commitments with this month's actuals: :func:`smk.analyses.sla.commitments` (its
    target for the sales rules is client.yml ``sla.compliance_target``), with one status per row:
    ``met`` / ``missed`` once the month is judged; while it is not (month open, leads still inside
    their attempts window) ``on_track`` / ``behind``; ``unknown`` when there is no actual or no target
    (no contact data; no MQL dates; no MQL goal), never "behind" a target nobody set.

    Columns: ``side, commitment, target, actual, unit ('count'|'money'|'share'), status``. Empty for a
    month the data do not cover.
    """
    m = month_info(client, period)
    cols = ["side", "commitment", "target", "actual", "unit", "status"]
    if m.status == "no_data":
        return pd.DataFrame(columns=cols)
    c = sla.commitments(client, str(m.period))
    if not _has_values(client.leads, "mql_at"):
        # without MQL dates the SLA clock counts leads; this report says MQL figures are missing, so the
        # MQL commitments have no actual here (not the lead count under another name)
        mk = (c["side"] == "marketing").to_numpy()
        c.loc[mk, "actual"] = np.nan
        c.loc[mk, "met"] = pd.NA
    met = c["met"].astype("boolean")
    on = c["on_track"].astype(bool)
    status = np.where(met.fillna(False).astype(bool), "met",
                      np.where((~met).fillna(False).astype(bool), "missed",
                               np.where(c["actual"].isna() | c["target"].isna(), "unknown",
                                        np.where(on, "on_track", "behind"))))
    out = c[["side", "commitment", "target", "actual", "unit"]].copy()
    out["target"] = out["target"].astype(float)
    out["actual"] = out["actual"].astype(float)
    out["status"] = status
    return out[cols].reset_index(drop=True)


def recommended_sla(client) -> dict | None:
    """The sales SLA the contact data recommend (05, :func:`smk.analyses.attempts.recommend_sla`): its
    numbers ``first_contact_hours, attempts, within_days``; None when 05 cannot recommend."""
    try:
        rec = attempts.recommend_sla(client)
    except NotEnoughData:
        return None
    if not rec:
        return None
    return {k: float(rec[k]) for k in ("first_contact_hours", "attempts", "within_days")}


# --------------------------------------------------------------------------------------------
# quotas and revenue
# --------------------------------------------------------------------------------------------
def _quota_rows(client, period: pd.Period) -> pd.DataFrame | None:
    """The quotas table's rows of a month (per-team and per-rep quotas for the sales section)."""
    q = client.quotas
    if q is None or len(q) == 0:
        return None
    per = pd.to_datetime(q["period"])
    if per.dt.tz is not None:
        per = per.dt.tz_localize(None)
    return q[per.dt.to_period("M") == period]


def won_revenue(client) -> pd.DataFrame:
    """Won business with its date and attribution: ``won_at, amount, lead_id, owner, team, channel``.

    From won deals (``closed_at``, ``amount``; owner/team from the deal, else from its lead) when a
    deals table with amounts exists; else from won leads (:func:`smk.analyses.outcomes.lead_outcomes`:
    ``won_at``, ``revenue``). ``attrs['source']`` says 'deals' or 'leads'.
    """
    leads = client.leads.set_index("lead_id")
    deals = client.deals
    if deals is not None and len(deals) and "amount" in deals and "closed_at" in deals:
        d = deals[deals["stage"] == "won"]
        out = pd.DataFrame({"won_at": d["closed_at"], "amount": pd.to_numeric(d["amount"], errors="coerce").astype(float),
                            "lead_id": d["lead_id"] if "lead_id" in d else pd.NA})
        for c in ("owner", "team"):
            from_deal = d[c] if c in d else pd.Series(pd.NA, index=d.index, dtype="object")
            from_lead = out["lead_id"].map(leads[c]) if c in leads else pd.Series(pd.NA, index=d.index)
            out[c] = from_deal.astype("object").where(from_deal.notna(), from_lead.astype("object"))
        out["channel"] = out["lead_id"].map(leads["channel"]) if "channel" in leads else pd.NA
        out.attrs["source"] = "deals"
        return out.reset_index(drop=True)
    o = lead_outcomes(client)
    o = o[o["won"]]
    out = pd.DataFrame({"won_at": o["won_at"], "amount": o["revenue"].astype(float),
                        "lead_id": o["lead_id"]}).reset_index(drop=True)
    for c in ("owner", "team", "channel"):
        out[c] = out["lead_id"].map(leads[c]).astype("object") if c in leads else pd.NA
    out["won_at"] = out["won_at"].astype(client.leads["created_at"].dtype)
    out.attrs["source"] = "leads"
    return out


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------
@dataclass
class _Prep:
    outcomes: pd.DataFrame
    won: pd.DataFrame


def _prepare(client) -> _Prep:
    return _Prep(lead_outcomes(client), won_revenue(client))


def _raw(client, prep: _Prep, m: Month) -> dict:
    """Additive figures of a whole month (or of the covered part when it is the report month). Customers
    and revenue are NaN for a month before the outcome data start (:func:`outcomes_cover`): missing, not 0."""
    leads = client.leads
    mql_known = _has_values(leads, "mql_at")
    won_m = prep.won[m.contains(prep.won["won_at"])]
    amounts = won_m["amount"].fillna(0.0)
    fc_met, fc_judged = _fc_counts(client, m)
    covered = outcomes_cover(client, m.period)
    return {
        "leads": float(m.contains(leads["created_at"]).sum()),
        "mqls": float(m.contains(leads["mql_at"]).sum()) if mql_known else np.nan,
        "customers": float(m.contains(prep.outcomes["won_at"]).sum()) if covered else np.nan,
        "revenue": float(amounts.sum()) if covered else np.nan,
        "revenue_sq": float((amounts ** 2).sum()) if covered else np.nan,
        "fc_met": fc_met,
        "fc_judged": fc_judged,
    }


def _derive(raw: dict, quota: float | None, goal: float | None, pace_fraction: float) -> dict:
    out = {k: raw[k] for k in ("leads", "mqls", "customers", "revenue")}
    out["pct_quota"] = raw["revenue"] / quota if quota else np.nan
    out["first_contact_compliance"] = raw["fc_met"] / raw["fc_judged"] if raw["fc_judged"] else np.nan
    expected = goal * pace_fraction if goal else np.nan
    out["mql_pacing"] = raw["mqls"] / expected if expected else np.nan
    return out


def _z(kpi: str, cur: dict, ref: dict, f: float) -> float:
    """z-score of the change (module docstring); ``f`` scales the reference (pro-rating)."""
    if kpi in ("leads", "mqls", "customers"):
        x, y = cur[kpi], ref[kpi]
        var = x + f * f * y
        return (x - f * y) / math.sqrt(var) if var > 0 and not np.isnan(var) else np.nan
    if kpi == "revenue":
        var = cur["revenue_sq"] + f * f * ref["revenue_sq"]
        return (cur["revenue"] - f * ref["revenue"]) / math.sqrt(var) if var > 0 else np.nan
    if kpi == "first_contact_compliance":
        k1, n1, k0, n0 = cur["fc_met"], cur["fc_judged"], ref["fc_met"], ref["fc_judged"]
        if not (n1 and n0) or np.isnan(n1) or np.isnan(n0):
            return np.nan
        p = (k1 + k0) / (n1 + n0)
        se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
        return (k1 / n1 - k0 / n0) / se if se > 0 else 0.0
    return np.nan


def _scaled(raw: dict, f: float) -> dict:
    out = dict(raw)
    for k in ("leads", "mqls", "customers", "revenue"):
        out[k] = raw[k] * f
    return out


def _change(cur: float, ref: float) -> tuple[float, float]:
    """(relative change, difference); shares change in points (diff) and relative change is NaN-safe."""
    if cur is None or ref is None or np.isnan(cur) or np.isnan(ref):
        return np.nan, np.nan
    diff = cur - ref
    rel = diff / ref if ref != 0 else (np.nan if diff else 0.0)
    return rel, diff


@dataclass(frozen=True)
class Summary(Result):
    """The executive summary of a month: the KPI table with its comparisons, the notes a reader must
    see about the month (codes of :data:`NOTE_CODES`), the MQL goal and the company quota."""

    month: Month
    kpis: pd.DataFrame
    notes: tuple[str, ...]
    goal: float | None
    quota: float | None
    #: first creation month the outcome data cover, when the report month or a comparison month comes before it
    outcomes_start: pd.Timestamp | None = field(default=None, kw_only=True)
    #: the client records sales contacts (first-contact compliance can be measured)
    has_contacts: bool = field(default=True, kw_only=True)

    def movements(self, n: int = 3) -> pd.DataFrame:
        return movements(self.kpis, n)

    def kpi(self, name: str, column: str = "value") -> float:
        return float(self.kpis.set_index("kpi").loc[name, column])

    def headlines(self) -> list[Headline]:
        """Index tile: % of quota, MQLs against the goal ("1,303 / 1,200", formatted by the report in its
        language), first-contact SLA compliance. A figure that cannot be computed says why (no quota, no
        outcome data for the month, no MQL dates, no goal, no contact data) instead of a bare dash."""
        def value(x):
            return None if x is None or pd.isna(x) else float(x)

        mq, pq, fc = (value(self.kpi(k)) for k in ("mqls", "pct_quota", "first_contact_compliance"))
        goal = self.goal
        if mq is None:
            mqls = Headline("monthly.headline.mqls_vs_goal", None, "int", display="monthly.headline.no_mql")
        elif goal:
            mqls = Headline("monthly.headline.mqls_vs_goal", mq, "int", display="monthly.headline.of_goal",
                            params={"mqls": mq, "goal": float(goal)}, formats={"mqls": "int", "goal": "int"})
        else:
            mqls = Headline("monthly.headline.mqls_vs_goal", mq, "int", display="monthly.headline.no_goal",
                            params={"mqls": mq}, formats={"mqls": "int"})
        if pq is not None:
            quota = Headline("monthly.headline.pct_quota", pq, "pct:0")
        else:
            why = ("no_data" if self.month.status == "no_data" else "no_quota" if self.quota is None
                   else "not_covered" if "outcomes_start" in self.notes else "no_value")
            quota = Headline("monthly.headline.pct_quota", None, "pct:0", display=f"monthly.headline.{why}")
        if fc is not None:
            sla_ = Headline("monthly.headline.sla_compliance", fc, "pct:0")
        else:
            why = "no_contacts" if not self.has_contacts else "no_data" if self.month.status == "no_data" else "no_value"
            sla_ = Headline("monthly.headline.sla_compliance", None, "pct:0", display=f"monthly.headline.{why}")
        return [quota, mqls, sla_]


def summary(client, period=None) -> Summary:
    """The executive-summary KPIs of the month with the previous month and the same month last year.

    ``kpis`` columns: ``kpi, kind ('count'|'money'|'share'), value, previous, change_prev (relative),
    diff_prev, z_prev, last_year, change_yoy, diff_yoy, prorated``. Shares are fractions (0.82).
    Comparison months the data do not cover are NaN. In a partial month the comparison months'
    counts and money are pro-rated by the covered share (module docstring).
    """
    m = month_info(client, period)
    prep = _prepare(client)
    f = m.fraction if m.status == "partial" else 1.0
    pace = elapsed_fraction(client, m) if m.status == "partial" else 1.0
    goal = mql_goal(client, m.period) if m.status != "no_data" else None
    quota = company_quota(client, m.period)
    cur_raw = _raw(client, prep, m)
    cur = _derive(cur_raw, quota, goal, pace)
    refs: dict[str, tuple[dict | None, dict | None]] = {}
    for name, p in (("previous", m.period - 1), ("last_year", m.period - 12)):
        o = month_info(client, p)
        # usable only when the data cover it whole (data beginning on its first day at the latest)
        starts_late = o.data_start is not None and o.data_start >= o.start + pd.Timedelta(days=1)
        if o.status != "complete" or starts_late or m.status == "no_data":
            refs[name] = (None, None)
            continue
        raw = _raw(client, prep, o)
        # pro-rated: counts and money × f, quota kept whole (so % of quota is "to the same day"),
        # MQL pace = (MQLs × f) ÷ (goal × f)
        refs[name] = (raw, _derive(_scaled(raw, f), company_quota(client, p), mql_goal(client, p), f))
    rows = []
    for k in KPIS:
        row = {"kpi": k, "kind": KPI_KIND[k], "value": cur[k]}
        for name, suffix in (("previous", "prev"), ("last_year", "yoy")):
            r, d = refs[name]
            row[name] = d[k] if d is not None else np.nan
            row[f"change_{suffix}"], row[f"diff_{suffix}"] = _change(cur[k], row[name])
        r, d = refs["previous"]
        row["z_prev"] = _z(k, cur_raw, r, f) if r is not None and k in RANKED else np.nan
        row["prorated"] = m.status == "partial" and KPI_KIND[k] != "share"
        rows.append(row)
    table = pd.DataFrame(rows, columns=["kpi", "kind", "value", "previous", "change_prev", "diff_prev", "z_prev",
                                        "last_year", "change_yoy", "diff_yoy", "prorated"])
    notes = []
    if m.status == "no_data":
        notes.append("no_data")
    elif m.status == "partial":
        notes.append("partial")
    first_month = m.status != "no_data" and m.data_start is not None and m.data_start >= m.start
    if first_month:
        notes.append("first_month")
    if m.status != "no_data" and refs["previous"][0] is None and not first_month:
        notes.append("no_previous")
    if m.status != "no_data" and refs["last_year"][0] is None:
        notes.append("no_last_year")
    cov = outcome_coverage(client)
    before = [p for p in (m.period, m.period - 1, m.period - 12) if not outcomes_cover(client, p)]
    # the report month, or a comparison month that is shown, comes before the outcome data start
    shown = [m.period] + [p for p, name in ((m.period - 1, "previous"), (m.period - 12, "last_year"))
                          if refs[name][0] is not None]
    outcomes_start = pd.Timestamp(cov.start) if any(p in before for p in shown) and m.status != "no_data" else None
    if outcomes_start is not None:
        notes.append("outcomes_start")
    if quota is None:
        notes.append("no_quota")
    if not has_contact_data(client):
        notes.append("no_contacts")
    if goal is None and m.status != "no_data":
        notes.append("no_goal")
    if not _has_values(client.leads, "mql_at"):
        notes.append("no_mql")
    return Summary(month=m, kpis=table, notes=tuple(notes), goal=goal, quota=quota, outcomes_start=outcomes_start,
                   has_contacts=has_contact_data(client))


def kpis(client, period=None) -> pd.DataFrame:
    """The KPI table of :func:`summary`."""
    return summary(client, period).kpis


def monthly_series(client, months: int = 13, end_period=None) -> pd.DataFrame:
    """Leads, MQLs, customers, won deals and revenue per calendar month (client timezone) for the
    ``months`` months ending at ``end_period`` (default: the month of data_end).

    Columns: ``month (YYYY-MM), status, leads, mqls, customers, won_deals, revenue``. Customers, won
    deals and revenue are NaN (missing, not 0) for months before the outcome data start
    (:func:`outcomes_cover`).
    """
    end_p = pd.Period(end_period, freq="M") if end_period else _local_period(client.data_end, client.tz)
    prep = _prepare(client)
    rows = []
    leads = client.leads
    mql_known = _has_values(leads, "mql_at")
    for p in pd.period_range(end=end_p, periods=months, freq="M"):
        m = month_info(client, p)
        covered = outcomes_cover(client, p)
        rows.append({"month": str(p), "status": m.status, "leads": int(m.contains(leads["created_at"]).sum()),
                     "mqls": float(m.contains(leads["mql_at"]).sum()) if mql_known else np.nan,
                     "customers": int(m.contains(prep.outcomes["won_at"]).sum()) if covered else np.nan,
                     "won_deals": int(m.contains(prep.won["won_at"]).sum()) if covered else np.nan,
                     "revenue": (float(prep.won.loc[m.contains(prep.won["won_at"]), "amount"].fillna(0.0).sum())
                                 if covered else np.nan)})
    out = pd.DataFrame(rows, columns=["month", "status", "leads", "mqls", "customers", "won_deals", "revenue"])
    for c in ("customers", "won_deals"):
        if out[c].notna().all():
            out[c] = out[c].astype("int64")
    return out


def movements(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` most important movements: ranked KPIs with a previous-month value, by |z_prev|
    descending (ties: KPI order). Adds ``abs_z`` and ``clear`` (|z| ≥ 1.96)."""
    t = table[table["kpi"].isin(RANKED) & table["previous"].notna() & table["z_prev"].notna()].copy()
    t["order"] = t["kpi"].map({k: i for i, k in enumerate(KPIS)})
    t["abs_z"] = t["z_prev"].abs()
    t = t.sort_values(["abs_z", "order"], ascending=[False, True], kind="stable").head(n)
    t["clear"] = t["abs_z"] >= Z_CLEAR
    return t.drop(columns="order").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# marketing
# --------------------------------------------------------------------------------------------
def by_source(client, period=None, months: int = 3) -> pd.DataFrame:
    """Visits, leads, customers, revenue, spend and return per source for the month and the
    ``months − 1`` months before it (DOMAIN §1, §5).

    Leads by ``leads.channel`` and creation month; customers and revenue by the lead's channel and
    the win month (:func:`won_revenue`); visits and spend from ``web_traffic`` by day (NaN without it;
    NaN visits for a channel absent from the whole traffic export, such as offline events).
    ``roi = (revenue − spend) / spend`` where spend > 0; ``visit_to_lead = leads / visits``.
    Tidy: one row per (month, channel).
    """
    m = month_info(client, period)
    leads = client.leads
    won = won_revenue(client)
    wt = client.web_traffic
    has_traffic = traffic_available(client)
    has_spend = spend_available(client)
    rows = []
    web_channels = set(wt["channel"].astype("object").dropna()) if has_traffic else set()
    for p in pd.period_range(end=m.period, periods=months, freq="M"):
        mm = month_info(client, p)
        created = mm.contains(leads["created_at"])
        ch = (leads.loc[created, "channel"] if "channel" in leads  # no channel: every lead is "(missing)"
              else pd.Series(MISSING_GROUP, index=leads.index[created], dtype="object"))
        lead_n = group_key(ch).value_counts()
        w = won[mm.contains(won["won_at"])]
        wch = group_key(w["channel"])
        covered = outcomes_cover(client, p)
        cust = w.groupby(wch)["lead_id"].nunique() if len(w) else pd.Series(dtype=float)
        rev = w.groupby(wch)["amount"].sum() if len(w) else pd.Series(dtype=float)
        if has_traffic:
            day = pd.to_datetime(wt["date"])
            inm = (day >= pd.Timestamp(p.start_time.date())) & (day < pd.Timestamp((p + 1).start_time.date()))
            vis = wt[inm].groupby(wt.loc[inm, "channel"].astype("object"))["visits"].sum().astype(float)
            spd = wt[inm].groupby(wt.loc[inm, "channel"].astype("object"))["spend"].sum(min_count=1) if has_spend else pd.Series(dtype=float)
        else:
            vis = spd = pd.Series(dtype=float)
        for c in sorted(set(lead_n.index) | set(cust.index) | set(vis.index)):
            rows.append({"month": str(p), "status": mm.status, "channel": c,
                         "visits": float(vis.get(c, 0.0)) if c in web_channels else np.nan,
                         "leads": int(lead_n.get(c, 0)),
                         "customers": int(cust.get(c, 0)) if covered else np.nan,
                         "revenue": float(rev.get(c, 0.0)) if covered else np.nan,
                         "spend": float(spd.get(c, np.nan)) if has_spend else np.nan})
    out = pd.DataFrame(rows, columns=["month", "status", "channel", "visits", "leads", "customers", "revenue", "spend"])
    out["visit_to_lead"] = np.where(out["visits"] > 0, out["leads"] / out["visits"].where(out["visits"] > 0), np.nan)
    out["roi"] = np.where(out["spend"] > 0, (out["revenue"] - out["spend"]) / out["spend"].where(out["spend"] > 0), np.nan)
    return out


def traffic_available(client) -> bool:
    """The client has a web-traffic export with rows."""
    wt = client.web_traffic
    return wt is not None and len(wt) > 0


def spend_available(client) -> bool:
    """The web-traffic export carries spend."""
    return traffic_available(client) and bool(_has_values(client.web_traffic, "spend"))


def asset_conversion(client, period=None, *, conversion_types: tuple[str, ...] = CONVERSION_TYPES,
                     within_days: float | None = None, new_lead_hours: float = 1.0) -> pd.DataFrame:
    """Marketing assets (pages, CTAs, offers) by conversion rate in the month, from the activities log
    (seed 000 ch. 4: conversion rates of landing pages and calls to action).

    Two kinds of asset, told apart by their events in the month:

    - ``page`` (has views / engagement events): ``engaged`` = distinct leads with an event on it in the
      month; ``converted`` = those who made a conversion (``conversion_types``, on any asset) within
      ``within_days`` (``analysis.asset_conversion_days``) after their event on the page (next
      conversion found per lead with ``merge_asof``); ``rate = converted / engaged`` with a Wilson 95 %
      interval; ``too_small`` when engaged < ``analysis.min_group_size``. Conversions late in the month
      have less time to happen (the last days are censored the same way for every page, so the ranking
      stays fair).
    - ``offer`` (only conversion events: ebook, webinar, form): ``converted`` = distinct leads who
      converted on it; ``new_leads`` = of those, leads created within ``new_lead_hours`` of that
      conversion (the offer brought a new contact); ``rate`` = new_leads / converted.

    Columns: ``asset, kind, engaged, converted, rate, ci_low, ci_high, new_leads, too_small``; pages
    first, each kind by rate then asset. Raises NotEnoughData without a dated log with assets
    (per-lead counters carry neither assets nor dates).
    """
    within_days = client.config.analysis.asset_conversion_days if within_days is None else within_days
    m = month_info(client, period)
    act = client.activities
    cols = ["asset", "kind", "engaged", "converted", "rate", "ci_low", "ci_high", "new_leads", "too_small"]
    if act is None or len(act) == 0 or not _has_values(act, "asset"):
        raise NotEnoughData(["activity_log"], reason="monthly.missing.no_asset_log")
    a = act[m.contains(act["occurred_at"]) & act["asset"].notna()][["lead_id", "occurred_at", "activity_type", "asset"]]
    a = a.assign(asset=a["asset"].astype(str), conv=a["activity_type"].isin(conversion_types).to_numpy())
    is_offer = a.groupby("asset")["conv"].all()
    rows = []
    # pages: view -> next conversion of the same lead within the window
    views = a[a["asset"].map(is_offer).eq(False)].sort_values("occurred_at", kind="stable")
    conv_all = act[act["activity_type"].isin(conversion_types)][["lead_id", "occurred_at"]].rename(
        columns={"occurred_at": "next_conv"}).sort_values("next_conv", kind="stable")
    if len(views):
        v = views[["lead_id", "occurred_at", "asset"]].copy()
        v["lead_id"] = v["lead_id"].astype(str)
        cz = conv_all.assign(lead_id=conv_all["lead_id"].astype(str))
        cz = cz.assign(next_conv=cz["next_conv"].astype(v["occurred_at"].dtype))
        mm = pd.merge_asof(v, cz, left_on="occurred_at", right_on="next_conv", by="lead_id", direction="forward",
                           allow_exact_matches=True)
        mm["ok"] = (mm["next_conv"] - mm["occurred_at"]) <= pd.Timedelta(days=within_days)
        eng = mm.groupby("asset")["lead_id"].nunique()
        cv = mm[mm["ok"].fillna(False).astype(bool)].groupby("asset")["lead_id"].nunique()
        for asset, n in eng.items():
            k = int(cv.get(asset, 0))
            rows.append({"asset": asset, "kind": "page", "engaged": int(n), "converted": k, "success": k, "base": int(n)})
    offers = a[a["asset"].map(is_offer).eq(True)]
    if len(offers):
        created = offers["lead_id"].map(client.leads.set_index("lead_id")["created_at"])
        offers = offers.assign(new=((offers["occurred_at"] - created).abs() <= pd.Timedelta(hours=new_lead_hours)).fillna(False))
        conv = offers.groupby("asset")["lead_id"].nunique()
        new = offers[offers["new"].astype(bool)].groupby("asset")["lead_id"].nunique()
        for asset, n in conv.items():
            k = int(new.get(asset, 0))
            rows.append({"asset": asset, "kind": "offer", "engaged": int(n), "converted": int(n), "new_leads": k,
                         "success": k, "base": int(n)})
    out = pd.DataFrame(rows, columns=cols + ["success", "base"])
    out["rate"] = out["success"] / out["base"].where(out["base"] > 0)
    lo, hi = wilson_interval(out["success"].astype(float), out["base"].astype(float))
    out["ci_low"], out["ci_high"] = lo, hi
    out["too_small"] = (out["base"] < client.config.analysis.min_group_size).astype(bool)
    out["kind_order"] = out["kind"].map({"page": 0, "offer": 1})
    out = out.sort_values(["kind_order", "rate", "asset"], ascending=[True, False, True], kind="stable").reset_index(drop=True)
    return out[cols]


def follow_up_time(client, period=None, by: str = "channel", months: int = 3) -> pd.DataFrame:
    """Time from conversion to the first sales follow-up, for leads converting in the month and the
    ``months − 1`` before it, per ``by`` and overall (``group == TOTAL``).

    The clock is the SLA's (:func:`smk.analyses.sla.first_contact_table`): from the MQL date (else the
    lead's creation) to the first contact attempt at or after it (else ``first_contact_at``), in the
    SLA's hours (``sla.business_hours`` when set). Columns: ``month, group, n, contacted,
    median_hours, p75_hours, within_sla`` (share of contacted leads followed up within
    ``sla.first_contact_hours``). Leads not contacted yet are counted in ``n`` but have no time.
    Raises NotEnoughData without contact data.
    """
    m = month_info(client, period)
    if not has_contact_data(client):
        raise NotEnoughData(["attempts"], reason="monthly.missing.no_follow_up")
    fc = sla.first_contact_table(client)
    group = (client.leads.set_index("lead_id")[by].astype("object") if by in client.leads
             else pd.Series(dtype="object"))
    fc["group"] = group_key(fc["lead_id"].map(group)) if len(group) else MISSING_GROUP
    h = float(client.config.sla.first_contact_hours)
    rows = []
    for p in pd.period_range(end=m.period, periods=months, freq="M"):
        c = fc[month_info(client, p).contains(fc["start_at"])]
        for k, v in [(TOTAL, c)] + [(k, v) for k, v in c.groupby("group", sort=True)]:
            t = v["hours_to_first_contact"].dropna()
            rows.append({"month": str(p), "group": k, "n": int(len(v)), "contacted": int(len(t)),
                         "median_hours": float(t.median()) if len(t) else np.nan,
                         "p75_hours": float(t.quantile(0.75)) if len(t) else np.nan,
                         "within_sla": float((t <= h).mean()) if len(t) else np.nan})
    return pd.DataFrame(rows, columns=["month", "group", "n", "contacted", "median_hours", "p75_hours", "within_sla"])


# --------------------------------------------------------------------------------------------
# sales
# --------------------------------------------------------------------------------------------
def quota_attainment(client, period=None, by: str = "team") -> pd.DataFrame:
    """Sales against quota for the month, per ``team`` or ``owner`` (rep), plus a TOTAL row.

    Revenue = won business of the month (:func:`won_revenue`) attributed to the deal's (else the
    lead's) team / owner; quota = the quotas rows of that level for the month (total: the company
    quota, :func:`company_quota`). ``pct = revenue / quota``; ``gap = quota − revenue`` (positive:
    short of quota). In a partial month ``expected_to_date = quota × share of the month covered``.
    Raises NotEnoughData when there is no quota at all.
    """
    m = month_info(client, period)
    total_q = company_quota(client, m.period)
    if total_q is None:
        raise NotEnoughData(["quotas"], reason="monthly.missing.no_quota")
    won = won_revenue(client)
    w = won[m.contains(won["won_at"])]
    rows = _quota_rows(client, m.period)
    qby = pd.Series(dtype=float)
    if rows is not None and by in rows:
        lvl = rows[rows[by].notna()]
        if by == "team" and "owner" in lvl:  # team quotas are the rows without a rep
            lvl = lvl[lvl["owner"].isna()]
        qby = lvl.groupby(lvl[by].astype("object"))["amount"].sum()
    g = group_key(w[by]) if by in w else pd.Series(MISSING_GROUP, index=w.index)
    rev = w.groupby(g)["amount"].sum()
    cnt = w.groupby(g).size()
    groups = sorted(set(qby.index) | set(rev.index))
    f = m.fraction if m.status == "partial" else 1.0
    out_rows = [{"group": k, "quota": float(qby.get(k, np.nan)), "revenue": float(rev.get(k, 0.0)),
                 "won_deals": int(cnt.get(k, 0))} for k in groups]
    out_rows.append({"group": TOTAL, "quota": total_q, "revenue": float(w["amount"].sum()), "won_deals": int(len(w))})
    out = pd.DataFrame(out_rows)
    out["pct"] = out["revenue"] / out["quota"].where(out["quota"] > 0)
    out["gap"] = out["quota"] - out["revenue"]
    out["expected_to_date"] = out["quota"] * f
    return out[["group", "quota", "revenue", "pct", "gap", "expected_to_date", "won_deals"]]


def pipeline(client, period=None) -> pd.DataFrame:
    """Open pipeline at the end of the month (or at data_end in a partial month), by stage, using only
    the state as of that moment t.

    A deal was open at t when it was created by t (``created_at`` ≤ t; every deal when there is no creation
    date) and either is still open in the export (``stage == 'open'``: a ``closed_at`` of an open deal is
    the CRM's expected close date, not a close) or was won or lost after t (``closed_at`` > t). The stage
    of a deal still open is the one exported (``pipeline_stage``, else the code of its stage): the CRM
    keeps only today's stage. A deal won or lost after t was open then, but its stage at t is not in the
    export: its stage is :data:`CLOSED_LATER` (never "won" or "lost", which it was not yet). A won or lost
    deal without a close date cannot be placed: left out and counted in ``attrs['undated_closed']``.
    Columns: ``pipeline_stage, deals, amount``; ``attrs``: ``as_of`` (t), ``closed_later``,
    ``undated_closed``. Raises NotEnoughData without a deals table.
    """
    m = month_info(client, period)
    d = client.deals
    if d is None or len(d) == 0:
        raise NotEnoughData(["deals"], reason="monthly.missing.no_deals")
    t = min(m.end, m.data_end)
    created = ((d["created_at"] <= t).fillna(False).astype(bool) if "created_at" in d
               else pd.Series(True, index=d.index))
    closed_at = d["closed_at"] if "closed_at" in d else pd.Series(pd.NaT, index=d.index)
    open_now = (d["stage"] == "open").fillna(False).astype(bool)
    closed_after = ~open_now & (closed_at > t).fillna(False).astype(bool)
    undated = ~open_now & closed_at.isna()
    o = d[created & (open_now | closed_after)]
    stage = (o["pipeline_stage"] if "pipeline_stage" in o else o["stage"]).astype("object")
    stage = stage.where(stage.notna(), MISSING_GROUP).where(open_now[o.index], CLOSED_LATER)
    amt = pd.to_numeric(o["amount"], errors="coerce") if "amount" in o else pd.Series(np.nan, index=o.index)
    out = pd.DataFrame({"pipeline_stage": stage, "amount": amt}).groupby("pipeline_stage", sort=True).agg(
        deals=("amount", "size"), amount=("amount", "sum")).reset_index()
    # deals whose stage at t is unknown go last
    out = out.assign(_later=out["pipeline_stage"].eq(CLOSED_LATER)).sort_values(
        ["_later", "pipeline_stage"], kind="stable").drop(columns="_later").reset_index(drop=True)
    out = out[["pipeline_stage", "deals", "amount"]]
    out.attrs.update({"as_of": t, "closed_later": int((created & closed_after).sum()),
                      "undated_closed": int((created & undated).sum())})
    return out


def _cycle_stats(client, o: pd.DataFrame, keep: pd.Series, by: str | None) -> pd.DataFrame:
    """Won-lead cycle statistics (calendar days from lead creation to win, as 03 counts them) of the won
    leads in ``keep``: :func:`smk.analyses.closerate.sales_cycle` on outcomes where every other lead is
    marked lost (so its won-only median and quartiles cover exactly these wins), leads created before the
    outcome data start included (a win of the month is a fact), wins dated before their lead's creation
    left out. Columns: ``group, n, median_days, p25_days, p75_days``."""
    oo = o.copy()
    other = ~keep.to_numpy()
    oo.loc[other, "won"] = False
    oo.loc[other, "status"] = "lost"
    res = closerate.sales_cycle(client, by, start="lead", outcomes=oo, covered_only=False)
    out = pd.DataFrame({"group": res["group"].astype("object"), "n": res["n_won"].astype(int),
                        "median_days": res["median_days"], "p25_days": res["q1_days"], "p75_days": res["q3_days"]})
    out = out[out["n"] > 0] if by is not None else out
    return out.reset_index(drop=True)


def won_cycle(client, period=None, by: str = "channel", history_months: int = 12) -> pd.DataFrame:
    """Sales cycle of the customers won in the month: days from lead creation to the win
    (DOMAIN §5: "time from marketing lead to customer"), overall (TOTAL) and per ``by``, with the
    median of the wins of the ``history_months`` before for reference.

    Columns: ``group, n, median_days, p25_days, p75_days, history_median_days``. ``attrs['set_aside']``:
    customers won in the month whose win is dated on a day before their lead was created (not a 0-day
    cycle: left out of the figures, counted here).
    """
    m = month_info(client, period)
    o = lead_outcomes(client)
    full = closerate.lead_table(client, o)
    aside = int((full["set_aside"].eq("won_before_created") & m.contains(full["won_at"])).sum())
    cur = m.contains(o["won_at"])
    hist_start = m.start - pd.DateOffset(months=history_months)
    hist = ((o["won_at"] >= hist_start) & (o["won_at"] < m.start)).fillna(False).astype(bool)
    parts = []
    for grp in (None, by):
        c = _cycle_stats(client, o, cur, grp)
        h = _cycle_stats(client, o, hist, grp).set_index("group")["median_days"]
        c["history_median_days"] = c["group"].map(h)
        if grp is None:
            c["group"] = TOTAL
            c["history_median_days"] = float(h.iloc[0]) if len(h) else np.nan
        parts.append(c)
    out = pd.concat(parts, ignore_index=True)
    if out.loc[0, "n"] == 0:
        out = out.iloc[:1]
    out = out[["group", "n", "median_days", "p25_days", "p75_days", "history_median_days"]]
    out.attrs["set_aside"] = aside
    return out


# --------------------------------------------------------------------------------------------
# disputes
# --------------------------------------------------------------------------------------------
def quality_disputes(client, period=None, *, baseline_months: int | None = None, by: str = "channel") -> pd.DataFrame:
    """Lead-quality disputes the data suggest: per channel, did the rate fall against the channel's
    own baseline?

    Metrics: ``mql_rate`` (lead → MQL; leads created in the month vs the ``baseline_months`` before)
    and ``close_rate`` (won within ``analysis.close_window_days`` calendar days, as 03 counts it; latest
    month whose leads are all at least that old at data_end vs the ``baseline_months`` before it; only
    leads the outcome data cover, none set aside, and no close-rate test at all when that month comes
    before the outcome data start: ``attrs['close_rate_skipped'] = 'not_covered'``). Test: two-sided Fisher exact
    test on the 2×2 table (recent vs baseline × success / not), Benjamini–Hochberg across all
    channel × metric tests. A dispute = rate fell, q < ``analysis.alpha``, and both groups have at
    least ``analysis.min_group_size`` leads. Columns: ``metric, group, cohort, recent_n,
    recent_rate, baseline_n, baseline_rate, pvalue, qvalue, too_small, dispute``.
    """
    baseline_months = client.config.analysis.dispute_baseline_months if baseline_months is None else baseline_months
    m = month_info(client, period)
    cfg = client.config.analysis
    o = lead_outcomes(client)
    leads = client.leads
    o["group"] = group_key(leads[by]).to_numpy() if by in leads else MISSING_GROUP
    win = pd.Timedelta(days=cfg.close_window_days)
    o["mql"] = o["mql_at"].notna() if _has_values(leads, "mql_at") else np.nan
    # won within N calendar days, as 03 counts it; leads the outcome data cover and not set aside only
    lt = closerate.lead_table(client, o)
    o["won_in"] = lt["won_in_window"].to_numpy(bool)
    o["in_scope"] = lt["in_scope"].to_numpy(bool)
    tests = []
    if _has_values(leads, "mql_at") and m.status != "no_data":
        tests.append(("mql_rate", m.period, "mql"))
    # latest cohort month fully mature at data_end, not after the report month
    mature = _local_period(m.data_end - win, client.tz) - 1
    skipped = None
    if m.status != "no_data":
        mature = min(mature, m.period)
        if outcomes_cover(client, mature):
            tests.append(("close_rate", mature, "won_in"))
        else:  # the cohort's outcomes are not in the export: a "fall" would be the gap, not lead quality
            skipped = "not_covered"
    rows = []
    for metric, cohort, col in tests:
        cm = month_info(client, cohort)
        b0, _ = month_bounds(cohort - baseline_months, m.start.tz)
        pool = o[o["in_scope"]] if metric == "close_rate" else o
        rec = pool[cm.contains(pool["created_at"])]
        base = pool[((pool["created_at"] >= b0) & (pool["created_at"] < cm.start)).fillna(False).astype(bool)]
        if len(base) == 0:
            continue
        for grp in sorted(set(rec["group"]) | set(base["group"])):
            r, b = rec[rec["group"] == grp], base[base["group"] == grp]
            kr, nr, kb, nb = int(r[col].sum()), len(r), int(b[col].sum()), len(b)
            p = float(_st.fisher_exact([[kr, nr - kr], [kb, nb - kb]])[1]) if nr and nb else np.nan
            rows.append({"metric": metric, "group": grp, "cohort": str(cohort), "recent_n": nr,
                         "recent_rate": kr / nr if nr else np.nan, "baseline_n": nb,
                         "baseline_rate": kb / nb if nb else np.nan, "pvalue": p,
                         "too_small": min(nr, nb) < cfg.min_group_size})
    cols = ["metric", "group", "cohort", "recent_n", "recent_rate", "baseline_n", "baseline_rate", "pvalue",
            "qvalue", "too_small", "dispute"]
    if not rows:
        out = pd.DataFrame(columns=cols)
        out.attrs["close_rate_skipped"] = skipped
        return out
    out = pd.DataFrame(rows)
    out["qvalue"] = bh_adjust(out["pvalue"].where(~out["too_small"]))
    out["dispute"] = (out["recent_rate"] < out["baseline_rate"]) & (out["qvalue"] < cfg.alpha) & ~out["too_small"]
    out = out[cols]
    out.attrs["close_rate_skipped"] = skipped
    return out


# --------------------------------------------------------------------------------------------
# the whole report
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthlyResult(Summary):
    """Everything notebook 06 shows, for one month (sections: :data:`SECTIONS`)."""

    series: pd.DataFrame  # monthly_series: the 13 months ending with the report month
    sources: pd.DataFrame  # by_source: this month and the two before
    has_traffic: bool
    has_spend: bool
    assets: pd.DataFrame  # asset_conversion (empty when missing["assets"])
    follow_up: pd.DataFrame  # follow_up_time (empty when missing["follow_up"])
    quota_team: pd.DataFrame  # quota_attainment by team (empty when missing["quota"])
    quota_owner: pd.DataFrame  # quota_attainment by rep
    pipeline: pd.DataFrame  # pipeline (empty when missing["pipeline"])
    cycle: pd.DataFrame  # won_cycle by channel
    compliance: pd.DataFrame  # first_contact_compliance by team (empty when missing["compliance"])
    commitments: pd.DataFrame  # commitments (empty for a month without data)
    disputes: pd.DataFrame  # quality_disputes
    recommended_sla: Mapping[str, float] | None  # recommended_sla (05), None when it cannot recommend
    first_contact_hours: float  # the SLA in force (client.yml sla)
    attempts: int
    attempts_within_days: float
    baseline_months: int  # analysis.dispute_baseline_months

    def sla_differs(self) -> bool:
        """05 recommends an SLA other than the one in client.yml (a management-meeting item)."""
        r = self.recommended_sla
        return bool(r) and (r["attempts"] != self.attempts or r["first_contact_hours"] != self.first_contact_hours)


#: the notebook's sections (smk.views.monthly draws each)
SECTIONS = ("notes", "tiles", "movements", "kpis", "trends", "sources", "assets", "follow_up", "quota",
            "quota_reps", "pipeline", "cycle", "compliance", "commitments", "weekly_agenda", "monthly_agenda")


def _or_missing(fn, missing: dict, sections: tuple[str, ...], empty_columns: list[str], *args, **kwargs) -> pd.DataFrame:
    """``fn(*args, **kwargs)``, or an empty frame with ``sections`` marked missing when the data cannot
    support it (NotEnoughData)."""
    try:
        return fn(*args, **kwargs)
    except NotEnoughData as exc:
        for s in sections:
            missing[s] = Missing(needs=tuple(exc.needs), reason=exc.reason, params=exc.params)
        return pd.DataFrame(columns=empty_columns)


def analyse(client, period=None, **params: Any) -> MonthlyResult:
    """The monthly report of ``period`` (default: the client's default period).

    ``params``: ``history_months`` (13, months in the trend charts), ``source_months`` (3, months in
    the by-source, follow-up tables). Raises NotEnoughData when the leads carry no creation dates.
    """
    if not _has_values(client.leads, "created_at"):
        raise NotEnoughData(["dated"])
    history_months = int(params.get("history_months", 13))
    source_months = int(params.get("source_months", 3))
    s = summary(client, period)
    p = s.month.period
    missing: dict[str, Missing] = {}
    if s.month.status == "no_data":
        missing["commitments"] = Missing(reason="monthly.missing.no_data")
    elif not outcomes_cover(client, p):
        # the deals export does not reach the month: its sales, pipeline and cycle would read as zero
        for name in ("quota", "quota_reps", "pipeline", "cycle"):
            missing[name] = Missing(reason="monthly.missing.not_covered")
    cfg = client.config
    return MonthlyResult(
        month=s.month, kpis=s.kpis, notes=s.notes, goal=s.goal, quota=s.quota, outcomes_start=s.outcomes_start,
        has_contacts=s.has_contacts,
        series=monthly_series(client, history_months, p),
        sources=by_source(client, p, months=source_months),
        has_traffic=traffic_available(client), has_spend=spend_available(client),
        assets=_or_missing(asset_conversion, missing, ("assets",),
                           ["asset", "kind", "engaged", "converted", "rate", "ci_low", "ci_high", "new_leads", "too_small"],
                           client, p),
        follow_up=_or_missing(follow_up_time, missing, ("follow_up",),
                              ["month", "group", "n", "contacted", "median_hours", "p75_hours", "within_sla"],
                              client, p, months=source_months),
        quota_team=_or_missing(quota_attainment, missing, ("quota", "quota_reps"),
                               ["group", "quota", "revenue", "pct", "gap", "expected_to_date", "won_deals"],
                               client, p, by="team"),
        quota_owner=_or_missing(quota_attainment, {}, (),
                                ["group", "quota", "revenue", "pct", "gap", "expected_to_date", "won_deals"],
                                client, p, by="owner"),
        pipeline=_or_missing(pipeline, missing, ("pipeline",), ["pipeline_stage", "deals", "amount"], client, p),
        cycle=won_cycle(client, p),
        compliance=_or_missing(first_contact_compliance, missing, ("compliance",),
                               ["group", "judged", "met", "compliance", "ci_low", "ci_high", "pending", "too_small",
                                "qvalue", "direction"], client, p, by="team"),
        commitments=commitments(client, p),
        disputes=quality_disputes(client, p),
        recommended_sla=recommended_sla(client),
        first_contact_hours=float(cfg.sla.first_contact_hours), attempts=int(cfg.sla.attempts),
        attempts_within_days=float(cfg.sla.attempts_within_days),
        baseline_months=int(cfg.analysis.dispute_baseline_months),
        missing=missing,
    )


__all__ = [
    "CLOSED_LATER", "CONVERSION_TYPES", "KPIS", "KPI_KIND", "MISSING_GROUP", "Month", "MonthlyResult", "NOTE_CODES",
    "RANKED", "group_key", "outcomes_cover",
    "SECTIONS", "STATUSES", "Summary", "TOTAL", "Z_CLEAR", "analyse", "asset_conversion", "by_source", "commitments",
    "company_quota", "data_start", "elapsed_fraction", "first_contact_compliance", "follow_up_time",
    "has_contact_data", "kpis", "monthly_series", "month_bounds", "month_info", "movements", "mql_goal", "pipeline",
    "quality_disputes", "quota_attainment", "recommended_sla", "spend_available", "summary", "traffic_available",
    "won_cycle", "won_revenue",
]
