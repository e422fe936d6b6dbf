"""The daily dashboard (seed 000 ch. 4, "Cuadros de mando"; DOMAIN.md §5): the smarketing team's
snapshot of one day, as it stood at the end of that day.

- **marketing**: the month's new MQLs so far against the goal line, the projection to month end and
  the status (behind / on track / ahead) — :func:`smk.analyses.sla.monthly_mql_goal` and
  :func:`smk.analyses.sla.pacing`, exactly as notebooks 04 and 06 compute them;
- **sales**: first-contact compliance of the last ``window_days`` days and attempts compliance of the
  leads whose attempts window closed in the last ``window_days`` days, per team (per rep for a team's
  or a rep's own version) — :func:`smk.analyses.sla.first_contact_table` /
  :func:`~smk.analyses.sla.first_contact_compliance`, :func:`~smk.analyses.sla.attempts_table` /
  :func:`~smk.analyses.sla.attempts_compliance` — and the open leads breaching the SLA that day
  (:func:`smk.analyses.sla.breaching_leads`: ids and owners, never contact data);
- **since yesterday**: the same snapshot at the end of the day before, compared.

"As of the day" is strict: :func:`client_as_of` cuts every table at the end of the day (local time)
before anything is computed, so nothing that happened later can reach the numbers (leads created
later are dropped, later dates cleared, deals closed later reopened, later attempts and activities
dropped; per-lead counters, which count up to the export, are dropped for a day before the data end).

Compute only: codes and numbers; the words, the e-mail and its charts are in smk.views.dashboard.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from smk.analyses.base import Headline, Missing, Result
from smk.analyses.sla import (Pacing, SlaRule, attempts_compliance, attempts_table, breaching_leads,
                              first_contact_compliance, first_contact_table, monthly_mql_goal, pacing)
from smk.errors import NotEnoughData, SmkError

#: Days of new MQLs the sales compliance looks back over (first contact: MQLs of the last N days;
#: attempts: MQLs whose attempts window closed in the last N days).
WINDOW_DAYS = 7
#: Who a version of the dashboard is for: the whole company, one team, one rep.
SCOPES = ("all", "team", "owner")
#: Sections of the result that can be missing (``DashboardResult.missing``).
SECTIONS = ("marketing", "first_contact", "attempts", "breaching")
#: Lead columns that mark a stage of the lead's life, latest first (for ``lifecycle_stage`` as of a day).
_STAGE_DATES = (("customer_at", "customer"), ("sql_at", "sql"), ("mql_at", "mql"))


# --------------------------------------------------------------------------------------------
# the client as it stood at the end of a day
# --------------------------------------------------------------------------------------------
def day_end(client, day) -> pd.Timestamp:
    """Local midnight after ``day`` (a date or ``YYYY-MM-DD``) in the client's timezone: the end of
    that day (a midnight that does not exist shifts forward)."""
    d = pd.Timestamp(str(pd.Timestamp(day).date()))
    return (d + pd.Timedelta(days=1)).tz_localize(client.tz, nonexistent="shift_forward", ambiguous=False)


def last_day(client) -> pd.Timestamp:
    """The last day in the data (local date of ``client.data_end``), the dashboard's default day."""
    end = pd.Timestamp(client.data_end)
    if pd.isna(end):
        raise NotEnoughData(["dated"], "the leads have no dates, so there is no day to show",
                            reason="dashboard.missing.undated")
    end = end.tz_convert(client.tz) if end.tzinfo else end
    return pd.Timestamp(end.date())


def _cut_times(s: pd.Series, cut: pd.Timestamp) -> pd.Series:
    """Timestamps at or after ``cut`` cleared (not known yet at the end of the day)."""
    return s.where(~(s >= cut).fillna(False).astype(bool), pd.NaT)


def _leads_as_of(leads: pd.DataFrame, cut: pd.Timestamp, drop_counters: bool, won_by_day: set,
                 won_ever: set) -> pd.DataFrame:
    out = leads[(leads["created_at"] < cut).fillna(False).astype(bool)].copy()
    customer_known = out["customer_at"].notna() if "customer_at" in out else pd.Series(False, index=out.index)
    cleared: dict[str, pd.Series] = {}
    for col in out.columns:
        if col != "created_at" and isinstance(out[col].dtype, pd.DatetimeTZDtype):
            later = (out[col] >= cut).fillna(False).astype(bool)
            cleared[col] = later
            out[col] = out[col].where(~later, pd.NaT)
    # won by the end of the day: a customer date by then, a won deal closed by then, or a won mark whose
    # day nothing tells (no customer date, no won deal: kept as the export says)
    ids = out["lead_id"]
    won_then = ((out["customer_at"].notna() if "customer_at" in out else False) | ids.isin(won_by_day)
                | (~customer_known & ~ids.isin(won_ever)))
    won_then = pd.Series(won_then, index=out.index).fillna(False).astype(bool)
    lost_later = cleared.get("closed_at", pd.Series(False, index=out.index))
    if "status" in out:
        st = out["status"].astype("object")
        reopen = (st.eq("won").fillna(False) & ~won_then) | (st.eq("lost").fillna(False) & lost_later)
        out["status"] = st.where(~reopen, "open").astype(out["status"].dtype)
    if "won" in out:
        out["won"] = out["won"].astype("boolean").where(won_then, False)
    if "revenue" in out:
        out["revenue"] = out["revenue"].where(won_then | out["revenue"].isna(), np.nan)
    if "lifecycle_stage" in out and cleared:
        any_cleared = np.logical_or.reduce([c.to_numpy() for c in cleared.values()])
        stage = pd.Series("lead", index=out.index, dtype="object")
        for col, name in reversed(_STAGE_DATES):
            if col in out:
                stage = stage.where(out[col].isna(), name)
        out["lifecycle_stage"] = out["lifecycle_stage"].astype("object").where(~any_cleared, stage).astype(
            out["lifecycle_stage"].dtype)
    if drop_counters:
        out = out.drop(columns=[c for c in out.columns if c.startswith("n_")])
    return out.reset_index(drop=True)


def _deals_as_of(deals: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    keep = pd.Series(True, index=deals.index)
    if "created_at" in deals:
        keep &= ~(deals["created_at"] >= cut).fillna(False).astype(bool)
    out = deals[keep].copy()
    if "closed_at" in out:
        later = (out["closed_at"] >= cut).fillna(False).astype(bool)
        out["stage"] = out["stage"].astype("object").where(~later, "open").astype(out["stage"].dtype)
        if "pipeline_stage" in out:
            out["pipeline_stage"] = out["pipeline_stage"].where(~later, None)
        out["closed_at"] = out["closed_at"].where(~later, pd.NaT)
    return out.reset_index(drop=True)


def counters_stale(client, day) -> bool:
    """True when the leads carry per-lead counters (``n_*``) and ``day`` ends before the data do: the
    counters count up to the export, so they cannot say what was known at the end of the day."""
    end = pd.Timestamp(client.data_end)
    has = any(c.startswith("n_") for c in client.leads.columns)
    return bool(has and pd.notna(end) and day_end(client, day) <= end)


def client_as_of(client, day):
    """The client as it stood at the end of ``day`` (local time): a new :class:`smk.client.Client`
    whose tables hold only what was known then, with ``data_end`` = the end of the day (or the data's
    own end, if earlier).

    - leads created after the day are dropped; later dates on the others (``mql_at``, ``sql_at``,
      ``customer_at``, ``closed_at``, ``first_contact_at``…) are cleared; a lead won or lost after the
      day is ``open`` (``status``, ``won``, ``revenue``, ``lifecycle_stage`` follow); undated leads
      are dropped (nobody can say they existed by then);
    - events (activities, contact attempts, survey answers) after the day are dropped; deals created
      after it are dropped and deals closed after it are open again; web traffic up to the day;
      quotas (plans) are kept;
    - per-lead counters (``n_*``) count up to the export: for a day before the data end they are
      dropped (:func:`counters_stale`).
    """
    cut = day_end(client, day)
    end = pd.Timestamp(client.data_end)
    tables: dict[str, pd.DataFrame] = {}
    deals = client.deals
    won_by_day: set = set()
    won_ever: set = set()
    if deals is not None and len(deals) and "lead_id" in deals:
        won = deals[deals["stage"] == "won"]
        closed_by = (won["closed_at"] < cut).fillna(False).astype(bool) if "closed_at" in won else True
        won_by_day = set(won.loc[closed_by, "lead_id"].dropna())
        won_ever = set(won["lead_id"].dropna())
    for name, df in client.tables.items():
        if name == "leads":
            tables[name] = _leads_as_of(df, cut, counters_stale(client, day), won_by_day, won_ever)
        elif name == "deals":
            tables[name] = _deals_as_of(df, cut)
        elif name == "web_traffic":
            tables[name] = df[df["date"] < cut.tz_localize(None).normalize()].reset_index(drop=True)
        elif name == "quotas":
            tables[name] = df
        else:
            keep = pd.Series(True, index=df.index)
            for c in df.columns:
                if isinstance(df[c].dtype, pd.DatetimeTZDtype):
                    keep &= ~(df[c] >= cut).fillna(False).astype(bool)
            tables[name] = df[keep].reset_index(drop=True)
    as_of = cut if pd.isna(end) else min(cut, end)
    return dataclasses.replace(client, tables=tables, data_end=as_of, _derived={})


# --------------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Changes:
    """The day against the day before: new MQLs of the day, the pacing status then and now (None when
    the day starts a month: yesterday's status was another month's), leads breaching then and now
    (and which started / stopped), first-contact compliance of the window then and now."""

    new_mqls: int
    new_month: bool
    status: str
    status_before: str | None
    breaching: int | None
    breaching_before: int | None
    newly_breaching: tuple[str, ...]
    no_longer_breaching: tuple[str, ...]
    first_contact_rate: float
    first_contact_rate_before: float


@dataclass(frozen=True)
class DashboardResult(Result):
    """The daily dashboard of one day, for the whole company (``scope='all'``), one team or one rep.

    - ``day`` (naive date), ``as_of`` (the end of the day, tz-aware), ``period`` (its month);
    - ``pacing`` (:class:`~smk.analyses.sla.Pacing` of the month at the end of the day), ``goal``
      (scalars of :func:`~smk.analyses.sla.monthly_mql_goal`), ``new_mqls`` (MQLs of the day);
    - ``rule`` (client.yml's sales SLA); ``group`` (``team`` for the company, ``owner`` for a team or a
      rep); ``first_contact`` per group and ``first_contact_overall`` (one row) for the MQLs of the last
      ``window_days`` days; ``attempts`` / ``attempts_overall`` for the MQLs whose attempts window closed
      in the last ``window_days`` days; ``sales`` (one row per group: ``fc_judged, fc_ok, fc_rate,
      median_hours, at_judged, at_ok, at_rate, breaching``); ``breaching`` (the open leads breaching
      the SLA at the end of the day: ``lead_id, owner, team, age_days, attempts_so_far,
      attempts_needed, hours_to_first_contact, reason``);
    - ``changes`` (:class:`Changes`). ``missing`` names the sections that cannot be computed and why.
    """

    client_name: str
    timezone: str
    day: pd.Timestamp
    as_of: pd.Timestamp
    period: str
    scope: str
    scope_name: str | None
    group: str
    window_days: int
    basis: str
    pacing: Pacing
    goal: Mapping[str, Any]
    new_mqls: int
    rule: SlaRule
    first_contact: pd.DataFrame | None
    first_contact_overall: pd.DataFrame | None
    attempts: pd.DataFrame | None
    attempts_overall: pd.DataFrame | None
    sales: pd.DataFrame | None
    breaching: pd.DataFrame | None
    changes: Changes

    @property
    def first_contact_rate(self) -> float:
        """Share of the window's judged new MQLs first contacted in time (NaN when none or unknown)."""
        return _rate(self.first_contact_overall)

    @property
    def attempts_rate(self) -> float:
        """Share of the judged new MQLs given enough attempts (or reached sooner); NaN when unknown."""
        return _rate(self.attempts_overall)

    def headlines(self) -> list[Headline]:
        p = self.pacing
        rate = self.first_contact_rate
        return [
            Headline(label="dashboard.headline.mqls", value=int(p.mqls_so_far), kind="int"),
            Headline(label="dashboard.headline.pacing", value=p.status, kind="text",
                     display=f"dashboard.status.{p.status}"),
            Headline(label="dashboard.headline.first_contact", value=rate if np.isfinite(rate) else None, kind="pct:0"),
            Headline(label="dashboard.headline.breaching",
                     value=None if self.breaching is None else len(self.breaching), kind="int"),
        ]


def _rate(overall: pd.DataFrame | None) -> float:
    if overall is None or not len(overall):
        return float("nan")
    return float(overall["rate"].iloc[0])


# --------------------------------------------------------------------------------------------
# one day's snapshot
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Snapshot:
    client: Any
    period: str
    pacing: Pacing
    goal: Mapping[str, Any]
    new_mqls: int
    fc_all: pd.DataFrame | None
    fc_missing: Missing | None
    at_all: pd.DataFrame | None
    at_missing: Missing | None
    breaching: pd.DataFrame | None


def _snapshot(client, day: pd.Timestamp, lookback_days: float) -> _Snapshot:
    c = client_as_of(client, day)
    period = str(pd.Period(day, freq="M"))
    g = monthly_mql_goal(c, period)
    pace = pacing(c, period, goal=g["goal"])
    today = pace.daily[pace.daily["date"] == day]
    new_mqls = int(today["mqls"].iloc[0]) if len(today) else 0
    fc_all = at_all = None
    fc_missing = at_missing = None
    try:
        fc_all = first_contact_table(c)
    except NotEnoughData as exc:
        fc_missing = Missing(needs=tuple(exc.needs), reason=exc.reason, params=exc.params)
    try:
        at_all = attempts_table(c)
    except NotEnoughData as exc:
        at_missing = Missing(needs=tuple(exc.needs), reason=exc.reason, params=exc.params)
    if at_missing is not None and counters_stale(client, day):
        at_missing = Missing(needs=at_missing.needs, reason="dashboard.missing.counters_later")
    breaching = None
    if fc_all is not None and at_all is not None:
        breaching = breaching_leads(c, lookback_days=lookback_days, first_contact_leads=fc_all, attempts_leads=at_all)
    scalars = {k: v for k, v in g.items() if k not in ("values", "needed", "sources")}
    return _Snapshot(client=c, period=period, pacing=pace, goal=scalars, new_mqls=new_mqls, fc_all=fc_all, fc_missing=fc_missing,
                     at_all=at_all, at_missing=at_missing, breaching=breaching)


def _in_scope(df: pd.DataFrame, scope: str, name: str | None) -> pd.DataFrame:
    out = df if scope == "all" else df[df[scope].astype("object") == name]
    out = out.reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def _between(per_lead: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    out = per_lead[(per_lead["start_at"] >= start) & (per_lead["start_at"] < end)].reset_index(drop=True)
    out.attrs = dict(per_lead.attrs)
    return out


def _sales_table(group: str, fc: pd.DataFrame | None, at: pd.DataFrame | None,
                 breaching: pd.DataFrame | None) -> pd.DataFrame:
    """One row per group: first contact (judged, ok, rate, median hours), attempts (judged, ok, rate)
    and the leads breaching now."""
    parts = []
    if fc is not None:
        parts.append(fc[[group, "evaluable", "ok", "rate", "median_hours"]].rename(
            columns={"evaluable": "fc_judged", "ok": "fc_ok", "rate": "fc_rate"}).set_index(group))
    if at is not None:
        parts.append(at[[group, "evaluable", "ok", "rate"]].rename(
            columns={"evaluable": "at_judged", "ok": "at_ok", "rate": "at_rate"}).set_index(group))
    if breaching is not None:
        parts.append(breaching.groupby(group, sort=True).size().rename("breaching").to_frame())
    if not parts:
        return pd.DataFrame(columns=[group])
    out = pd.concat(parts, axis=1, join="outer").sort_index(kind="stable")
    for col in ("fc_judged", "fc_ok", "at_judged", "at_ok", "breaching"):
        if col in out:
            out[col] = out[col].fillna(0).astype("int64")
    out.index.name = group
    return out.reset_index()


def _day(client, day) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(the day, the first day with a lead), checked against the data."""
    leads = client.leads
    if "created_at" not in leads or not leads["created_at"].notna().any():
        raise NotEnoughData(["dated"], "the dashboard needs the date each lead was created",
                            reason="dashboard.missing.undated")
    last = last_day(client)
    day = last if day is None else pd.Timestamp(str(pd.Timestamp(day).date()))
    first = pd.Timestamp(leads["created_at"].min().tz_convert(client.tz).date())
    if day > last:
        raise SmkError(f"the data end on {last.date()}: there is no dashboard for {day.date()} yet")
    if day < first:
        raise SmkError(f"the data start on {first.date()}: no lead had been created by {day.date()}")
    return day, first


def _check_scope(client, scope: str, name) -> tuple[str, str | None]:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    if scope == "all":
        return scope, None
    known = scopes(client)[scope]
    if str(name) not in known:
        raise SmkError(f"no {'team' if scope == 'team' else 'rep'} called {str(name)!r} in the leads; "
                       f"known: {', '.join(known) if known else 'none'}")
    return scope, str(name)


def analyse(client, day=None, *, team: str | None = None, owner: str | None = None,
            window_days: int = WINDOW_DAYS, lookback_days: float = 7.0) -> DashboardResult:
    """The dashboard of ``day`` (a date or ``YYYY-MM-DD``; default: the last day in the data) as it
    stood at the end of that day, for the company, ``team`` or ``owner`` (a rep).

    Raises NotEnoughData when the leads have no dates; :class:`smk.errors.SmkError` when ``day`` is
    after the data end or before the first lead, or ``team`` / ``owner`` is not in the data.
    """
    if team is not None and owner is not None:
        raise SmkError("choose a team or a rep, not both")
    scope = ("team", team) if team is not None else (("owner", owner) if owner is not None else ("all", None))
    return versions(client, day, [scope], window_days=window_days, lookback_days=lookback_days)[0]


def versions(client, day=None, wanted=(("all", None),), *, window_days: int = WINDOW_DAYS,
             lookback_days: float = 7.0) -> list[DashboardResult]:
    """Several versions of one day's dashboard — ``wanted`` is a list of (scope, name): ``("all",
    None)``, ``("team", "Atlas")``, ``("owner", "José Núñez")`` — from one computation of the day and
    of the day before (what :func:`analyse` does for one)."""
    day, first = _day(client, day)
    checked = [_check_scope(client, scope, name) for scope, name in wanted]
    now = _snapshot(client, day, lookback_days)
    before_day = day - pd.Timedelta(days=1)
    before = _snapshot(client, before_day, lookback_days) if before_day >= first else None
    cfg = client.config.sla
    rule = SlaRule(first_contact_hours=float(cfg.first_contact_hours), attempts=int(cfg.attempts),
                   within_days=float(cfg.attempts_within_days), business_hours=cfg.business_hours,
                   compliance_target=float(cfg.compliance_target))
    return [_version(client, day, now, before, rule, scope, name, window_days) for scope, name in checked]


def _version(client, day: pd.Timestamp, now: _Snapshot, before: _Snapshot | None, rule: SlaRule, scope: str,
             name: str | None, window_days: int) -> DashboardResult:
    group = "team" if scope == "all" else "owner"
    end = day_end(client, day)
    now_client = now.client
    missing: dict[str, Missing] = {}

    def fc_window(snap: _Snapshot, last: pd.Timestamp) -> pd.DataFrame | None:
        """New MQLs of the ``window_days`` local days that end with ``last``."""
        if snap.fc_all is None:
            return None
        start = day_end(client, last - pd.Timedelta(days=window_days))
        return _between(_in_scope(snap.fc_all, scope, name), start, day_end(client, last))

    fc = fc_overall = at = at_overall = None
    fc_win = fc_window(now, day)
    if fc_win is None:
        missing["first_contact"] = now.fc_missing
    else:
        fc = first_contact_compliance(now_client, by=group, per_lead=fc_win)
        fc_overall = first_contact_compliance(now_client, by=None, per_lead=fc_win)
    if now.at_all is None:
        missing["attempts"] = now.at_missing
    else:
        d = pd.Timedelta(days=float(now.at_all.attrs["within_days"]))
        start = day_end(client, day - pd.Timedelta(days=window_days))  # windows (real time) that ended in those days
        at_win = _between(_in_scope(now.at_all, scope, name), start - d, end - d)
        at = attempts_compliance(now_client, by=group, per_lead=at_win)
        at_overall = attempts_compliance(now_client, by=None, per_lead=at_win)
    breaching = None
    if now.breaching is None:
        missing["breaching"] = missing.get("first_contact") or missing["attempts"]
    else:
        breaching = _in_scope(now.breaching, scope, name)[["lead_id", "owner", "team", "age_days", "attempts_so_far",
                                                            "attempts_needed", "hours_to_first_contact", "reason"]]
        breaching.attrs = dict(now.breaching.attrs)
    sales = None if fc is None and at is None else _sales_table(group, fc, at, breaching)

    # since yesterday
    new_month = before is None or before.period != now.period
    before_breach = None if before is None or before.breaching is None else _in_scope(before.breaching, scope, name)
    now_ids = set() if breaching is None else set(breaching["lead_id"].astype(str))
    before_ids = set() if before_breach is None else set(before_breach["lead_id"].astype(str))
    fc_before = None
    if before is not None:
        w = fc_window(before, day - pd.Timedelta(days=1))
        if w is not None:
            fc_before = first_contact_compliance(before.client, by=None, per_lead=w)
    changes = Changes(
        new_mqls=now.new_mqls, new_month=new_month, status=now.pacing.status,
        status_before=None if new_month else before.pacing.status,
        breaching=None if breaching is None else len(breaching),
        breaching_before=None if before_breach is None else len(before_breach),
        newly_breaching=tuple(sorted(now_ids - before_ids)) if before_breach is not None else (),
        no_longer_breaching=tuple(sorted(before_ids - now_ids)) if breaching is not None else (),
        first_contact_rate=_rate(fc_overall), first_contact_rate_before=_rate(fc_before),
    )
    return DashboardResult(
        client_name=client.name, timezone=client.config.timezone, day=day, as_of=pd.Timestamp(now_client.data_end),
        period=now.period, scope=scope, scope_name=name, group=group, window_days=int(window_days),
        basis=now.pacing.basis, pacing=now.pacing, goal=now.goal, new_mqls=now.new_mqls, rule=rule,
        first_contact=fc, first_contact_overall=fc_overall, attempts=at, attempts_overall=at_overall,
        sales=sales, breaching=breaching, changes=changes, missing=missing,
    )


def scopes(client) -> dict[str, list[str]]:
    """The teams and reps (owners) in the leads, sorted: what ``--team`` / ``--owner`` accept."""
    leads = client.leads
    return {col: sorted({str(v) for v in leads[col].dropna()}) if col in leads else [] for col in ("team", "owner")}


__all__ = ["Changes", "DashboardResult", "SCOPES", "SECTIONS", "WINDOW_DAYS", "analyse", "client_as_of",
           "counters_stale", "day_end", "last_day", "scopes", "versions"]
