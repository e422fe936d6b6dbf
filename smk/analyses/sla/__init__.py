"""04: the service level agreement between marketing and sales, in numbers (seed 000 ch. 3–4,
seeds 001 and 002; DOMAIN.md §3 and §5). Compute only: tables and codes, no words, plots or HTML
(those are in smk.views.sla).

Modules, each importing only the ones above it:

- :mod:`~smk.analyses.sla.clock` — months in the client's calendar, elapsed / working hours, when the
  SLA clock of each lead starts;
- :mod:`~smk.analyses.sla.goal` — MQL value per lead type, MQLs needed, the month's quota and goal,
  who creates the leads;
- :mod:`~smk.analyses.sla.pacing` — the marketing dashboard (MQLs against the goal line, projection,
  status);
- :mod:`~smk.analyses.sla.compliance` — the sales dashboards (first contact within H hours, K
  attempts within D days) and the breaching list;
- :mod:`~smk.analyses.sla.commitments` — the sales SLA terms (client.yml, notebook 05's
  recommendation), the follow-up workload, both sides' commitments of a month;
- :mod:`~smk.analyses.sla.agreement` — the terms of the written agreement;
- :mod:`~smk.analyses.sla.result` — ``analyse(client, period) -> SlaResult`` for the notebook.

The names below are the stable API other analyses (06's monthly report, a daily dashboard) use.
"""
from __future__ import annotations

from smk.analyses.sla.agreement import AgreementTerms, agreement_terms
from smk.analyses.sla.clock import MISSING_GROUP, elapsed_hours, period_bounds, sla_start
from smk.analyses.sla.commitments import (COMMITMENTS, attempts_workload, commitments, recommendation,
                                          sales_sla)
from smk.analyses.sla.compliance import (ATTEMPT_STATUSES, BREACH_REASONS, FIRST_CONTACT_STATUSES,
                                         attempts_compliance, attempts_table, breaching_leads,
                                         first_contact_compliance, first_contact_table)
from smk.analyses.sla.goal import (DEFAULT_SALES_SOURCED_CHANNELS, MIX_ROW, lead_sources, monthly_mql_goal,
                                   mql_value, mql_value_table, mqls_needed, quota_for_period, what_if)
from smk.analyses.sla.pacing import PACING_STATUSES, Pacing, pacing, pacing_from_events
from smk.analyses.sla.result import SlaResult, SlaRule, analyse

__all__ = [
    "ATTEMPT_STATUSES", "AgreementTerms", "BREACH_REASONS", "COMMITMENTS", "DEFAULT_SALES_SOURCED_CHANNELS",
    "FIRST_CONTACT_STATUSES", "MISSING_GROUP", "MIX_ROW", "PACING_STATUSES", "Pacing", "SlaResult", "SlaRule",
    "agreement_terms", "analyse", "attempts_compliance", "attempts_table", "attempts_workload", "breaching_leads",
    "commitments", "elapsed_hours", "first_contact_compliance", "first_contact_table", "lead_sources",
    "monthly_mql_goal", "mql_value", "mql_value_table", "mqls_needed", "pacing", "pacing_from_events",
    "period_bounds", "quota_for_period", "recommendation", "sales_sla", "sla_start", "what_if",
]
