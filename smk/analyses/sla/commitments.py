"""The sales side of the SLA and both sides' commitments (seed 000 ch. 3, seeds 001 and 002): the
sales SLA terms (client.yml, and notebook 05's recommendation), the follow-up workload they imply,
and each commitment of the month with its target and actual.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from smk.analyses import attempts as attempt_analysis
from smk.analyses.sla import clock
from smk.analyses.sla.compliance import attempts_compliance, attempts_table, first_contact_compliance
from smk.analyses.sla.goal import monthly_mql_goal
from smk.analyses.sla.pacing import Pacing, pacing
from smk.errors import NotEnoughData

#: The commitments of :func:`commitments`, in order: marketing delivers the MQL goal and the value of
#: its share of the quota; sales first-contacts and makes the attempts on enough new MQLs.
COMMITMENTS = ("mqls", "mql_value", "first_contact", "attempts")
#: Keys a recommendation of notebook 05 must have to be used.
RECOMMENDATION_KEYS = ("first_contact_hours", "attempts", "within_days")


# --------------------------------------------------------------------------------------------
# sales SLA terms
# --------------------------------------------------------------------------------------------
def recommendation(client) -> Mapping[str, Any] | None:
    """Notebook 05's recommended sales SLA, ``smk.analyses.attempts.recommend_sla(client)``, when the
    data support one (None otherwise): ``first_contact_hours``, ``attempts``, ``within_days`` and 05's
    evidence."""
    try:
        rec = attempt_analysis.recommend_sla(client)
    except NotEnoughData:
        return None
    if not rec or not all(k in rec for k in RECOMMENDATION_KEYS):
        return None
    return rec


def sales_sla(client, *, lead_types: Sequence[str] | None = None, use_recommendation: bool = True,
              overrides: Mapping[str, Mapping[str, float]] | None = None,
              recommended: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The sales SLA per lead type: first contact within H hours, K attempts within D days.

    Terms in force come from client.yml (``sla.first_contact_hours``, ``sla.attempts``,
    ``sla.attempts_within_days``); ``overrides`` ({lead_type: {key: value}}) changes them per type.
    When ``use_recommendation`` and ``smk.analyses.attempts.recommend_sla(client)`` returns a recommendation
    (notebook 05: where the profitability of one more attempt levels off; see :func:`recommendation`), it
    fills the ``recommended_*`` columns. Columns: ``lead_type, first_contact_hours, attempts, within_days,
    source, recommended_first_contact_hours, recommended_attempts, recommended_within_days``;
    ``attrs['recommended']`` says whether there is a recommendation; ``recommended``: the result of
    :func:`recommendation`, when already computed.
    """
    cfg = client.config.sla
    if lead_types is None:
        col = cfg.lead_type
        lt = client.leads[col].dropna().astype(str).unique().tolist() if col in client.leads else ["all"]
        lead_types = sorted(lt)
    rec = (recommended if recommended is not None else recommendation(client)) if use_recommendation else None
    rows = []
    for t in lead_types:
        row = {"lead_type": t, "first_contact_hours": float(cfg.first_contact_hours), "attempts": int(cfg.attempts),
               "within_days": float(cfg.attempts_within_days), "source": "client.yml"}
        if overrides and t in overrides:
            row.update({k: v for k, v in overrides[t].items() if k in ("first_contact_hours", "attempts", "within_days")})
            row["source"] = "override"
        row["recommended_first_contact_hours"] = float(rec["first_contact_hours"]) if rec else np.nan
        row["recommended_attempts"] = float(rec["attempts"]) if rec else np.nan
        row["recommended_within_days"] = float(rec["within_days"]) if rec else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["recommended"] = rec is not None
    return out


def attempts_workload(client, goal: float | None, *, period: str | None = None, attempts: int | None = None,
                      per_lead: pd.DataFrame | None = None) -> dict:
    """How many follow-up attempts a month the sales SLA asks for (seed 000 ch. 3: "how many follow-up
    attempts should sales complete each month?"), against the team's calling capacity.

    - ``max_attempts`` = MQL goal × K (every MQL given all K attempts);
    - ``expected_attempts`` = MQL goal × mean attempts made within D days per judged MQL of the last
      three months under the rule (leads reached sooner need fewer), when there is an attempts log;
    - ``capacity`` = reps × ``costs.calling_hours_per_month`` × ``costs.attempts_per_hour``, with reps =
      ``costs.reps`` or the owners of MQLs in the last three months.

    ``per_lead``: the :func:`~smk.analyses.sla.compliance.attempts_table` of every period, already
    computed (used when it was computed for the same K).
    """
    cfg = client.config
    k = int(cfg.sla.attempts if attempts is None else attempts)
    out: dict[str, Any] = {"max_attempts": float(goal) * k if goal else float("nan"),
                           "expected_attempts": float("nan"), "per_mql": float("nan")}
    as_of = clock.as_of(client, period)
    frm = clock.month_start_before(as_of, 3, client.tz)
    if per_lead is not None and per_lead.attrs.get("attempts") == k:
        at = per_lead
    else:
        try:
            at = attempts_table(client, attempts=k)
        except NotEnoughData:
            at = None
    if at is not None:
        recent = at[(at["start_at"] >= frm) & (at["start_at"] < as_of) & at["judged"]]
        if len(recent) and at.attrs.get("source") == "log":
            per = float(np.minimum(recent["attempts_within"], k).mean())
            out["per_mql"] = per
            out["expected_attempts"] = float(goal) * per if goal else float("nan")
    reps = cfg.costs.reps
    if reps is None:
        start, _ = clock.sla_start(client.leads)
        st = clock.local_times(start, client.tz)
        m = ((st >= frm) & (st < as_of)).to_numpy()
        reps = int(client.leads.loc[m, "owner"].nunique()) if "owner" in client.leads else 0
    out["reps"] = int(reps)
    out["capacity"] = float(reps) * cfg.costs.calling_hours_per_month * cfg.costs.attempts_per_hour
    return out


# --------------------------------------------------------------------------------------------
# commitments
# --------------------------------------------------------------------------------------------
def commitments(client, period: str | None = None, *, target: float | None = None,
                goal: dict | None = None, pace: Pacing | None = None, first_contact: pd.DataFrame | None = None,
                attempts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Both sides' commitments for a month with target, actual and met / missed (seed 000 ch. 3,
    seed 002): marketing delivers the MQL goal and the MQL value (marketing's share of the quota, in
    money: MQLs delivered per type × value per MQL); sales contacts ≥ ``target`` of new MQLs within H
    hours and makes K attempts within D days on ≥ ``target`` of them.

    Columns: ``side`` ('marketing'|'sales'), ``commitment`` (a code of :data:`COMMITMENTS`), ``target,
    actual, unit ('count'|'money'|'share'), met`` (NA while the month is not complete or nothing can be
    judged), ``complete``, ``on_track`` (marketing: pacing says not behind; sales: actual ≥ target so
    far). ``target`` defaults to ``client.config.sla.compliance_target``. ``goal``, ``pace``,
    ``first_contact`` and ``attempts`` (overall compliance of the month, ``by=None``) may be passed
    when already computed.
    """
    target = client.config.sla.compliance_target if target is None else target
    period = period or client.default_period()
    g = goal or monthly_mql_goal(client, period)
    p = pace or pacing(client, period, goal=g["goal"])
    if first_contact is not None:
        fc = first_contact
    else:
        try:
            fc = first_contact_compliance(client, period, by=None)
        except NotEnoughData:
            fc = pd.DataFrame({"rate": [np.nan]})
    rows = []
    values = g["values"].set_index("lead_type")["value"]
    start, _ = clock.sla_start(client.leads)
    p0, p1 = clock.period_bounds(period, client.tz)
    st = clock.local_times(start, client.tz)
    col = g.get("lead_type") or client.config.sla.lead_type
    in_month = (st >= p0) & (st < p1)
    types = client.leads.loc[in_month.to_numpy(), col] if col in client.leads else pd.Series(
        "all", index=client.leads.index[in_month.to_numpy()])
    delivered_value = float(types.astype("object").map(values).fillna(0.0).sum())
    complete = p.complete

    def met(actual, tgt):
        if not complete or actual is None or tgt is None or not np.isfinite(actual) or not np.isfinite(tgt):
            return pd.NA
        return bool(actual >= tgt)

    rows.append({"side": "marketing", "commitment": "mqls",
                 "target": g["goal"] if g["goal"] is not None else np.nan, "actual": float(p.mqls_so_far),
                 "unit": "count", "met": met(float(p.mqls_so_far), g["goal"]),
                 "on_track": p.status in ("on_track", "ahead")})
    rows.append({"side": "marketing", "commitment": "mql_value",
                 "target": g["marketing_share"], "actual": delivered_value, "unit": "money",
                 "met": met(delivered_value, g["marketing_share"]),
                 "on_track": bool(np.isfinite(g["marketing_share"]) and p.goal_to_date > 0 and
                                  delivered_value >= g["marketing_share"] * p.elapsed_units / p.total_units
                                  * (1 - p.tolerance))})
    fc_rate = float(fc["rate"].iloc[0]) if len(fc) else np.nan
    rows.append({"side": "sales", "commitment": "first_contact",
                 "target": target, "actual": fc_rate, "unit": "share", "met": met(fc_rate, target),
                 "on_track": bool(np.isfinite(fc_rate) and fc_rate >= target)})
    try:
        at = attempts if attempts is not None else attempts_compliance(client, period, by=None)
        at_rate = float(at["rate"].iloc[0]) if len(at) else np.nan
        at_judged = int(at["evaluable"].iloc[0]) if len(at) else 0
        at_pending = int(at["pending"].iloc[0]) if len(at) else 0
    except NotEnoughData:
        at_rate, at_judged, at_pending = np.nan, 0, 0
    at_complete = complete and at_pending == 0
    rows.append({"side": "sales", "commitment": "attempts",
                 "target": target, "actual": at_rate, "unit": "share",
                 "met": (bool(at_rate >= target) if (at_complete and np.isfinite(at_rate)) else pd.NA),
                 "on_track": bool(np.isfinite(at_rate) and at_rate >= target)})
    out = pd.DataFrame(rows)
    out["met"] = out["met"].astype("boolean")
    out["complete"] = complete
    out.attrs.update({"period": str(pd.Period(period, freq="M")), "pacing_status": p.status,
                      "attempts_judged": at_judged, "attempts_pending": at_pending})
    return out


__all__ = ["COMMITMENTS", "RECOMMENDATION_KEYS", "attempts_workload", "commitments", "recommendation", "sales_sla"]
