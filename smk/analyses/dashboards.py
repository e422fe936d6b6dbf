"""04: the SLA dashboards (seed 000, ch. 4 "cuadros de mando"; DOMAIN.md §5).

- Marketing: daily MQLs, cumulative, against the month's SLA goal prorated by calendar or working
  days, with a projection to month end and a status (behind / on track / ahead) and the seed's advice.
- Sales: new MQLs first contacted within H hours; leads not contacted at least K times within D days;
  per team and per rep, over time; the current list of leads breaching the SLA (early warning).

Time is measured as elapsed real time between tz-aware timestamps (so a DST change never adds or
removes an hour); days, weeks and months are the client's local calendar. With
``sla.business_hours`` only working time counts (local wall-clock window on ``sla.working_days``).
The public names are re-exported by :mod:`smk.analyses.sla` (``smk.analyses.sla.pacing`` etc.).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.features import isin
from smk.views import fmt
from smk.errors import NotEnoughData
from smk.analyses.stats import rate_table, wilson_interval

MISSING_GROUP = "(missing)"

#: Statuses of a lead against the first-contact SLA.
FIRST_CONTACT_STATUSES = ("in_time", "late", "not_contacted", "pending")
#: Statuses of a lead against the attempts SLA.
ATTEMPT_STATUSES = ("met", "reached", "breaching", "cannot_make_it", "in_window")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "group": "Group", "team": "Team", "owner": "Rep", "time": "Period", "lead_type": "Lead type",
        "mqls": "New MQLs", "evaluable": "Judged", "pending": "Still in window", "ok": "Met SLA",
        "rate": "Met SLA", "ci_low": "95 % CI low", "ci_high": "95 % CI high",
        "median_hours": "Median to 1st contact", "p90_hours": "90th percentile",
        "not_contacted": "Never contacted", "late": "Contacted late", "in_time": "Contacted in time",
        "too_small": "Too few to judge", "significant": "Differs from the rest", "direction": "Direction",
        "breaching": "Breaching", "met": "Met", "reached": "Reached sooner",
        "cannot_make_it": "Can no longer make it", "in_window": "Still in window",
        "lead_id": "Lead", "age_days": "Age (days)", "attempts_so_far": "Attempts",
        "attempts_needed": "Still needed", "hours_to_first_contact": "1st contact after",
        "reason": "Why", "date": "Date", "cumulative": "Cumulative MQLs", "goal_line": "Goal to date",
        "projection": "Projection", "status": "Status",
        "above": "above", "below": "below",
    },
    "es": {
        "group": "Grupo", "team": "Equipo", "owner": "Comercial", "time": "Periodo", "lead_type": "Tipo de lead",
        "mqls": "MQL nuevos", "evaluable": "Evaluados", "pending": "Aún en plazo", "ok": "Cumplen el SLA",
        "rate": "Cumple el SLA", "ci_low": "IC 95 % inferior", "ci_high": "IC 95 % superior",
        "median_hours": "Mediana al 1.er contacto", "p90_hours": "Percentil 90",
        "not_contacted": "Nunca contactados", "late": "Contactados tarde", "in_time": "Contactados a tiempo",
        "too_small": "Pocos para juzgar", "significant": "Difiere del resto", "direction": "Sentido",
        "breaching": "Incumpliendo", "met": "Cumple", "reached": "Contactados antes",
        "cannot_make_it": "Ya no puede cumplir", "in_window": "Aún en plazo",
        "lead_id": "Lead", "age_days": "Antigüedad (días)", "attempts_so_far": "Intentos",
        "attempts_needed": "Faltan", "hours_to_first_contact": "1.er contacto tras",
        "reason": "Motivo", "date": "Fecha", "cumulative": "MQL acumulados", "goal_line": "Meta a la fecha",
        "projection": "Proyección", "status": "Estado",
        "above": "por encima", "below": "por debajo",
    },
}

STATUS_TEXT: dict[str, dict[str, str]] = {
    "en": {"behind": "behind", "on_track": "on track", "ahead": "ahead", "not_started": "not started",
           "no_goal": "no goal"},
    "es": {"behind": "por debajo", "on_track": "en línea", "ahead": "por encima", "not_started": "sin empezar",
           "no_goal": "sin meta"},
}

#: The seed's advice for each pacing status (seed 000, ch. 4, "El cuadro de mando de marketing").
ADVICE: dict[str, dict[str, str]] = {
    "en": {
        "behind": ("Below the SLA goal: marketing has to work harder to reach it — develop new content, "
                   "increase social media activity or invest more in advertising."),
        "on_track": ("On track: keep the current pace and keep watching the daily dashboard; "
                     "small dips are normal, a week below the line is not."),
        "ahead": ("Above the SLA goal: marketing has some freedom to think about next month — start designing "
                  "next month's material or plan future promotions."),
        "not_started": "The month has not started in the data yet.",
        "no_goal": "There is no MQL goal for this month (no quota and no marketing.mql_goal in client.yml).",
    },
    "es": {
        "behind": ("Por debajo de la meta del SLA: el equipo de marketing debe trabajar más para alcanzarla — "
                   "desarrollar nuevo contenido, aumentar la actividad en redes sociales o invertir más en publicidad."),
        "on_track": ("En línea con la meta: mantener el ritmo y seguir el cuadro de mando a diario; "
                     "una caída de un día es normal, una semana por debajo de la línea no."),
        "ahead": ("Por encima de la meta del SLA: marketing tiene más libertad para pensar en el mes siguiente — "
                  "empezar a diseñar el material del próximo mes o pensar en promociones futuras."),
        "not_started": "El mes todavía no ha empezado en los datos.",
        "no_goal": "No hay meta de MQL para este mes (ni cuota ni marketing.mql_goal en client.yml).",
    },
}

REASON_TEXT: dict[str, dict[str, str]] = {
    "en": {"no_first_contact": "not contacted within {h} h", "too_few_attempts": "fewer than {k} attempts in {d} days",
           "cannot_make_it": "cannot reach {k} attempts within {d} days any more"},
    "es": {"no_first_contact": "sin contacto en {h} h", "too_few_attempts": "menos de {k} intentos en {d} días",
           "cannot_make_it": "ya no llega a {k} intentos en {d} días"},
}


# --------------------------------------------------------------------------------------------
# time helpers
# --------------------------------------------------------------------------------------------
def period_bounds(period: str, tz) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local midnight at the start of month ``period`` (``YYYY-MM``) and of the next month, tz-aware.

    A midnight that does not exist (DST at 24:00, e.g. America/Santiago) shifts forward.
    """
    p = pd.Period(period, freq="M")
    start = p.start_time.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    end = (p + 1).start_time.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    return start, end


def _local(s: pd.Series, tz) -> pd.Series:
    """Timestamps in the client's timezone (naive values are taken as already local)."""
    s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is None:
        return s.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
    return s.dt.tz_convert(tz)


def parse_business_hours(text: str | None) -> tuple[float, float] | None:
    """``"09:00-18:00"`` -> (32400.0, 64800.0) seconds after local midnight; None -> None."""
    if not text:
        return None
    try:
        a, b = (part.strip() for part in str(text).split("-"))
        secs = []
        for part in (a, b):
            hh, mm = part.split(":")
            secs.append(int(hh) * 3600 + int(mm) * 60)
    except ValueError:
        raise ValueError(f"sla.business_hours must look like '09:00-18:00', found {text!r}") from None
    if not 0 <= secs[0] < secs[1] <= 86400:
        raise ValueError(f"sla.business_hours must open before it closes within one day, found {text!r}")
    return float(secs[0]), float(secs[1])


def weekmask(working_days: Iterable[int]) -> str:
    """numpy weekmask from working weekdays (Monday=0): [0..4] -> '1111100'."""
    days = set(int(d) for d in working_days)
    if not days or not days <= set(range(7)):
        raise ValueError(f"working_days must be weekday numbers 0 (Monday) to 6, found {sorted(days)}")
    return "".join("1" if d in days else "0" for d in range(7))


_REF_DAY = np.datetime64("2000-01-03", "D")  # a Monday; only differences of the cumulative count matter


def _working_seconds_since_ref(ts: pd.Series, tz, window: tuple[float, float], mask: str,
                               holidays: Sequence | None = None) -> np.ndarray:
    """Cumulative working seconds from a fixed reference day to each timestamp.

    W(t) = (working days before t's local date) × window length + the part of t's own day inside the
    window (0 on non-working days). Working time between a and b is W(b) − W(a).
    """
    local = _local(ts, tz)
    ok = local.notna().to_numpy()
    out = np.full(len(local), np.nan)
    if not ok.any():
        return out
    loc = local[ok]
    days = loc.dt.tz_localize(None).dt.normalize().to_numpy().astype("datetime64[D]")
    hol = np.asarray(holidays if holidays is not None else [], dtype="datetime64[D]")
    before = np.busday_count(_REF_DAY, days, weekmask=mask, holidays=hol).astype(float)
    sod = (loc.dt.hour * 3600 + loc.dt.minute * 60 + loc.dt.second + loc.dt.microsecond / 1e6).to_numpy(float)
    is_work = np.is_busday(days, weekmask=mask, holidays=hol)
    open_s, close_s = window
    inside = np.where(is_work, np.clip(sod, open_s, close_s) - open_s, 0.0)
    out[ok] = before * (close_s - open_s) + inside
    return out


def elapsed_hours(start: pd.Series, end: pd.Series, *, tz="UTC", business_hours: str | None = None,
                  working_days: Iterable[int] = (0, 1, 2, 3, 4), holidays: Sequence | None = None) -> pd.Series:
    """Hours from ``start`` to ``end`` (elementwise; NaN where either is missing).

    Without ``business_hours``: real elapsed time, (end − start) on tz-aware timestamps — a DST change
    never adds or removes an hour. With ``business_hours`` ("09:00-18:00"): only the time inside that
    local wall-clock window on ``working_days`` (Monday=0) counts, holidays excluded.
    """
    start = pd.Series(start).reset_index(drop=True)
    end = pd.Series(end).reset_index(drop=True)
    window = parse_business_hours(business_hours)
    if window is None:
        s = _local(start, tz)
        e = _local(end, tz)
        return (e - s).dt.total_seconds() / 3600
    mask = weekmask(working_days)
    ws = _working_seconds_since_ref(start, tz, window, mask, holidays)
    we = _working_seconds_since_ref(end, tz, window, mask, holidays)
    return pd.Series((we - ws) / 3600, dtype=float)


# --------------------------------------------------------------------------------------------
# who is a new MQL, and when did the SLA clock start
# --------------------------------------------------------------------------------------------
def sla_start(leads: pd.DataFrame) -> tuple[pd.Series, str]:
    """When the SLA clock starts for each lead: ``mql_at`` when the client records it (leads without it
    are not MQLs: NaT), else ``created_at`` (every lead is treated as a new MQL). Returns (times, basis)."""
    if "mql_at" in leads and leads["mql_at"].notna().any():
        return leads["mql_at"], "mql_at"
    return leads["created_at"], "created_at"


def _group_col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df:
        s = df[name].astype("object")
        return s.where(s.notna(), MISSING_GROUP)
    return pd.Series(MISSING_GROUP, index=df.index, dtype="object")


def _base_leads(client, period: str | None, lead_type: str | None = None) -> tuple[pd.DataFrame, str]:
    """New MQLs (of ``period`` if given) with lead_id, owner, team, lead_type, start_at (local)."""
    lt = lead_type or client.config.sla.lead_type
    if hasattr(client, "cached"):  # every SLA table starts here, month after month: build it once
        base, basis = client.cached(("sla_base_leads", lt, str(client.tz)), lambda: _all_base_leads(client, lt))
    else:
        base, basis = _all_base_leads(client, lt)
    if period:
        p0, p1 = period_bounds(period, client.tz)
        base = base[(base["start_at"] >= p0) & (base["start_at"] < p1)].reset_index(drop=True)
    return base, basis


def _all_base_leads(client, lt: str) -> tuple[pd.DataFrame, str]:
    leads = client.leads
    tz = client.tz
    start, basis = sla_start(leads)
    base = pd.DataFrame({
        "lead_id": leads["lead_id"].array,
        "owner": _group_col(leads, "owner").array,
        "team": _group_col(leads, "team").array,
        "lead_type": _group_col(leads, lt).array,
        "start_at": _local(start, tz).array,
    })
    base = base[base["start_at"].notna()]
    base = base.sort_values(["start_at", "lead_id"], kind="stable").reset_index(drop=True)
    return base, basis


def _map_times(keys: pd.Series, times: pd.Series, dtype) -> pd.Series:
    """``keys.map(times)`` that stays a datetime column when nothing matches."""
    if len(times) == 0 or len(keys) == 0:
        return pd.Series(pd.NaT, index=keys.index, dtype=dtype)
    return keys.map(times).astype(dtype)


def _holidays(client, holidays: Sequence | None) -> Sequence:
    """Explicit holidays, else ``client.config.sla.holidays``."""
    return client.config.sla.holidays if holidays is None else holidays


def _data_end(client) -> pd.Timestamp:
    end = pd.Timestamp(client.data_end)
    return end.tz_localize(client.tz) if end.tzinfo is None else end.tz_convert(client.tz)


# --------------------------------------------------------------------------------------------
# first contact
# --------------------------------------------------------------------------------------------
def first_contact_table(client, period: str | None = None, *, hours: float | None = None,
                        business_hours: str | None | bool = None, working_days: Iterable[int] | None = None,
                        holidays: Sequence | None = None, lead_type: str | None = None) -> pd.DataFrame:
    """One row per new MQL (of ``period`` when given): did sales make a first contact within H hours?
    ``holidays`` default to ``client.config.sla.holidays``.

    Clock: from the SLA start (``mql_at``, else ``created_at``) to the first contact attempt at or after
    it (attempts log), else the lead's ``first_contact_at`` (counters; an earlier contact counts as 0 h).
    ``hours`` defaults to ``client.config.sla.first_contact_hours``; ``business_hours`` to
    ``sla.business_hours`` (pass False to force real elapsed time).

    Columns: ``lead_id, owner, team, lead_type, start_at, first_contact_at, hours_to_first_contact,
    age_hours, status, within_sla``. Status: ``in_time`` (≤ H), ``late`` (> H), ``not_contacted``
    (no attempt and older than H: breaching — never dropped), ``pending`` (no attempt yet, younger than
    H: not judged; ``within_sla`` is NA). ``attrs``: basis, source, hours, business_hours.
    """
    cfg = client.config.sla
    h = float(cfg.first_contact_hours if hours is None else hours)
    bh = cfg.business_hours if business_hours is None else (business_hours or None)
    wd = list(cfg.working_days if working_days is None else working_days)
    tz = client.tz
    base, basis = _base_leads(client, period, lead_type)
    attempts = client.contact_attempts
    first = pd.Series(pd.NaT, index=base.index, dtype=base["start_at"].dtype)
    if attempts is not None and len(attempts):
        a = attempts[["lead_id", "attempted_at"]].copy()
        a["attempted_at"] = _local(a["attempted_at"], tz)
        a = a[isin(a["lead_id"], base["lead_id"])]
        a = a.merge(base[["lead_id", "start_at"]], on="lead_id", how="inner")
        a = a[a["attempted_at"] >= a["start_at"]]
        fa = a.groupby("lead_id")["attempted_at"].min()
        first = _map_times(base["lead_id"], fa, base["start_at"].dtype)
        source = "log"
    elif "first_contact_at" in client.leads:
        fc = client.leads.set_index("lead_id")["first_contact_at"]
        fc = _local(fc, tz)
        first = _map_times(base["lead_id"], fc, base["start_at"].dtype)
        first = first.where(first.isna() | (first >= base["start_at"]), base["start_at"])
        source = "counters"
    else:
        raise NotEnoughData(["attempts"], "first-contact times need a contact-attempts log or the leads' first_contact_at")
    base["first_contact_at"] = first
    base["hours_to_first_contact"] = elapsed_hours(base["start_at"], base["first_contact_at"], tz=tz,
                                                   business_hours=bh, working_days=wd, holidays=_holidays(client, holidays)).to_numpy()
    end = _data_end(client)
    base["age_hours"] = elapsed_hours(base["start_at"], pd.Series(end, index=base.index), tz=tz,
                                      business_hours=bh, working_days=wd, holidays=_holidays(client, holidays)).to_numpy()
    contacted = base["first_contact_at"].notna()
    status = np.where(contacted, np.where(base["hours_to_first_contact"] <= h, "in_time", "late"),
                      np.where(base["age_hours"] > h, "not_contacted", "pending"))
    base["status"] = status
    base["within_sla"] = pd.array(np.where(status == "pending", None, status == "in_time"), dtype="boolean")
    base.attrs.update({"basis": basis, "source": source, "hours": h, "business_hours": bh,
                       "working_days": wd})
    return base


def _time_label(ts: pd.Series, freq: str | None) -> pd.Series:
    if freq is None:
        return pd.Series("", index=ts.index, dtype="object")
    naive = ts.dt.tz_localize(None)
    if freq.upper().startswith("W"):
        return naive.dt.to_period("W-SUN").dt.start_time.dt.strftime("%Y-%m-%d").astype("object")
    if freq.upper().startswith("M"):
        return naive.dt.to_period("M").astype(str).astype("object")
    if freq.upper().startswith("D"):
        return naive.dt.strftime("%Y-%m-%d").astype("object")
    raise ValueError(f"freq must be 'W', 'M', 'D' or None, found {freq!r}")


def _by_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _compliance_table(per_lead: pd.DataFrame, ok: pd.Series, judged: pd.Series, by, freq, *,
                      min_group_size: int, alpha: float, extra: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Shared aggregation: per group (and period), leads, judged, ok, rate with Wilson CI."""
    keys = _by_list(by)
    df = per_lead[keys].copy() if keys else pd.DataFrame(index=per_lead.index)
    df["time"] = _time_label(per_lead["start_at"], freq)
    df["n"] = 1
    df["judged"] = judged.astype(bool).to_numpy()
    df["ok"] = (ok.fillna(False).astype(bool) & df["judged"]).to_numpy()
    for name, s in (extra or {}).items():
        df[name] = s.to_numpy()
    gkeys = keys + (["time"] if freq else [])
    agg_spec = {"mqls": ("n", "sum"), "evaluable": ("judged", "sum"), "ok": ("ok", "sum")}
    for name in (extra or {}):
        agg_spec[name] = (name, "sum")
    if gkeys:
        out = df.groupby(gkeys, sort=True, dropna=False).agg(**agg_spec).reset_index()
    else:
        out = pd.DataFrame({k: [df[col].sum() if fn == "sum" else np.nan] for k, (col, fn) in agg_spec.items()})
    for c in ["mqls", "evaluable", "ok", *(extra or {})]:
        out[c] = out[c].astype("int64")
    out["pending"] = out["mqls"] - out["evaluable"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(out["evaluable"] > 0, out["ok"] / out["evaluable"].where(out["evaluable"] > 0, 1), np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["ok"], out["evaluable"], alpha)
    out["too_small"] = out["evaluable"] < min_group_size
    # group vs rest (Fisher, BH) only for a plain per-group table
    if keys and not freq and len(keys) == 1 and len(out) > 1:
        jd = per_lead.loc[judged.astype(bool).to_numpy()].copy()
        jd["_ok"] = ok[judged.astype(bool)].fillna(False).astype(bool).to_numpy()
        rt = rate_table(jd, keys[0], "_ok", min_group_size=min_group_size, alpha=alpha)
        rt = rt.set_index("group")[["qvalue", "significant", "direction"]]
        out = out.join(rt, on=keys[0])
        out["significant"] = out["significant"].fillna(False).astype(bool)
        out["direction"] = out["direction"].fillna("").astype("object")
    return out.reset_index(drop=True)


def first_contact_compliance(client, period: str | None = None, by: str | Sequence[str] | None = "team", *,
                             freq: str | None = None, hours: float | None = None,
                             business_hours: str | None | bool = None, holidays: Sequence | None = None,
                             per_lead: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of new MQLs first contacted within H hours, per ``by`` (``'team'``, ``'owner'``,
    ``'lead_type'``, a list, or None for overall) and per week/month (``freq='W'|'M'``).

    rate = in_time ÷ judged, where judged = new MQLs − pending (pending: not yet contacted and younger
    than H). Never-contacted leads older than H count as breaching. Wilson 95 % CI; groups with fewer
    than ``analysis.min_group_size`` judged leads are flagged ``too_small``; with a single ``by`` and no
    ``freq`` each group is tested against the rest (Fisher, BH: ``qvalue, significant, direction``).
    Columns: ``<by…>, [time], mqls, evaluable, ok, in_time, late, not_contacted, pending, rate, ci_low,
    ci_high, median_hours, p90_hours, too_small[, qvalue, significant, direction]``.
    """
    pl = per_lead if per_lead is not None else first_contact_table(client, period, hours=hours,
                                                                   business_hours=business_hours, holidays=holidays)
    an = client.config.analysis
    extra = {s: (pl["status"] == s) for s in ("in_time", "late", "not_contacted")}
    out = _compliance_table(pl, pl["within_sla"], pl["status"] != "pending", by, freq,
                            min_group_size=an.min_group_size, alpha=an.alpha, extra=extra)
    keys = _by_list(by) + (["time"] if freq else [])
    contacted = pl[pl["first_contact_at"].notna()].copy()
    contacted["time"] = _time_label(contacted["start_at"], freq)
    if keys:
        grp = contacted.groupby(keys, sort=True, dropna=False)["hours_to_first_contact"]
        q = pd.DataFrame({"median_hours": grp.median(), "p90_hours": grp.quantile(0.9)})
        if len(q) and len(out):
            out = out.join(q, on=keys)
        else:
            out["median_hours"], out["p90_hours"] = np.nan, np.nan
    else:
        out["median_hours"] = contacted["hours_to_first_contact"].median()
        out["p90_hours"] = contacted["hours_to_first_contact"].quantile(0.9) if len(contacted) else np.nan
    out.attrs.update(pl.attrs)
    return out


# --------------------------------------------------------------------------------------------
# contact attempts
# --------------------------------------------------------------------------------------------
def attempts_table(client, period: str | None = None, *, attempts: int | None = None,
                   within_days: float | None = None, max_attempts_per_day: float | None = None,
                   reached_counts_as_met: bool = True, lead_type: str | None = None) -> pd.DataFrame:
    """One row per new MQL: were at least K contact attempts made within D days of the SLA start?

    From the attempts log, attempts in [start, start + D days] count (real elapsed time). Status:
    ``met`` (≥ K), ``reached`` (fewer than K but the lead was connected, became an SQL or a customer
    within the window: no more attempts were needed), ``breaching`` (window over, < K and not reached),
    ``in_window`` (younger than D days and can still make it), ``cannot_make_it`` (younger than D days
    but K − attempts so far > remaining days × ``max_attempts_per_day``: counted as breaching).
    Leads with no attempts at all are kept (0 attempts) and breach once their window is over.
    ``max_attempts_per_day`` defaults to ``client.config.sla.max_attempts_per_day``.
    Counters only (``n_attempts``, no dates): the total is an upper bound of attempts within D days, so
    < K is a sure breach and ≥ K is taken as met (``attrs['source'] == 'counters'`` says so).

    Columns: ``lead_id, owner, team, lead_type, start_at, age_days, attempts_so_far, attempts_within,
    reached, status, breaching, judged``.
    """
    cfg = client.config.sla
    k = int(cfg.attempts if attempts is None else attempts)
    d = float(cfg.attempts_within_days if within_days is None else within_days)
    max_attempts_per_day = cfg.max_attempts_per_day if max_attempts_per_day is None else max_attempts_per_day
    tz = client.tz
    base, basis = _base_leads(client, period, lead_type)
    end = _data_end(client)
    base["age_days"] = ((end - base["start_at"]).dt.total_seconds() / 86400).to_numpy()
    log = client.contact_attempts
    reached = pd.Series(False, index=base.index)
    if log is not None and len(log):
        cols = ["lead_id", "attempted_at"] + (["outcome"] if "outcome" in log else [])
        a = log[cols].copy()
        a["attempted_at"] = _local(a["attempted_at"], tz)
        a = a.merge(base[["lead_id", "start_at"]], on="lead_id", how="inner")
        a = a[a["attempted_at"] >= a["start_at"]]
        a["inside"] = (a["attempted_at"] - a["start_at"]).dt.total_seconds() <= d * 86400
        so_far = a.groupby("lead_id").size()
        within = a[a["inside"]].groupby("lead_id").size()
        base["attempts_so_far"] = base["lead_id"].map(so_far).fillna(0).astype("int64")
        base["attempts_within"] = base["lead_id"].map(within).fillna(0).astype("int64")
        if "outcome" in a:
            from smk.analyses.contacts import CONNECTED_OUTCOMES
            conn = a[a["inside"] & a["outcome"].isin(CONNECTED_OUTCOMES)]["lead_id"].unique()
            reached = reached | isin(base["lead_id"], conn)
        source = "log"
    elif "n_attempts" in client.leads:
        n = client.leads.set_index("lead_id")["n_attempts"]
        base["attempts_so_far"] = base["lead_id"].map(n).fillna(0).astype("int64")
        base["attempts_within"] = base["attempts_so_far"]
        source = "counters"
    else:
        raise NotEnoughData(["attempts"], "the attempts SLA needs a contact-attempts log or an n_attempts column")
    # reached by qualification / win within the window
    leads = client.leads.set_index("lead_id")
    for col in ("sql_at", "customer_at"):
        if col in leads and leads[col].notna().any():
            t = _local(base["lead_id"].map(leads[col]), tz)
            dt = (t - base["start_at"]).dt.total_seconds()
            reached = reached | ((dt >= 0) & (dt <= d * 86400)).fillna(False).to_numpy()
    if not reached_counts_as_met:
        reached = pd.Series(False, index=base.index)
    base["reached"] = np.asarray(reached, dtype=bool)
    window_over = base["age_days"] >= d
    met = base["attempts_within"] >= k
    remaining = np.clip(d - base["age_days"], 0, None)
    needed = np.clip(k - base["attempts_within"], 0, None)
    cannot = ~window_over & ~met & ~base["reached"] & (needed > np.floor(remaining * max_attempts_per_day))
    status = np.select(
        [met, base["reached"], window_over, cannot],
        ["met", "reached", "breaching", "cannot_make_it"], default="in_window")
    base["status"] = status
    base["breaching"] = np.isin(status, ["breaching", "cannot_make_it"])
    base["judged"] = status != "in_window"
    base.attrs.update({"basis": basis, "source": source, "attempts": k, "within_days": d,
                       "max_attempts_per_day": max_attempts_per_day})
    return base


def attempts_compliance(client, period: str | None = None, by: str | Sequence[str] | None = "team", *,
                        freq: str | None = None, attempts: int | None = None, within_days: float | None = None,
                        per_lead: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
    """Share of new MQLs that got at least K attempts within D days (or were reached sooner), per
    ``by`` and ``freq`` as in :func:`first_contact_compliance`.

    rate = (met + reached) ÷ judged; judged excludes leads still in their window; leads that can no
    longer make it count as breaching. Columns: ``<by…>, [time], mqls, evaluable, ok, breaching,
    pending, rate, ci_low, ci_high, too_small[, qvalue, significant, direction]``.
    """
    pl = per_lead if per_lead is not None else attempts_table(client, period, attempts=attempts,
                                                              within_days=within_days, **kwargs)
    an = client.config.analysis
    ok = pl["status"].isin(["met", "reached"])
    out = _compliance_table(pl, ok, pl["judged"], by, freq, min_group_size=an.min_group_size, alpha=an.alpha,
                            extra={"breaching": pl["breaching"], "met": pl["status"] == "met",
                                   "reached": pl["status"] == "reached"})
    out.attrs.update(pl.attrs)
    return out


def breaching_leads(client, *, lookback_days: float = 7.0, hours: float | None = None,
                    attempts: int | None = None, within_days: float | None = None,
                    lang: str = "en", **kwargs: Any) -> pd.DataFrame:
    """The early-warning list: open leads breaching the sales SLA now (no PII).

    Includes new MQLs whose attempts window is still open or closed less than ``lookback_days`` ago,
    that are still open (not won or lost), and that either were not contacted within H hours, got
    fewer than K attempts in D days, or can no longer make K attempts in time.
    Columns: ``lead_id, owner, team, lead_type, age_days, attempts_so_far, attempts_needed,
    hours_to_first_contact, reason`` sorted by owner, then oldest first.
    """
    fc = first_contact_table(client, hours=hours)
    at = attempts_table(client, attempts=attempts, within_days=within_days, **kwargs)
    k, d, h = at.attrs["attempts"], at.attrs["within_days"], fc.attrs["hours"]
    df = at.merge(fc[["lead_id", "hours_to_first_contact", "status"]].rename(columns={"status": "fc_status"}),
                  on="lead_id", how="left")
    recent = df["age_days"] <= d + lookback_days
    from smk.analyses.outcomes import lead_outcomes
    oc = lead_outcomes(client)
    closed = pd.Series(isin(df["lead_id"], oc.loc[oc["status"] != "open", "lead_id"]), index=df.index)
    fc_bad = df["fc_status"] == "not_contacted"
    att_bad = df["breaching"]
    sel = df[recent & ~closed & (fc_bad | att_bad) & ~df["reached"]].copy()
    texts = REASON_TEXT[fmt.check_lang(lang)]
    reasons = []
    for fcb, st in zip((sel["fc_status"] == "not_contacted").to_numpy(), sel["status"].to_numpy()):
        r = []
        if fcb:
            r.append(texts["no_first_contact"].format(h=fmt.number(h, lang, 0)))
        if st == "breaching":
            r.append(texts["too_few_attempts"].format(k=k, d=fmt.number(d, lang, 0)))
        elif st == "cannot_make_it":
            r.append(texts["cannot_make_it"].format(k=k, d=fmt.number(d, lang, 0)))
        reasons.append("; ".join(r))
    sel["reason"] = reasons
    sel["attempts_needed"] = np.clip(k - sel["attempts_within"], 0, None).astype("int64")
    sel = sel.sort_values(["owner", "age_days", "lead_id"], ascending=[True, False, True], kind="stable")
    out = sel[["lead_id", "owner", "team", "lead_type", "age_days", "attempts_so_far", "attempts_needed",
               "hours_to_first_contact", "reason"]].reset_index(drop=True)
    out.attrs.update({"attempts": k, "within_days": d, "hours": h, "as_of": _data_end(client)})
    return out


# --------------------------------------------------------------------------------------------
# marketing pacing
# --------------------------------------------------------------------------------------------
@dataclass
class Pacing:
    """The marketing dashboard for one month (see :func:`pacing`)."""

    period: str
    daily: pd.DataFrame
    goal: float | None
    as_of: pd.Timestamp | None
    mqls_so_far: int
    goal_to_date: float
    elapsed_units: float
    total_units: float
    projection: float
    projection_low: float
    projection_high: float
    prob_reaching_goal: float
    needed_per_remaining_day: float
    status: str
    basis: str
    pacing_rule: str
    complete: bool
    tolerance: float
    extra: dict = field(default_factory=dict)

    def advice(self, lang: str = "en") -> str:
        return ADVICE[fmt.check_lang(lang)][self.status]

    def status_text(self, lang: str = "en") -> str:
        return STATUS_TEXT[fmt.check_lang(lang)][self.status]

    def summary(self) -> pd.DataFrame:
        """One row: period, goal, mqls_so_far, goal_to_date, projection (and 95 % interval), status."""
        return pd.DataFrame([{
            "period": self.period, "goal": self.goal, "mqls_so_far": self.mqls_so_far,
            "goal_to_date": self.goal_to_date, "projection": self.projection,
            "projection_low": self.projection_low, "projection_high": self.projection_high,
            "prob_reaching_goal": self.prob_reaching_goal,
            "needed_per_remaining_day": self.needed_per_remaining_day,
            "status": self.status, "complete": self.complete, "pacing": self.pacing_rule,
        }])


def _day_units(days: pd.DatetimeIndex, rule: str, mask: str, holidays) -> np.ndarray:
    if rule == "calendar":
        return np.ones(len(days))
    hol = np.asarray(holidays if holidays is not None else [], dtype="datetime64[D]")
    return np.is_busday(days.to_numpy().astype("datetime64[D]"), weekmask=mask, holidays=hol).astype(float)


def pacing_from_events(events: pd.Series, period: str, goal: float | None, *, tz="UTC", as_of=None,
                       rule: str = "calendar", working_days: Iterable[int] = (0, 1, 2, 3, 4),
                       holidays: Sequence | None = None, tolerance: float = 0.10, alpha: float = 0.05,
                       basis: str = "mql_at") -> Pacing:
    """Pacing of a month from event timestamps (one per new MQL); see :func:`pacing`.

    Goal line: goal × (units elapsed by the end of each day ÷ units in the month), units = calendar days
    or working days (``rule``). ``as_of`` (default: the end of the month) cuts the month: events after it
    are ignored and the day of ``as_of`` counts by the fraction of it elapsed (local time); an ``as_of``
    in the last minute of the month (exports often stop at 23:59) counts as the whole month.
    Projection: k MQLs in t elapsed units → k·T/t; 95 % interval from the Poisson–Gamma predictive
    (Jeffreys prior): future count ~ NegBin(k + ½, t / T) — it includes both the uncertainty of the
    daily rate and the randomness of the days left. Status from the projection ÷ goal (= MQLs so far ÷
    goal to date): below 1 − tolerance → ``behind``, above 1 + tolerance → ``ahead``, else ``on_track``.
    """
    if rule not in ("calendar", "working_days"):
        raise ValueError(f"pacing must be 'calendar' or 'working_days', found {rule!r}")
    mask = weekmask(working_days)
    p0, p1 = period_bounds(period, tz)
    days = pd.date_range(p0.tz_localize(None), (p1.tz_localize(None) - pd.Timedelta(days=1)), freq="D")
    units = _day_units(days, rule, mask, holidays)
    total = float(units.sum())
    ev = _local(pd.Series(events).dropna(), tz)
    as_of_ts = p1 if as_of is None else _local(pd.Series([pd.Timestamp(as_of)]), tz).iloc[0]
    cut = min(max(as_of_ts, p0), p1)
    if p1 - cut <= pd.Timedelta(minutes=1):  # data ending at 23:59(:59) on the last day: the whole month
        cut = p1
    ev = ev[(ev >= p0) & (ev < p1) & (ev <= cut)]
    day_of = ev.dt.tz_localize(None).dt.normalize()
    counts = day_of.value_counts().reindex(days, fill_value=0).astype("int64").to_numpy()
    # elapsed units: whole days before the cut's local date + the elapsed fraction of that day
    cut_local = cut.tz_localize(None)
    if cut >= p1:
        frac_units = units.copy()
    else:
        frac_units = np.zeros(len(days))
        cut_day = cut_local.normalize()
        before = days < cut_day
        frac_units[before] = units[before]
        on = days == cut_day
        if on.any():
            day_start = cut_day.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
            day_end = (cut_day + pd.Timedelta(days=1)).tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
            frac = (cut - day_start) / (day_end - day_start)
            frac_units[on] = units[on] * float(frac)
    t = float(frac_units.sum())
    observed_day = days <= cut_local.normalize() if cut < p1 else np.ones(len(days), bool)
    if cut < p1 and cut == cut_local.normalize().tz_localize(tz, nonexistent="shift_forward", ambiguous=False):
        observed_day = days < cut_local.normalize()  # the cut is exactly midnight: that day has not started
    cum = np.cumsum(counts).astype(float)
    goal_f = None if goal is None or (isinstance(goal, float) and np.isnan(goal)) else float(goal)
    cum_units = np.cumsum(units)
    daily = pd.DataFrame({
        "date": days, "working_day": units > 0, "mqls": counts,
        "cumulative": np.where(observed_day, cum, np.nan),
        "goal_line": (goal_f * cum_units / total) if (goal_f is not None and total > 0) else np.nan,
    })
    k = int(counts.sum())
    remaining = max(total - t, 0.0)
    if t <= 0 or total <= 0:
        status, proj, lo, hi, prob = "not_started", np.nan, np.nan, np.nan, np.nan
        goal_to_date = 0.0
    else:
        proj = k * total / t
        if remaining > 0:
            pnb = t / (t + remaining)
            lo = k + float(_st.nbinom.ppf(alpha / 2, k + 0.5, pnb))
            hi = k + float(_st.nbinom.ppf(1 - alpha / 2, k + 0.5, pnb))
        else:
            lo = hi = float(k)
        goal_to_date = goal_f * t / total if goal_f is not None else np.nan
        if goal_f is None or goal_f <= 0:
            status, prob = "no_goal", np.nan
        else:
            need = goal_f - k
            if remaining > 0:
                prob = 1.0 if need <= 0 else float(_st.nbinom.sf(np.ceil(need) - 1, k + 0.5, t / (t + remaining)))
            else:
                prob = float(k >= goal_f)
            ratio = proj / goal_f
            status = "behind" if ratio < 1 - tolerance else ("ahead" if ratio > 1 + tolerance else "on_track")
    # projection line for the days after the cut (expected cumulative and interval at month end, linear)
    if t > 0 and remaining > 0:
        rate = k / t
        after = ~observed_day
        proj_line = np.where(after, k + rate * (cum_units - t), np.nan)
        daily["projection"] = proj_line
        share = np.where(after, (cum_units - t) / remaining, np.nan)
        daily["projection_low"] = k + share * (lo - k)
        daily["projection_high"] = k + share * (hi - k)
    else:
        daily["projection"] = np.nan
        daily["projection_low"] = np.nan
        daily["projection_high"] = np.nan
    days_left = float(units[~observed_day].sum()) if cut < p1 else 0.0
    need_per_day = (max(goal_f - k, 0) / remaining) if (goal_f is not None and remaining > 0) else np.nan
    return Pacing(period=str(pd.Period(period, freq="M")), daily=daily, goal=goal_f,
                  as_of=None if cut >= p1 else cut, mqls_so_far=k, goal_to_date=float(goal_to_date),
                  elapsed_units=t, total_units=total, projection=float(proj), projection_low=float(lo),
                  projection_high=float(hi), prob_reaching_goal=float(prob),
                  needed_per_remaining_day=float(need_per_day), status=status, basis=basis, pacing_rule=rule,
                  complete=cut >= p1, tolerance=tolerance, extra={"days_left": days_left})


def pacing(client, period: str | None = None, *, goal: float | None = None, tolerance: float | None = None,
           holidays: Sequence | None = None) -> Pacing:
    """The marketing dashboard for ``period`` (default: the client's default period): daily new MQLs
    (``mql_at``, else ``created_at``), cumulative, against the goal line; projection to month end with
    a 95 % interval; status (behind / on track / ahead) and the seed's advice (``.advice(lang)``).

    ``goal`` defaults to :func:`smk.analyses.sla.monthly_mql_goal` ``['goal']``. The month is cut at
    ``client.data_end`` (a partial month is projected; a month with no leads is "behind" once time has
    passed). Pacing rule: ``client.config.marketing.pacing`` (calendar / working_days, with
    ``sla.working_days``). ``.daily``: ``date, working_day, mqls, cumulative, goal_line, projection,
    projection_low, projection_high``.
    """
    from smk.analyses.sla import monthly_mql_goal  # local: smk.analyses.sla imports this module

    period = period or client.default_period()
    g = monthly_mql_goal(client, period) if goal is None else {"goal": goal}
    start, basis = sla_start(client.leads)
    return pacing_from_events(start, period, g.get("goal"), tz=client.tz, as_of=_data_end(client),
                              rule=client.config.marketing.pacing, working_days=client.config.sla.working_days,
                              holidays=_holidays(client, holidays),
                              tolerance=client.config.marketing.pacing_tolerance if tolerance is None else tolerance,
                              alpha=client.config.analysis.alpha,
                              basis=basis)


# --------------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------------
def _ax(ax, size: str = "normal"):
    import matplotlib.pyplot as plt

    from smk.views import theme

    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize(size))
    return ax


def plot_pacing(p: Pacing, *, lang: str = "en", ax=None):
    """Cumulative MQLs (line), goal line (dashed), projection with its 95 % band to month end."""
    from smk.views import theme

    fmt.check_lang(lang)
    ax = _ax(ax, "wide")
    L = LABELS[lang]
    d = p.daily
    x = d["date"] + pd.Timedelta(hours=23, minutes=59)  # cumulative at the end of each day
    ax.step(x, d["cumulative"], where="post", color=theme.COLORS["marketing"], lw=2.2, label=L["cumulative"])
    if d["goal_line"].notna().any():
        ax.plot(x, d["goal_line"], ls="--", color=theme.COLORS["goal"], lw=1.4, label=L["goal_line"])
    if d["projection"].notna().any():
        ax.plot(x, d["projection"], color=theme.COLORS["marketing"], ls=":", lw=1.6, label=L["projection"])
        ax.fill_between(x, d["projection_low"], d["projection_high"], color=theme.COLORS["marketing"], alpha=0.15,
                        lw=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("")
    ax.set_ylabel(L["cumulative"])
    theme.format_axis(ax, "y", "int", lang)
    ax.xaxis.set_major_formatter(__import__("matplotlib").ticker.FuncFormatter(
        lambda v, _pos: fmt.date(__import__("matplotlib").dates.num2date(v).date(), lang)[:-5]))
    title = {"en": "MQLs this month against the SLA goal", "es": "MQL del mes frente a la meta del SLA"}[lang]
    _ = ax.set_title(f"{title} — {fmt.month(p.period, lang)}: {p.status_text(lang)}")
    ax.legend(loc="upper left")
    return ax


def plot_first_contact(per_lead: pd.DataFrame, *, by: str | None = "team", hours: float | None = None,
                       max_hours: float | None = None, lang: str = "en", ax=None):
    """Distribution of time to first contact: share of new MQLs contacted within x hours (ECDF per
    group; never-contacted leads keep the curve below 100 %), with the SLA's H hours marked."""
    from smk.views import theme

    fmt.check_lang(lang)
    ax = _ax(ax, "normal")
    h = float(hours if hours is not None else per_lead.attrs.get("hours", 4.0))
    top = float(max_hours if max_hours is not None else max(4 * h, 48.0))
    grid = np.linspace(0, top, 400)
    judged = per_lead[per_lead["status"] != "pending"]
    groups = [("", judged)] if not by else [(str(g), sub) for g, sub in judged.groupby(by, sort=True)]
    cols = theme.palette(len(groups))
    for (name, sub), c in zip(groups, cols):
        hrs = sub["hours_to_first_contact"].to_numpy(float)
        n = len(hrs)
        if n == 0:
            continue
        share = np.array([(np.nan_to_num(hrs, nan=np.inf) <= g).sum() / n for g in grid])
        ax.plot(grid, share, color=c, lw=2, label=f"{name} (n={n})" if name else f"n={n}")
    ax.axvline(h, color=theme.COLORS["goal"], ls="--", lw=1.2)
    ax.text(h, 0.02, f" SLA {fmt.number(h, lang, 0)} h", color=theme.COLORS["goal"], va="bottom")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, top)
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_xlabel({"en": "hours from MQL to first contact", "es": "horas desde MQL hasta el primer contacto"}[lang])
    ax.set_ylabel({"en": "share contacted", "es": "% contactado"}[lang])
    _ = ax.set_title({"en": "Time to first contact", "es": "Tiempo hasta el primer contacto"}[lang])
    if by:
        ax.legend(loc="lower right")
    return ax


def plot_compliance(table: pd.DataFrame, *, by: str = "team", target: float | None = None,
                    lang: str = "en", title: str | None = None, ax=None):
    """Compliance per group (bars with 95 % CI) or over time (lines per group when ``time`` is present)."""
    from smk.views import theme

    fmt.check_lang(lang)
    ax = _ax(ax, "wide" if "time" in table else "normal")
    if "time" in table and table["time"].astype(str).str.len().gt(0).any():
        groups = sorted(table[by].unique()) if by in table else [""]
        times = sorted(table["time"].astype(str).unique())
        pos = {t: i for i, t in enumerate(times)}
        for g, c in zip(groups, theme.palette(len(groups))):
            sub = table[table[by] == g] if by in table else table
            sub = sub.sort_values("time", kind="stable")
            x = sub["time"].astype(str).map(pos)
            ax.plot(x, sub["rate"], marker="o", color=c, lw=2, label=str(g))
            ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=c, alpha=0.12, lw=0)
        ticks = [(fmt.month(t, lang, short=True) if len(t) == 7 else fmt.date(t, lang)) for t in times]
        ax.set_xticks(range(len(times)), ticks)
        ax.tick_params(axis="x", rotation=45)
        ax.legend(loc="best", ncols=min(len(groups), 4))
    else:
        t = table.sort_values(["rate", by], ascending=[True, True], kind="stable")
        y = np.arange(len(t))
        colors = [theme.COLORS["bad"] if (str(dr) == "below") else theme.COLORS["sales"]
                  for dr in t.get("direction", pd.Series([""] * len(t)))]
        ax.barh(y, t["rate"], color=colors, alpha=0.85)
        ax.errorbar(t["rate"], y, xerr=[t["rate"] - t["ci_low"], t["ci_high"] - t["rate"]], fmt="none",
                    ecolor="#333333", capsize=3, lw=1)
        ax.set_yticks(y, [str(v) for v in t[by]])
        ax.set_xlim(0, 1)
        theme.format_axis(ax, "x", "pct", lang)
    if target is not None:
        if "time" in table and table["time"].astype(str).str.len().gt(0).any():
            ax.axhline(target, color=theme.COLORS["goal"], ls="--", lw=1.2)
            ax.set_ylim(0, 1.02)
            theme.format_axis(ax, "y", "pct", lang)
        else:
            ax.axvline(target, color=theme.COLORS["goal"], ls="--", lw=1.2)
    elif "time" in table:
        ax.set_ylim(0, 1.02)
        theme.format_axis(ax, "y", "pct", lang)
    if title:
        _ = ax.set_title(title)
    return ax


__all__ = [
    "ADVICE", "ATTEMPT_STATUSES", "FIRST_CONTACT_STATUSES", "LABELS", "Pacing", "attempts_compliance",
    "attempts_table", "breaching_leads", "elapsed_hours", "first_contact_compliance", "first_contact_table",
    "pacing", "pacing_from_events", "period_bounds", "plot_compliance", "plot_first_contact", "plot_pacing",
    "sla_start",
]
