"""The figures of the written SLA (seed 001): the terms both sides sign for a month — marketing's
MQL goal with the value table behind it, sales' first-contact and follow-up rules (notebook 05's
recommendation when there is one, else client.yml), the compliance target and the follow-up workload
the rules imply. The document itself is written by the views (smk.views.sla, one template per
language).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from smk.analyses.sla.commitments import attempts_workload, sales_sla
from smk.analyses.sla.commitments import recommendation as recommended_sla
from smk.analyses.sla.goal import MIX_ROW, monthly_mql_goal


@dataclass(frozen=True)
class AgreementTerms:
    """What the agreement of a month commits each side to (see :func:`agreement_terms`).

    ``value_table``: one row per lead type and a last row for the current mix (``kind`` 'type' |
    'mix'): ``lead_type, kind, avg_revenue, close_rate, value, mqls_needed`` (rounded up).
    ``workload``: :func:`~smk.analyses.sla.commitments.attempts_workload` for the goal and K.
    ``recommendation``: notebook 05's recommendation (with its evidence) when the rules come from it.
    """

    period: str
    first_contact_hours: float
    attempts: int
    within_days: float
    from_recommendation: bool
    business_hours: str | None
    timezone: str
    target: float
    value_table: pd.DataFrame
    workload: Mapping[str, Any] = field(default_factory=dict)
    recommendation: Mapping[str, Any] | None = None


def value_table(goal: Mapping[str, Any]) -> pd.DataFrame:
    """The agreement's value table from :func:`~smk.analyses.sla.goal.monthly_mql_goal`: per lead type
    (in the order of the value table) revenue per customer, close rate, value per MQL and MQLs needed
    (rounded up), then the current-mix row."""
    vt = goal["values"]
    needed = goal["needed"].set_index("lead_type")
    rows = []
    for r in vt.itertuples(index=False):
        n = needed.loc[r.lead_type, "mqls_needed_ceil"] if r.lead_type in needed.index else np.nan
        rows.append({"lead_type": r.lead_type, "kind": "type", "avg_revenue": float(r.avg_revenue),
                     "close_rate": float(r.close_rate), "value": float(r.value), "mqls_needed": float(n)})
    if MIX_ROW in needed.index:
        m = needed.loc[MIX_ROW]
        rows.append({"lead_type": MIX_ROW, "kind": "mix", "avg_revenue": np.nan, "close_rate": np.nan,
                     "value": float(m["value"]), "mqls_needed": float(m["mqls_needed_ceil"])})
    return pd.DataFrame(rows, columns=["lead_type", "kind", "avg_revenue", "close_rate", "value", "mqls_needed"])


def agreement_terms(client, period: str | None = None, *, target: float | None = None, goal: dict | None = None,
                    use_recommendation: bool = True, terms: pd.DataFrame | None = None,
                    recommendation: Mapping[str, Any] | None = None,
                    attempts_leads: pd.DataFrame | None = None) -> AgreementTerms:
    """The terms of the agreement for ``period`` (default: the client's default period).

    Sales' rules: notebook 05's recommendation (``sales_sla(...)`` ``recommended_*``) when there is one,
    else client.yml's ``sla.first_contact_hours``, ``sla.attempts``, ``sla.attempts_within_days``.
    ``target`` defaults to ``client.config.sla.compliance_target``. ``goal``, ``terms`` (of
    :func:`~smk.analyses.sla.commitments.sales_sla`), ``recommendation`` and ``attempts_leads`` (the
    attempts table of every period) may be passed when already computed.
    """
    target = client.config.sla.compliance_target if target is None else target
    period = period or client.default_period()
    g = goal or monthly_mql_goal(client, period)
    s = terms if terms is not None else sales_sla(client, use_recommendation=use_recommendation)
    cfg = client.config.sla
    rec = bool(s.attrs.get("recommended")) and use_recommendation and len(s) > 0
    if rec:
        r = s.iloc[0]
        h, k, d = float(r["recommended_first_contact_hours"]), int(r["recommended_attempts"]), float(r["recommended_within_days"])
    else:
        h, k, d = float(cfg.first_contact_hours), int(cfg.attempts), float(cfg.attempts_within_days)
    wl = attempts_workload(client, g["goal"], period=period, attempts=k, per_lead=attempts_leads)
    return AgreementTerms(period=str(pd.Period(period, freq="M")), first_contact_hours=h, attempts=k, within_days=d,
                          from_recommendation=rec, business_hours=cfg.business_hours,
                          timezone=client.config.timezone, target=float(target), value_table=value_table(g),
                          workload=wl,
                          recommendation=(recommendation if recommendation is not None else recommended_sla(client)) if rec else None)


__all__ = ["AgreementTerms", "agreement_terms", "value_table"]
