"""Notebook 04 in one call: ``analyse(client, period) -> SlaResult``, every table the SLA notebook
shows, computed once (the per-lead SLA tables of every month are built once and cut to the month).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from smk.analyses.base import Headline, Missing, Result
from smk.analyses.sla import clock
from smk.analyses.sla.agreement import AgreementTerms, agreement_terms
from smk.analyses.sla.commitments import commitments, recommendation, sales_sla
from smk.analyses.sla.compliance import (attempts_compliance, attempts_table, breaching_leads,
                                         first_contact_compliance, first_contact_table)
from smk.analyses.sla.goal import monthly_mql_goal
from smk.analyses.sla.pacing import Pacing, pacing
from smk.errors import NotEnoughData

#: Sections of notebook 04 that need first-contact times / the attempts of each lead.
FIRST_CONTACT_SECTIONS = ("first_contact_team", "first_contact_rep", "first_contact_trend")
ATTEMPTS_SECTIONS = ("attempts_team", "attempts_rep", "attempts_trend")


@dataclass(frozen=True)
class SlaRule:
    """The sales SLA in force (client.yml ``sla``): first contact within ``first_contact_hours``,
    ``attempts`` within ``within_days``; counted in working time when ``business_hours`` is set; met
    for a month when at least ``compliance_target`` of new MQLs meet it."""

    first_contact_hours: float
    attempts: int
    within_days: float
    business_hours: str | None
    compliance_target: float


@dataclass(frozen=True)
class SlaResult(Result):
    """Everything notebook 04 shows for one month.

    - ``values`` (:func:`~smk.analyses.sla.goal.mql_value_table`), ``needed``
      (:func:`~smk.analyses.sla.goal.mqls_needed`), ``goal`` (the scalars of
      :func:`~smk.analyses.sla.goal.monthly_mql_goal`: quota, quota_source, quota_share,
      marketing_share, mix_value(_low/_high), mqls_needed(_low/_high), leads_for_whole_quota, goal,
      goal_source), ``sources`` (:func:`~smk.analyses.sla.goal.lead_sources`);
    - ``pacing`` (:class:`~smk.analyses.sla.pacing.Pacing`);
    - ``rule`` (client.yml's sales SLA and compliance target), ``terms``
      (:func:`~smk.analyses.sla.commitments.sales_sla`), ``recommendation`` (notebook 05's, or None);
    - first contact: ``first_contact_leads`` (per new MQL of the month), ``first_contact_overall``,
      ``first_contact_team``, ``first_contact_rep`` (team × rep), ``first_contact_trend`` (per team and
      month, every month); the same for attempts (``attempts_*``, no per-lead table); None when the
      data lack contact times / attempts (``missing`` says so);
    - ``breaching`` (:func:`~smk.analyses.sla.compliance.breaching_leads`), ``commitments``,
      ``agreement`` (:class:`~smk.analyses.sla.agreement.AgreementTerms`).
    """

    period: str
    client_name: str
    timezone: str
    lead_type: str
    basis: str
    window_days: int
    values: pd.DataFrame
    needed: pd.DataFrame
    goal: Mapping[str, Any]
    sources: Mapping[str, Any]
    pacing: Pacing
    rule: SlaRule
    terms: pd.DataFrame
    recommendation: Mapping[str, Any] | None
    first_contact_leads: pd.DataFrame | None
    first_contact_overall: pd.DataFrame | None
    first_contact_team: pd.DataFrame | None
    first_contact_rep: pd.DataFrame | None
    first_contact_trend: pd.DataFrame | None
    attempts_overall: pd.DataFrame | None
    attempts_team: pd.DataFrame | None
    attempts_rep: pd.DataFrame | None
    attempts_trend: pd.DataFrame | None
    breaching: pd.DataFrame | None
    as_of: pd.Timestamp
    commitments: pd.DataFrame
    agreement: AgreementTerms

    @property
    def compliance_target(self) -> float:
        """Share of new MQLs that must meet each sales rule (client.yml ``sla.compliance_target``)."""
        return self.rule.compliance_target

    @property
    def first_contact_rate(self) -> float:
        """Share of the month's judged new MQLs first contacted in time (NaN when unknown)."""
        fc = self.first_contact_overall
        return float(fc["rate"].iloc[0]) if fc is not None and len(fc) else float("nan")

    def headlines(self) -> list[Headline]:
        goal = self.goal["goal"]
        status = self.pacing.status
        rate = self.first_contact_rate
        return [
            Headline(label="sla.headline.goal", value=goal, kind="int"),
            Headline(label="sla.headline.pacing", value=status, kind="text",
                     display=f"sla.headline.pacing_status.{status}",
                     params={"count": int(self.pacing.mqls_so_far), "goal": None if goal is None else int(goal)}),
            Headline(label="sla.headline.first_contact", value=rate if np.isfinite(rate) else None, kind="pct:0"),
        ]


def _month(per_lead: pd.DataFrame, period: str, tz) -> pd.DataFrame:
    """The rows of a per-lead SLA table (every month) whose clock starts in ``period``: the same table
    as computing it for the month alone."""
    p0, p1 = clock.period_bounds(period, tz)
    out = per_lead[(per_lead["start_at"] >= p0) & (per_lead["start_at"] < p1)].reset_index(drop=True)
    out.attrs = dict(per_lead.attrs)
    return out


def analyse(client, period=None, *, use_recommendation: bool = True, lookback_days: float = 7.0) -> SlaResult:
    """Notebook 04 for month ``period`` (``YYYY-MM`` or a pandas Period; default: the client's default
    period): MQL value and goal, marketing pacing, first-contact and attempts compliance (month per
    team and rep, every month per team), the breaching list (``lookback_days``), both sides'
    commitments and the agreement's terms (with notebook 05's recommendation when
    ``use_recommendation`` and the data support one).

    Raises NotEnoughData when the leads have no creation dates.
    """
    leads = client.leads
    if "created_at" not in leads or not leads["created_at"].notna().any():
        raise NotEnoughData(["dated"], "the SLA needs the date each lead was created", reason="sla.missing.undated")
    period = str(pd.Period(str(period), freq="M")) if period else client.default_period()
    cfg = client.config.sla
    tz = client.tz
    g = monthly_mql_goal(client, period)
    pace = pacing(client, period, goal=g["goal"])
    missing: dict[str, Missing] = {}

    try:
        fc_all = first_contact_table(client)
    except NotEnoughData as exc:
        fc_all = None
        for name in FIRST_CONTACT_SECTIONS:
            missing[name] = Missing(needs=tuple(exc.needs), reason=exc.reason, params=exc.params)
    fc_month = fc_overall = fc_team = fc_rep = fc_trend = None
    if fc_all is not None:
        fc_month = _month(fc_all, period, tz)
        fc_overall = first_contact_compliance(client, period, by=None, per_lead=fc_month)
        fc_team = first_contact_compliance(client, period, by="team", per_lead=fc_month)
        fc_rep = first_contact_compliance(client, period, by=["team", "owner"], per_lead=fc_month)
        fc_trend = first_contact_compliance(client, by="team", freq="M", per_lead=fc_all)

    try:
        at_all = attempts_table(client)
    except NotEnoughData as exc:
        at_all = None
        for name in ATTEMPTS_SECTIONS:
            missing[name] = Missing(needs=tuple(exc.needs), reason=exc.reason, params=exc.params)
    at_overall = at_team = at_rep = at_trend = None
    if at_all is not None:
        at_month = _month(at_all, period, tz)
        at_overall = attempts_compliance(client, period, by=None, per_lead=at_month)
        at_team = attempts_compliance(client, period, by="team", per_lead=at_month)
        at_rep = attempts_compliance(client, period, by=["team", "owner"], per_lead=at_month)
        at_trend = attempts_compliance(client, by="team", freq="M", per_lead=at_all)

    if fc_all is not None and at_all is not None:
        breaching = breaching_leads(client, lookback_days=lookback_days, first_contact_leads=fc_all,
                                    attempts_leads=at_all)
    else:
        breaching = None
        why = missing.get(FIRST_CONTACT_SECTIONS[0]) or missing[ATTEMPTS_SECTIONS[0]]
        missing["breaching"] = why

    rec = recommendation(client) if use_recommendation else None
    terms = sales_sla(client, use_recommendation=rec is not None, recommended=rec)
    com = commitments(client, period, goal=g, pace=pace, first_contact=fc_overall, attempts=at_overall)
    agreement = agreement_terms(client, period, goal=g, terms=terms, recommendation=rec, attempts_leads=at_all)
    values = g["values"]
    scalars = {k: v for k, v in g.items() if k not in ("values", "needed", "sources")}
    return SlaResult(
        period=period, client_name=client.name, timezone=client.config.timezone,
        lead_type=str(values.attrs.get("lead_type") or cfg.lead_type), basis=pace.basis,
        window_days=int(values.attrs.get("window_days", client.config.analysis.close_window_days)),
        values=values, needed=g["needed"], goal=scalars, sources=g["sources"], pacing=pace,
        rule=SlaRule(first_contact_hours=float(cfg.first_contact_hours), attempts=int(cfg.attempts),
                     within_days=float(cfg.attempts_within_days), business_hours=cfg.business_hours,
                     compliance_target=float(cfg.compliance_target)),
        terms=terms, recommendation=rec,
        first_contact_leads=fc_month, first_contact_overall=fc_overall, first_contact_team=fc_team,
        first_contact_rep=fc_rep, first_contact_trend=fc_trend,
        attempts_overall=at_overall, attempts_team=at_team, attempts_rep=at_rep, attempts_trend=at_trend,
        breaching=breaching, as_of=clock.data_end(client), commitments=com, agreement=agreement,
        missing=missing,
    )


__all__ = ["ATTEMPTS_SECTIONS", "FIRST_CONTACT_SECTIONS", "SlaResult", "SlaRule", "analyse"]
