"""06: the monthly smarketing report: KPIs with changes, narrative, marketing, sales, SLA, agenda.

Method: ../shared/docs/DOMAIN.md §5 (dashboards, monthly reports) and §6 (meetings); seed 000,
chapters 4–5. Everything is computed for one calendar month **in the client's timezone**
(``client.tz``); "now" is ``client.data_end``, never the wall clock.

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
(revenue ÷ the month's company quota), first-contact SLA compliance (share of the month's MQLs
first contacted within ``sla.first_contact_hours``), MQL goal pacing (MQLs ÷ goal × share of the
month elapsed). Each with the previous month and the same month last year where the data reach.

Ranking rule for the narrative (:func:`movements`): a movement's importance is the absolute z-score
of the change against the previous month (pro-rated in a partial month):

- counts (leads, MQLs, customers), assumed Poisson: z = (x − f·y) / √(x + f²·y)
  (normal approximation of the comparison of two Poisson counts);
- revenue, a compound Poisson sum of deal amounts a: z = (R₁ − f·R₀) / √(Σa₁² + f²·Σa₀²);
- first-contact compliance, a proportion: pooled two-proportion z.

The three largest |z| are the three most important movements; |z| ≥ 1.96 is called a clear change,
smaller ones are "within normal month-to-month variation". % of quota and MQL pacing are derived
from revenue and MQLs and are not ranked separately (they would repeat the same movement).

Functions of 04 (``smk.analyses.sla``), 03 (``smk.analyses.closerate``) and 05 (``smk.analyses.attempts``) are used when
those modules provide them; otherwise a minimal local computation (documented below, marked
``source='local'``) stands in.
"""
from __future__ import annotations

import importlib
import importlib.util
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.features import isin
from smk.views import fmt
from smk.analyses.contacts import contact_summary
from smk.analyses.dashboards import period_bounds
from smk.analyses.outcomes import lead_outcomes
from smk.analyses.stats import bh_adjust, rate_table, wilson_interval

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
#: group name of the overall row of per-group tables (the same word in es and en)
TOTAL = "Total"

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "leads": "Leads", "mqls": "MQLs", "customers": "Customers", "revenue": "Revenue",
        "pct_quota": "% of quota", "first_contact_compliance": "First-contact SLA compliance",
        "mql_pacing": "MQL goal pacing", "kpi": "Indicator", "value": "This month",
        "previous": "Previous month", "change_prev": "Change vs previous", "last_year": "Same month last year",
        "change_yoy": "Change vs last year", "channel": "Source", "month": "Month", "visits": "Visits",
        "spend": "Spend", "roi": "Return on spend", "visit_to_lead": "Visit → lead",
        "asset": "Asset", "engaged": "Leads engaged", "converted": "Leads converted", "rate": "Conversion rate",
        "ci": "95 % interval", "team": "Team", "owner": "Rep", "quota": "Quota", "pct": "% attained",
        "gap": "Gap to quota", "pipeline_stage": "Pipeline stage", "deals": "Deals", "amount": "Amount",
        "n": "Leads", "median_days": "Median days", "mean_days": "Mean days", "p25_days": "25th pct (days)",
        "p75_days": "75th pct (days)", "median_hours": "Median hours to follow-up",
        "p75_hours": "75th pct (hours)", "within_sla": "Within SLA", "compliance": "Compliance",
        "side": "Side", "commitment": "Commitment", "target": "Target", "actual": "Actual",
        "status": "Status", "met": "In time", "pending": "Too early to judge", "kind": "Kind",
        "new_leads": "New leads", "too_small": "Too small to judge", "contacted": "Contacted",
        "history_median_days": "Median, previous 12 months",
        "marketing": "Marketing", "sales": "Sales", "item": "Item", "detail": "Detail",
        "judged": "Leads judged", "expected_to_date": "Expected by now", "goal": "Goal",
        "metric": "Metric", "recent_rate": "This month", "baseline_rate": "Baseline", "qvalue": "q-value",
        "won_deals": "Won deals",
    },
    "es": {
        "leads": "Leads", "mqls": "MQL", "customers": "Clientes", "revenue": "Ingresos",
        "pct_quota": "% de la cuota", "first_contact_compliance": "Cumplimiento del ANS de primer contacto",
        "mql_pacing": "Ritmo frente a la meta de MQL", "kpi": "Indicador", "value": "Este mes",
        "previous": "Mes anterior", "change_prev": "Cambio frente al mes anterior",
        "last_year": "Mismo mes del año anterior", "change_yoy": "Cambio interanual", "channel": "Fuente",
        "month": "Mes", "visits": "Visitas", "spend": "Inversión", "roi": "Retorno de la inversión",
        "visit_to_lead": "Visita → lead", "asset": "Activo", "engaged": "Leads que interactuaron",
        "converted": "Leads que convirtieron", "rate": "Tasa de conversión", "ci": "Intervalo 95 %",
        "team": "Equipo", "owner": "Vendedor", "quota": "Cuota", "pct": "% alcanzado",
        "gap": "Brecha con la cuota", "pipeline_stage": "Etapa del embudo", "deals": "Negocios",
        "amount": "Importe", "n": "Leads", "median_days": "Mediana (días)", "mean_days": "Media (días)",
        "p25_days": "Percentil 25 (días)", "p75_days": "Percentil 75 (días)",
        "median_hours": "Mediana de horas hasta el seguimiento", "p75_hours": "Percentil 75 (horas)",
        "within_sla": "Dentro del ANS", "compliance": "Cumplimiento", "side": "Área",
        "commitment": "Compromiso", "target": "Meta", "actual": "Real", "status": "Estado",
        "met": "A tiempo", "pending": "Aún sin juzgar", "kind": "Tipo", "new_leads": "Leads nuevos",
        "too_small": "Muy pocos para juzgar", "contacted": "Contactados",
        "history_median_days": "Mediana, 12 meses anteriores",
        "marketing": "Marketing", "sales": "Ventas", "item": "Punto", "detail": "Detalle",
        "judged": "Leads evaluados", "expected_to_date": "Esperado a la fecha", "goal": "Meta",
        "metric": "Métrica", "recent_rate": "Este mes", "baseline_rate": "Referencia", "qvalue": "valor q",
        "won_deals": "Negocios ganados",
    },
}


#: Status words of SLA commitments.
STATUS: dict[str, dict[str, str]] = {
    "en": {"met": "met", "missed": "missed", "pending": "too early to judge", "on_track": "on track",
           "behind": "behind", "unknown": "cannot be judged"},
    "es": {"met": "cumplido", "missed": "incumplido", "pending": "aún no se puede juzgar", "on_track": "en camino",
           "behind": "atrasado", "unknown": "no se puede juzgar"},
}


def status_label(status: str, lang: str = "en") -> str:
    """Client-facing word of a commitment status."""
    return STATUS[fmt.check_lang(lang)].get(status, status)


def label(key: str, lang: str = "en") -> str:
    """Client-facing label of an output column or KPI."""
    return LABELS[fmt.check_lang(lang)].get(key, key)


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


def _tz_of(client) -> Any:
    return client.tz


def month_bounds(period: str | pd.Period, tz) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of a calendar month as tz-aware timestamps in ``tz`` (DST-safe):
    :func:`smk.analyses.dashboards.period_bounds`, so the report and the SLA dashboards cut months alike."""
    return period_bounds(str(pd.Period(period, freq="M")), tz)


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
    start, end = month_bounds(p, _tz_of(client))
    d_end = pd.Timestamp(client.data_end)
    if d_end.tzinfo is None:
        d_end = d_end.tz_localize(_tz_of(client))
    d_start = data_start(client)
    if d_start is None or d_end < start or d_start >= end:
        status, frac = "no_data", 0.0
    elif d_end >= end - pd.Timedelta(days=1):  # reaches the last day: complete (as Client.default_period)
        status, frac = "complete", 1.0
    else:
        status = "partial"
        frac = float((d_end - start).total_seconds() / (end - start).total_seconds())
    return Month(p, start, end, status, frac, d_start, d_end)


def month_notes(m: Month) -> list[dict[str, str]]:
    """Notes a reader must see about the month itself (no data / partial / first month)."""
    notes = []
    if m.status == "no_data":
        notes.append({"code": "no_data",
                      "en": f"There is no data for {fmt.month(m.period, 'en')}: the data run from "
                            f"{fmt.date(m.data_start, 'en')} to {fmt.date(m.data_end, 'en')}. Every figure below is empty.",
                      "es": f"No hay datos de {fmt.month(m.period, 'es')}: los datos van del "
                            f"{fmt.date(m.data_start, 'es')} al {fmt.date(m.data_end, 'es')}. Todas las cifras están vacías."})
    elif m.status == "partial":
        notes.append({"code": "partial",
                      "en": f"{fmt.month(m.period, 'en')} is not over: the data end on {fmt.date(m.data_end, 'en')} "
                            f"({fmt.pct(m.fraction, 'en', 0)} of the month). Counts and money of earlier months are "
                            f"pro-rated to the same share before comparing.",
                      "es": f"{fmt.month(m.period, 'es').capitalize()} no ha terminado: los datos llegan al "
                            f"{fmt.date(m.data_end, 'es')} ({fmt.pct(m.fraction, 'es', 0)} del mes). Los recuentos e "
                            f"importes de meses anteriores se prorratean a la misma parte antes de comparar."})
    if m.status != "no_data" and m.data_start is not None and m.data_start >= m.start:
        notes.append({"code": "first_month",
                      "en": "This is the first month of data: there is no previous month to compare with.",
                      "es": "Es el primer mes con datos: no hay mes anterior con el que comparar."})
    return notes


# --------------------------------------------------------------------------------------------
# shared per-lead preparation
# --------------------------------------------------------------------------------------------
def _local_period(ts: pd.Timestamp, tz) -> pd.Period:
    """Calendar month of a timestamp in the client's timezone."""
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz).tz_localize(None)
    return ts.to_period("M")


def _has_values(df: pd.DataFrame | None, col: str) -> bool:
    return df is not None and col in df and df[col].notna().any()


def _module(name: str):
    """Import ``smk.<name>`` if it exists (other analyses are written in parallel), else None."""
    full = f"smk.analyses.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    try:
        return importlib.import_module(full)
    except Exception:  # a module being written may not import yet: fall back to local code
        return None


def _reuse(module: str, func: str):
    mod = _module(module)
    return getattr(mod, func, None) if mod is not None else None


def sla_clock(client) -> pd.DataFrame:
    """Per lead: when the sales SLA clock starts and when sales first followed up.

    Clock start = ``mql_at`` when the client records MQL dates (the SLA applies to MQLs; leads
    never qualified have no clock), else ``created_at``. First follow-up = first attempt in the
    contact log, else ``leads.first_contact_at`` (:func:`smk.analyses.contacts.contact_summary`).
    ``hours_to_follow_up`` = (first follow-up − clock start) in hours, 0 when sales reached the lead
    before it qualified. Columns: ``lead_id, channel, team, owner, clock_at, first_contact_at,
    hours_to_follow_up``; ``attrs['contact_source']`` is 'log', 'counters' or 'none';
    ``attrs['clock']`` is 'mql_at' or 'created_at'.
    """
    if hasattr(client, "cached"):
        key = ("sla_clock", float(client.config.sla.attempts_within_days), str(client.data_end))
        return client.cached(key, lambda: _sla_clock(client))
    return _sla_clock(client)


def _sla_clock(client) -> pd.DataFrame:
    leads = client.leads
    att = client.contact_attempts
    cs = contact_summary(leads, att, within_days=float(client.config.sla.attempts_within_days))
    clock_col = "mql_at" if _has_values(leads, "mql_at") else "created_at"
    out = pd.DataFrame({"lead_id": leads["lead_id"].array})
    for c in ("channel", "team", "owner"):
        out[c] = leads[c].array if c in leads else pd.Series([pd.NA] * len(leads), dtype="object")
    out["created_at"] = leads["created_at"].reset_index(drop=True)
    out["clock_at"] = leads[clock_col].reset_index(drop=True)
    cs = cs.reset_index(drop=True)
    out["first_contact_at"] = cs["first_attempt_at"]
    out["n_attempts"] = cs["n_attempts"]
    out["attempts_within"] = cs["attempts_within"]
    out["first_connect_at"] = cs["first_connect_at"]
    out["n_connects"] = cs["n_connects"]
    for c in ("clock_at", "first_contact_at", "first_connect_at"):
        if out[c].dt.tz is None:  # an all-missing column may come back without its timezone
            out[c] = out[c].dt.tz_localize(leads["created_at"].dt.tz)
    hrs = (out["first_contact_at"] - out["clock_at"]).dt.total_seconds() / 3600
    out["hours_to_follow_up"] = hrs.clip(lower=0)
    has_contact = cs.attrs.get("source", "none") != "none" and (
        out["first_contact_at"].notna().any() or cs.attrs.get("source") == "log")
    out.attrs["contact_source"] = cs.attrs.get("source", "none") if has_contact else "none"
    out.attrs["clock"] = clock_col
    return out


# --------------------------------------------------------------------------------------------
# SLA pieces (04 when available, else minimal local computation)
# --------------------------------------------------------------------------------------------
def first_contact_status(client, m: Month, clock: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per lead whose SLA clock starts in month ``m``: 'met', 'missed' or 'pending'.

    LOCAL minimal rule (stands in for ``smk.analyses.sla.first_contact_compliance`` when 04 is absent):
    deadline = clock start + ``sla.first_contact_hours`` (calendar hours; ``sla.business_hours`` is
    not applied here); met = first follow-up ≤ deadline (a follow-up before the clock counts as met);
    missed = follow-up after the deadline, or none and the deadline ≤ data_end; pending = none yet and
    the deadline is after data_end (too early to judge, excluded from the rate).
    """
    clock = sla_clock(client) if clock is None else clock
    hours = float(client.config.sla.first_contact_hours)
    c = clock[m.contains(clock["clock_at"])].copy()
    deadline = c["clock_at"] + pd.Timedelta(hours=hours)
    contacted = c["first_contact_at"].notna()
    on_time = contacted & (c["first_contact_at"] <= deadline)
    pending = ~contacted & (deadline > m.data_end)
    c["sla_status"] = np.where(on_time, "met", np.where(pending, "pending", "missed"))
    return c


def _compliance_row(status: pd.Series) -> dict:
    met = int((status == "met").sum())
    judged = int(status.isin(["met", "missed"]).sum())
    lo, hi = wilson_interval(met, judged)
    return {"judged": judged, "met": met, "compliance": met / judged if judged else np.nan,
            "ci_low": lo, "ci_high": hi, "pending": int((status == "pending").sum())}


def first_contact_compliance(client, period=None, by: str | None = "team") -> pd.DataFrame:
    """First-contact SLA compliance of the month, overall (``by=None``) or per ``team``/``owner``.

    Uses ``smk.analyses.sla.first_contact_compliance`` when 04 provides it; otherwise the local rule of
    :func:`first_contact_status`. Columns: ``group, judged, met, compliance, ci_low, ci_high,
    pending``; ``attrs['source']`` is 'smk.analyses.sla' or 'local'.
    """
    m = month_info(client, period)
    reuse = _reuse("sla", "first_contact_compliance")
    if reuse is not None:
        try:
            t = reuse(client, str(m.period), by=by)
            out = pd.DataFrame({
                "group": t[by].astype("object").to_numpy() if by is not None else [TOTAL] * len(t),
                "judged": t["evaluable"].to_numpy(), "met": t["ok"].to_numpy(), "compliance": t["rate"].to_numpy(),
                "ci_low": t["ci_low"].to_numpy(), "ci_high": t["ci_high"].to_numpy(), "pending": t["pending"].to_numpy(),
                "too_small": t["too_small"].to_numpy() if "too_small" in t else False,
                "qvalue": t["qvalue"].to_numpy() if "qvalue" in t else np.nan,
                "direction": t["direction"].to_numpy() if "direction" in t else ""})
            out.attrs.update({"source": "smk.analyses.sla", "contact_source": t.attrs.get("source", "")})
            return out
        except Exception:
            pass
    clock = sla_clock(client)
    st = first_contact_status(client, m, clock)
    cols = ["group", "judged", "met", "compliance", "ci_low", "ci_high", "pending", "too_small", "qvalue", "direction"]
    min_n = client.config.analysis.min_group_size
    if by is None:
        out = pd.DataFrame([{"group": TOTAL, **_compliance_row(st["sla_status"])}])
        out["qvalue"], out["direction"] = np.nan, ""
    else:
        g = st[by].astype("object").where(st[by].notna(), "(missing)") if by in st else pd.Series("(missing)", index=st.index)
        rows = [{"group": k, **_compliance_row(v["sla_status"])} for k, v in st.groupby(g, sort=True)]
        out = pd.DataFrame(rows, columns=cols[:7])
        judged = st[st["sla_status"].isin(["met", "missed"])]
        if len(out) > 1 and len(judged):
            rt = rate_table(judged.assign(_g=g[judged.index], _ok=judged["sla_status"].eq("met")), "_g", "_ok",
                            min_group_size=min_n, alpha=client.config.analysis.alpha).set_index("group")
            out["qvalue"] = out["group"].map(rt["qvalue"])
            out["direction"] = out["group"].map(rt["direction"]).fillna("")
        else:
            out["qvalue"], out["direction"] = np.nan, ""
    out["too_small"] = out["judged"] < min_n
    out = out[cols]
    out.attrs["source"] = "local"
    out.attrs["contact_source"] = clock.attrs["contact_source"]
    return out


def attempts_status(client, m: Month, clock: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per lead whose SLA clock starts in month ``m``: were ``sla.attempts`` attempts made within
    ``sla.attempts_within_days`` (or the lead reached / won before that)? 'met', 'missed', 'pending'.

    LOCAL minimal rule (stands in for ``smk.analyses.sla.attempts_compliance``): judged only once the window
    has closed (clock + window ≤ data_end). Without a dated log, ``n_attempts`` (no dates) is used
    as if all attempts fell inside the window.
    """
    clock = sla_clock(client) if clock is None else clock
    sla = client.config.sla
    c = clock[m.contains(clock["clock_at"])].copy()
    if c.empty:
        c["sla_status"] = pd.Series(dtype="object")
        return c
    win_end = c["clock_at"] + pd.Timedelta(days=float(sla.attempts_within_days))
    if clock.attrs["contact_source"] == "log":
        # attempts_within counts from creation; count from the clock when the clock is the MQL date
        n_in = c["attempts_within"].astype(float)
        att = client.contact_attempts
        if clock.attrs["clock"] == "mql_at" and att is not None and len(att):
            a = att[isin(att["lead_id"], c["lead_id"])]
            start = a["lead_id"].map(c.set_index("lead_id")["clock_at"])
            end = start + pd.Timedelta(days=float(sla.attempts_within_days))
            inside = a[(a["attempted_at"] <= end).fillna(False).astype(bool)]
            n_in = c["lead_id"].map(inside.groupby("lead_id").size()).fillna(0).astype(float)
        reached = (c["first_connect_at"].notna() & (c["first_connect_at"] <= win_end)).fillna(False).astype(bool)
    else:
        n_in = pd.to_numeric(c["n_attempts"], errors="coerce").astype(float)
        reached = pd.to_numeric(c["n_connects"], errors="coerce").fillna(0).astype(float) > 0
    done = (n_in >= sla.attempts).fillna(False).astype(bool) | reached
    closed = win_end <= m.data_end
    c["sla_status"] = np.where(done, "met", np.where(closed, "missed", "pending"))
    return c


def mql_goal(client, period=None) -> dict:
    """The month's MQL goal.

    Uses ``smk.analyses.sla.monthly_mql_goal`` when 04 provides it. LOCAL minimal rule otherwise:
    ``marketing.mql_goal`` when set; else (seed 000 ch. 3) MQLs needed = marketing's quota share ÷
    MQL value, with quota share = ``marketing.quota_share`` × the month's company quota and MQL value
    = revenue won within ``analysis.close_window_days`` by the MQLs of the 12 months before the month
    that are old enough (MQL date + window ≤ month start) ÷ their number (= average revenue per
    customer × MQL→customer close rate). Returns ``{goal, source, method, mql_value, quota}``;
    goal None when it cannot be set.
    """
    m = month_info(client, period)
    reuse = _reuse("sla", "monthly_mql_goal")
    if reuse is not None:
        try:
            res = dict(reuse(client, str(m.period)))
            goal = res.get("goal", res.get("mqls_needed", res.get("mql_goal")))
            if goal is not None and not (isinstance(goal, float) and math.isnan(goal)):
                res.update({"goal": float(goal), "source": "smk.analyses.sla"})
                return res
        except Exception:  # 04 not finished or cannot judge this month: fall back
            pass
    cfg = client.config.marketing
    if cfg.mql_goal is not None:
        return {"goal": float(cfg.mql_goal), "source": "local", "method": "config", "mql_value": np.nan,
                "quota": company_quota(client, m.period)}
    quota = company_quota(client, m.period)
    leads = client.leads
    if not _has_values(leads, "mql_at") or quota is None or np.isnan(quota):
        return {"goal": None, "source": "local", "method": "none", "mql_value": np.nan, "quota": quota}
    out = lead_outcomes(client)
    window = pd.Timedelta(days=client.config.analysis.close_window_days)
    lo = m.start - pd.DateOffset(months=12)
    mql = out[(out["mql_at"] >= lo) & (out["mql_at"] + window <= m.start)]
    if len(mql) == 0:
        return {"goal": None, "source": "local", "method": "none", "mql_value": np.nan, "quota": quota}
    won_in = mql["won"] & ((mql["won_at"] - mql["mql_at"]) <= window).fillna(False).astype(bool)
    value = float(mql.loc[won_in, "revenue"].sum()) / len(mql)
    if value <= 0:
        return {"goal": None, "source": "local", "method": "none", "mql_value": value, "quota": quota}
    goal = float(cfg.quota_share) * quota / value
    return {"goal": goal, "source": "local", "method": "mql_value", "mql_value": value, "quota": quota}


def elapsed_fraction(client, m: Month) -> float:
    """Share of the month elapsed at data_end for pacing: calendar time, or working days when
    ``marketing.pacing == 'working_days'`` (Mon–Fri per ``sla.working_days``)."""
    if m.status != "partial":
        return m.fraction
    reuse = _reuse("sla", "pacing")
    if reuse is not None:
        try:
            pc = reuse(client, str(m.period), goal=1.0)
            if pc.total_units > 0:
                return float(pc.elapsed_units / pc.total_units)
        except Exception:
            pass
    if client.config.marketing.pacing == "working_days":
        mask = "".join("1" if d in client.config.sla.working_days else "0" for d in range(7))
        s, e = m.start.date(), m.end.date()
        total = np.busday_count(s, e, weekmask=mask)
        done = np.busday_count(s, m.data_end.date(), weekmask=mask) + (
            (m.data_end - m.data_end.normalize()).total_seconds() / 86400)
        return float(min(1.0, done / total)) if total else m.fraction
    return m.fraction


# --------------------------------------------------------------------------------------------
# quotas and revenue
# --------------------------------------------------------------------------------------------
def _quota_rows(client, period: pd.Period) -> pd.DataFrame | None:
    q = client.quotas
    if q is None or len(q) == 0:
        return None
    per = pd.to_datetime(q["period"])
    if per.dt.tz is not None:
        per = per.dt.tz_localize(None)
    return q[per.dt.to_period("M") == period]


def company_quota(client, period: pd.Period) -> float | None:
    """Company quota of a month: company-wide rows (no owner, no team) if any, else the sum of team
    rows (no owner), else the sum of rep rows; else ``marketing.monthly_quota``; else None.
    Summing only one level avoids counting a rep's quota inside their team's twice.
    ``smk.analyses.sla.quota_for_period`` (04, same rule) when available."""
    reuse = _reuse("sla", "quota_for_period")
    if reuse is not None:
        try:
            return reuse(client, str(pd.Period(period, freq="M")))[0]
        except Exception:
            pass
    rows = _quota_rows(client, period)
    if rows is not None and len(rows):
        owner = rows["owner"].notna() if "owner" in rows else pd.Series(False, index=rows.index)
        team = rows["team"].notna() if "team" in rows else pd.Series(False, index=rows.index)
        for mask in (~owner & ~team, ~owner & team, owner):
            if mask.any():
                return float(rows.loc[mask, "amount"].sum())
    mq = client.config.marketing.monthly_quota
    return float(mq) if mq is not None else None


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
    clock: pd.DataFrame
    won: pd.DataFrame


def _prepare(client) -> _Prep:
    return _Prep(lead_outcomes(client), sla_clock(client), won_revenue(client))


def _raw(client, prep: _Prep, m: Month) -> dict:
    """Additive figures of a whole month (or of the covered part when it is the report month)."""
    leads = client.leads
    mql_known = _has_values(leads, "mql_at")
    won_m = prep.won[m.contains(prep.won["won_at"])]
    amounts = won_m["amount"].fillna(0.0)
    fc_met, fc_judged, _ = _fc_counts(client, m, prep.clock)
    return {
        "leads": float(m.contains(leads["created_at"]).sum()),
        "mqls": float(m.contains(leads["mql_at"]).sum()) if mql_known else np.nan,
        "customers": float(m.contains(prep.outcomes["won_at"]).sum()),
        "revenue": float(amounts.sum()),
        "revenue_sq": float((amounts ** 2).sum()),
        "fc_met": fc_met,
        "fc_judged": fc_judged,
    }


def _fc_counts(client, m: Month, clock: pd.DataFrame) -> tuple[float, float, str]:
    """(met, judged, source) of the first-contact SLA for the MQLs of month ``m``:
    ``smk.analyses.sla.first_contact_compliance(client, period, by=None)`` (04: ok, evaluable; honours
    ``sla.business_hours``) when available, else the local rule of :func:`first_contact_status`."""
    if clock.attrs["contact_source"] == "none":
        return np.nan, np.nan, "none"
    reuse = _reuse("sla", "first_contact_compliance")
    if reuse is not None:
        try:
            t = reuse(client, str(m.period), by=None)
            if len(t) and {"ok", "evaluable"} <= set(t.columns):
                return float(t["ok"].iloc[0]), float(t["evaluable"].iloc[0]), "smk.analyses.sla"
        except Exception:  # 04 cannot judge this month: local rule below
            pass
    st = first_contact_status(client, m, clock)["sla_status"]
    return float((st == "met").sum()), float(st.isin(["met", "missed"]).sum()), "local"


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


def _change(cur: float, ref: float, kind: str) -> tuple[float, float]:
    """(relative change, difference); shares change in points (diff) and relative change is NaN-safe."""
    if cur is None or ref is None or np.isnan(cur) or np.isnan(ref):
        return np.nan, np.nan
    diff = cur - ref
    rel = diff / ref if ref != 0 else (np.nan if diff else 0.0)
    return rel, diff


def kpis(client, period=None) -> pd.DataFrame:
    """The executive-summary KPIs of the month with the previous month and the same month last year.

    Columns: ``kpi, kind ('count'|'money'|'share'), value, previous, change_prev (relative),
    diff_prev, z_prev, last_year, change_yoy, diff_yoy, prorated``. Shares are fractions (0.82).
    Comparison months the data do not cover are NaN. In a partial month the comparison months'
    counts and money are pro-rated by the covered share (module docstring). ``attrs``: ``month``
    (:class:`Month`), ``notes`` (list of {code, en, es}), ``goal`` (:func:`mql_goal`), ``quota``,
    ``sources`` (which module computed each piece).
    """
    m = month_info(client, period)
    prep = _prepare(client)
    f = m.fraction if m.status == "partial" else 1.0
    pace = elapsed_fraction(client, m) if m.status == "partial" else 1.0
    notes = month_notes(m)
    goal_info = mql_goal(client, m.period) if m.status != "no_data" else {"goal": None, "source": "local"}
    quota = company_quota(client, m.period)
    cur_raw = _raw(client, prep, m)
    cur = _derive(cur_raw, quota, goal_info.get("goal"), pace)
    refs: dict[str, tuple[dict | None, dict | None]] = {}
    for name, p in (("previous", m.period - 1), ("last_year", m.period - 12)):
        o = month_info(client, p)
        # usable only when the data cover it whole (data beginning on its first day at the latest)
        starts_late = o.data_start is not None and o.data_start >= o.start + pd.Timedelta(days=1)
        if o.status != "complete" or starts_late or m.status == "no_data":
            refs[name] = (None, None)
            continue
        raw = _raw(client, prep, o)
        g = mql_goal(client, p).get("goal")
        # pro-rated: counts and money × f, quota kept whole (so % of quota is "to the same day"),
        # MQL pace = (MQLs × f) ÷ (goal × f)
        refs[name] = (raw, _derive(_scaled(raw, f), company_quota(client, p), g, f))
    rows = []
    for k in KPIS:
        row = {"kpi": k, "kind": KPI_KIND[k], "value": cur[k]}
        for name, suffix in (("previous", "prev"), ("last_year", "yoy")):
            r, d = refs[name]
            row[name] = d[k] if d is not None else np.nan
            row[f"change_{suffix}"], row[f"diff_{suffix}"] = _change(cur[k], row[name], KPI_KIND[k])
        r, d = refs["previous"]
        row["z_prev"] = _z(k, cur_raw, r, f) if r is not None and k in RANKED else np.nan
        row["prorated"] = m.status == "partial" and KPI_KIND[k] != "share"
        rows.append(row)
    out = pd.DataFrame(rows, columns=["kpi", "kind", "value", "previous", "change_prev", "diff_prev", "z_prev",
                                      "last_year", "change_yoy", "diff_yoy", "prorated"])
    if m.status != "no_data" and refs["previous"][0] is None and not any(n["code"] == "first_month" for n in notes):
        notes.append({"code": "no_previous",
                      "en": "The data do not cover the previous month completely: no month-over-month change is shown.",
                      "es": "Los datos no cubren el mes anterior completo: no se muestra el cambio mensual."})
    if m.status != "no_data" and refs["last_year"][0] is None:
        notes.append({"code": "no_last_year",
                      "en": "The data do not reach the same month last year: no year-over-year change is shown.",
                      "es": "Los datos no llegan al mismo mes del año anterior: no se muestra el cambio interanual."})
    if quota is None:
        notes.append({"code": "no_quota",
                      "en": "No sales quota for this month (no quotas table and no marketing.monthly_quota in client.yml): % of quota cannot be computed.",
                      "es": "No hay cuota de ventas para este mes (ni tabla de cuotas ni marketing.monthly_quota en client.yml): no se puede calcular el % de la cuota."})
    if prep.clock.attrs["contact_source"] == "none":
        notes.append({"code": "no_contacts",
                      "en": "The data record no sales contacts (no contact log, no first-contact date): SLA compliance cannot be measured.",
                      "es": "Los datos no registran contactos de ventas (ni registro de intentos ni fecha de primer contacto): no se puede medir el cumplimiento del ANS."})
    if goal_info.get("goal") is None and m.status != "no_data":
        notes.append({"code": "no_goal",
                      "en": "No MQL goal could be set (set marketing.mql_goal in client.yml, or provide quotas and MQL dates with enough history).",
                      "es": "No se pudo fijar una meta de MQL (indique marketing.mql_goal en client.yml, o aporte cuotas y fechas de MQL con historia suficiente)."})
    if not _has_values(client.leads, "mql_at"):
        notes.append({"code": "no_mql",
                      "en": "The leads carry no MQL date: MQL figures are missing.",
                      "es": "Los leads no traen fecha de MQL: faltan las cifras de MQL."})
    out.attrs.update({"month": m, "notes": notes, "goal": goal_info, "quota": quota, "raw": cur_raw,
                      "sources": {"first_contact_compliance": "local", "mql_goal": goal_info.get("source", "local"),
                                  "revenue": prep.won.attrs.get("source")}})
    return out


def monthly_series(client, months: int = 13, end_period=None) -> pd.DataFrame:
    """Leads, MQLs, customers, won deals and revenue per calendar month (client timezone) for the
    ``months`` months ending at ``end_period`` (default: the month of data_end).

    Columns: ``month (YYYY-MM), status, leads, mqls, customers, won_deals, revenue``.
    """
    end_p = pd.Period(end_period, freq="M") if end_period else _local_period(client.data_end, client.tz)
    prep = _prepare(client)
    rows = []
    for p in pd.period_range(end=end_p, periods=months, freq="M"):
        m = month_info(client, p)
        r = _raw(client, prep, m)
        rows.append({"month": str(p), "status": m.status, "leads": int(r["leads"]),
                     "mqls": r["mqls"], "customers": int(r["customers"]),
                     "won_deals": int(m.contains(prep.won["won_at"]).sum()), "revenue": r["revenue"]})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# narrative
# --------------------------------------------------------------------------------------------
def _fmt_value(kpi: str, v: float, lang: str, currency: str) -> str:
    kind = KPI_KIND[kpi]
    if kind == "money":
        return fmt.money(v, currency, lang)
    if kind == "share":
        return fmt.pct(v, lang)
    return fmt.number(v, lang, 0 if float(v).is_integer() else 1)


def _fmt_change(kpi: str, row: pd.Series, lang: str) -> str:
    if KPI_KIND[kpi] == "share":
        return fmt.pp(row["diff_prev"], lang)
    return fmt.signed_change(row["change_prev"], lang)


def movements(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` most important movements: ranked KPIs with a previous-month value, by |z_prev|
    descending (ties: KPI order). Adds ``abs_z`` and ``clear`` (|z| ≥ 1.96)."""
    t = table[table["kpi"].isin(RANKED) & table["previous"].notna() & table["z_prev"].notna()].copy()
    t["order"] = t["kpi"].map({k: i for i, k in enumerate(KPIS)})
    t["abs_z"] = t["z_prev"].abs()
    t = t.sort_values(["abs_z", "order"], ascending=[False, True], kind="stable").head(n)
    t["clear"] = t["abs_z"] >= Z_CLEAR
    return t.drop(columns="order").reset_index(drop=True)


_VERBS = {"en": ("rose", "fell", "held"), "es": ("subieron", "bajaron", "se mantuvieron")}
_VERBS_SG_ES = ("subió", "bajó", "se mantuvo")
#: Spanish subject of each ranked KPI and whether it is plural.
_ES_SUBJECT = {"leads": ("Los leads", True), "mqls": ("Los MQL", True), "customers": ("Los clientes", True),
               "revenue": ("Los ingresos", True),
               "first_contact_compliance": ("El cumplimiento del ANS de primer contacto", False)}


def narrative(table: pd.DataFrame, lang: str = "en", *, currency: str = "USD") -> list[str]:
    """Sentences stating the three most important movements with their numbers (:func:`movements`).

    Every number is formatted from ``table`` with :mod:`smk.views.fmt`, so it matches the KPI table.
    """
    fmt.check_lang(lang)
    m: Month = table.attrs["month"]
    if m.status == "no_data":
        return [n[lang] for n in table.attrs["notes"] if n["code"] == "no_data"]
    mv = movements(table)
    out = []
    if mv.empty:
        out.append("No previous month to compare with: the figures below are this month's only."
                   if lang == "en" else "No hay mes anterior con el que comparar: las cifras son solo las de este mes.")
        return out
    prorated = m.status == "partial"
    for _, r in mv.iterrows():
        k = r["kpi"]
        name = label(k, lang)
        up = r["diff_prev"] > 0
        same = r["diff_prev"] == 0
        if lang == "en":
            verb = _VERBS["en"][2 if same else (0 if up else 1)]
            prev = "previous month, pro-rated" if prorated and KPI_KIND[k] != "share" else "previous month"
            s = (f"{name} {verb} {_fmt_change(k, r, lang)} to {_fmt_value(k, r['value'], lang, currency)} "
                 f"({prev}: {_fmt_value(k, r['previous'], lang, currency)}); ")
            s += "a clear change." if r["clear"] else "within normal month-to-month variation."
        else:
            subject, plural_es = _ES_SUBJECT[k]
            verb = (_VERBS["es"] if plural_es else _VERBS_SG_ES)[2 if same else (0 if up else 1)]
            prev = "mes anterior, prorrateado" if prorated and KPI_KIND[k] != "share" else "mes anterior"
            s = (f"{subject} {verb} {_fmt_change(k, r, lang)} hasta {_fmt_value(k, r['value'], lang, currency)} "
                 f"({prev}: {_fmt_value(k, r['previous'], lang, currency)}); ")
            s += "un cambio claro." if r["clear"] else "dentro de la variación normal de un mes a otro."
        out.append(s)
    return out


def kpi_tiles(table: pd.DataFrame, lang: str = "en", *, currency: str = "USD") -> pd.DataFrame:
    """The KPI table formatted for display: one row per KPI with value and changes as text."""
    rows = []
    for _, r in table.iterrows():
        k = r["kpi"]
        ch = (lambda d, c: fmt.pp(d, lang) if KPI_KIND[k] == "share" else fmt.signed_change(c, lang))
        rows.append({
            label("kpi", lang): label(k, lang),
            label("value", lang): _fmt_value(k, r["value"], lang, currency) if pd.notna(r["value"]) else fmt.MISSING,
            label("previous", lang): _fmt_value(k, r["previous"], lang, currency) if pd.notna(r["previous"]) else fmt.MISSING,
            label("change_prev", lang): ch(r["diff_prev"], r["change_prev"]),
            label("last_year", lang): _fmt_value(k, r["last_year"], lang, currency) if pd.notna(r["last_year"]) else fmt.MISSING,
            label("change_yoy", lang): ch(r["diff_yoy"], r["change_yoy"]),
        })
    return pd.DataFrame(rows)


def headlines(table: pd.DataFrame, lang: str = "en", *, currency: str = "USD") -> list[dict]:
    """Index-tile headlines (``ctx.save_headlines('06', …)``): % of quota, MQLs against goal,
    first-contact SLA compliance. Items: ``key, label_en, label_es, value, display``."""
    t = table.set_index("kpi")
    goal = (table.attrs.get("goal") or {}).get("goal")
    mq = t.loc["mqls", "value"]
    pq, fc = t.loc["pct_quota", "value"], t.loc["first_contact_compliance", "value"]
    return [
        {"key": "pct_quota", "label_en": LABELS["en"]["pct_quota"], "label_es": LABELS["es"]["pct_quota"],
         "value": None if pd.isna(pq) else float(pq), "display": fmt.pct(pq, lang, 0)},
        {"key": "mqls_vs_goal", "label_en": "MQLs against goal", "label_es": "MQL frente a la meta",
         "value": None if pd.isna(mq) else float(mq),
         "display": f"{fmt.number(mq, lang)} / {fmt.number(goal, lang)}" if goal else fmt.number(mq, lang)},
        {"key": "sla_compliance", "label_en": LABELS["en"]["first_contact_compliance"],
         "label_es": LABELS["es"]["first_contact_compliance"], "value": None if pd.isna(fc) else float(fc),
         "display": fmt.pct(fc, lang, 0)},
    ]


# --------------------------------------------------------------------------------------------
# marketing
# --------------------------------------------------------------------------------------------
def by_source(client, period=None, months: int = 3) -> pd.DataFrame:
    """Visits, leads, customers, revenue, spend and return per source for the month and the
    ``months − 1`` months before it (DOMAIN §1, §5).

    Leads by ``leads.channel`` and creation month; customers and revenue by the lead's channel and
    the win month (:func:`won_revenue`); visits and spend from ``web_traffic`` by day (NaN without it).
    ``roi = (revenue − spend) / spend`` where spend > 0; ``visit_to_lead = leads / visits``.
    Tidy: one row per (month, channel). ``attrs['has_traffic']``, ``attrs['has_spend']``.
    """
    m = month_info(client, period)
    leads = client.leads
    won = won_revenue(client)
    wt = client.web_traffic
    has_traffic = wt is not None and len(wt) > 0
    has_spend = has_traffic and _has_values(wt, "spend")
    rows = []
    for p in pd.period_range(end=m.period, periods=months, freq="M"):
        mm = month_info(client, p)
        ch = leads.loc[mm.contains(leads["created_at"]), "channel"] if "channel" in leads else pd.Series(dtype="object")
        lead_n = ch.astype("object").fillna("(missing)").value_counts()
        w = won[mm.contains(won["won_at"])]
        wch = w["channel"].astype("object").fillna("(missing)")
        cust = w.groupby(wch)["lead_id"].nunique() if len(w) else pd.Series(dtype=float)
        rev = w.groupby(wch)["amount"].sum() if len(w) else pd.Series(dtype=float)
        if has_traffic:
            day = pd.to_datetime(wt["date"])
            inm = (day >= pd.Timestamp(p.start_time.date())) & (day < pd.Timestamp((p + 1).start_time.date()))
            vis = wt[inm].groupby(wt.loc[inm, "channel"].astype("object"))["visits"].sum().astype(float)
            spd = wt[inm].groupby(wt.loc[inm, "channel"].astype("object"))["spend"].sum(min_count=1) if has_spend else pd.Series(dtype=float)
        else:
            vis = spd = pd.Series(dtype=float)
        chans = sorted(set(lead_n.index) | set(cust.index) | set(vis.index))
        web_channels = set(wt["channel"].astype("object").dropna()) if has_traffic else set()
        for c in chans:
            rows.append({"month": str(p), "status": mm.status, "channel": c,
                         # a channel absent from the whole traffic export (offline events) has no visits
                         "visits": float(vis.get(c, 0.0)) if c in web_channels else np.nan,
                         "leads": int(lead_n.get(c, 0)), "customers": int(cust.get(c, 0)),
                         "revenue": float(rev.get(c, 0.0)),
                         "spend": float(spd.get(c, np.nan)) if has_spend else np.nan})
    out = pd.DataFrame(rows, columns=["month", "status", "channel", "visits", "leads", "customers", "revenue", "spend"])
    out["visit_to_lead"] = np.where(out["visits"] > 0, out["leads"] / out["visits"].where(out["visits"] > 0), np.nan)
    out["roi"] = np.where(out["spend"] > 0, (out["revenue"] - out["spend"]) / out["spend"].where(out["spend"] > 0), np.nan)
    out.attrs.update({"has_traffic": has_traffic, "has_spend": has_spend, "month": m})
    return out


def asset_conversion(client, period=None, *, conversion_types: tuple[str, ...] = CONVERSION_TYPES,
                     within_days: float | None = None, new_lead_hours: float = 1.0) -> pd.DataFrame:
    """Marketing assets (pages, CTAs, offers) by conversion rate in the month, from the activities log
    (seed 000 ch. 4: conversion rates of landing pages and calls to action).

    Two kinds of asset, told apart by their events in the month:

    - ``page`` (has views / engagement events): ``engaged`` = distinct leads with an event on it in the
      month; ``converted`` = those who made a conversion (``conversion_types``, on any asset) within
      ``within_days`` after their event on the page (next conversion found per lead with
      ``merge_asof``); ``rate = converted / engaged`` with a Wilson 95 % interval; ``too_small`` when
      engaged < ``analysis.min_group_size``. Conversions late in the month have less time to happen
      (the last days are censored the same way for every page, so the ranking stays fair).
    - ``offer`` (only conversion events: ebook, webinar, form): ``converted`` = distinct leads who
      converted on it; ``new_leads`` = of those, leads created within ``new_lead_hours`` of that
      conversion (the offer brought a new contact); ``rate`` = new_leads / converted.

    Columns: ``asset, kind, engaged, converted, rate, ci_low, ci_high, new_leads, too_small``; pages
    first, each kind by rate then asset. Empty with ``attrs['reason']`` when there is no dated log
    with assets (per-lead counters carry neither assets nor dates).
    """
    within_days = client.config.analysis.asset_conversion_days if within_days is None else within_days
    m = month_info(client, period)
    act = client.activities
    cols = ["asset", "kind", "engaged", "converted", "rate", "ci_low", "ci_high", "new_leads", "too_small"]
    if act is None or len(act) == 0 or not _has_values(act, "asset"):
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = "no_asset_log"
        return out
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
    out["too_small"] = out["base"] < client.config.analysis.min_group_size
    out["kind_order"] = out["kind"].map({"page": 0, "offer": 1})
    out = out.sort_values(["kind_order", "rate", "asset"], ascending=[True, False, True], kind="stable").reset_index(drop=True)
    out.attrs["reason"] = "" if len(out) else "no_events"
    return out[cols]


def follow_up_time(client, period=None, by: str = "channel", months: int = 3) -> pd.DataFrame:
    """Time from conversion (MQL date, else lead creation) to the first sales follow-up, for leads
    converting in the month and the ``months − 1`` before it, per ``by`` and overall ('Total').

    Columns: ``month, group, n, contacted, median_hours, p75_hours, within_sla`` (share of contacted
    leads followed up within ``sla.first_contact_hours``). Leads not contacted yet are counted in
    ``n`` but have no time. Empty with ``attrs['reason'] = 'no_contacts'`` without contact data.
    """
    m = month_info(client, period)
    clock = sla_clock(client)
    cols = ["month", "group", "n", "contacted", "median_hours", "p75_hours", "within_sla"]
    if clock.attrs["contact_source"] == "none":
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = "no_contacts"
        return out
    h = float(client.config.sla.first_contact_hours)
    rows = []
    for p in pd.period_range(end=m.period, periods=months, freq="M"):
        mm = month_info(client, p)
        c = clock[mm.contains(clock["clock_at"])]
        g = c[by].astype("object").fillna("(missing)") if by in c else pd.Series("(missing)", index=c.index)
        parts = [(TOTAL, c)] + [(k, v) for k, v in c.groupby(g, sort=True)]
        for k, v in parts:
            t = v["hours_to_follow_up"].dropna()
            rows.append({"month": str(p), "group": k, "n": int(len(v)), "contacted": int(len(t)),
                         "median_hours": float(t.median()) if len(t) else np.nan,
                         "p75_hours": float(t.quantile(0.75)) if len(t) else np.nan,
                         "within_sla": float((t <= h).mean()) if len(t) else np.nan})
    out = pd.DataFrame(rows, columns=cols)
    out.attrs["reason"] = ""
    out.attrs["clock"] = clock.attrs["clock"]
    return out


# --------------------------------------------------------------------------------------------
# sales
# --------------------------------------------------------------------------------------------
def quota_attainment(client, period=None, by: str = "team") -> pd.DataFrame:
    """Sales against quota for the month, per ``team`` or ``owner`` (rep), plus a 'Total' row.

    Revenue = won business of the month (:func:`won_revenue`) attributed to the deal's (else the
    lead's) team / owner; quota = the quotas rows of that level for the month (total: the company
    quota, :func:`company_quota`). ``pct = revenue / quota``; ``gap = quota − revenue`` (positive:
    short of quota). In a partial month ``expected_to_date = quota × share of the month covered``.
    Empty with ``attrs['reason'] = 'no_quota'`` when there is no quota at all.
    """
    m = month_info(client, period)
    won = won_revenue(client)
    w = won[m.contains(won["won_at"])]
    total_q = company_quota(client, m.period)
    cols = ["group", "quota", "revenue", "pct", "gap", "expected_to_date", "won_deals"]
    if total_q is None:
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = "no_quota"
        return out
    rows = _quota_rows(client, m.period)
    qby = pd.Series(dtype=float)
    if rows is not None and by in rows:
        lvl = rows[rows[by].notna()]
        if by == "team" and "owner" in lvl:  # team quotas are the rows without a rep
            lvl = lvl[lvl["owner"].isna()]
        qby = lvl.groupby(lvl[by].astype("object"))["amount"].sum()
    g = w[by].astype("object").fillna("(missing)") if by in w else pd.Series("(missing)", index=w.index)
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
    out.attrs["reason"] = ""
    out.attrs["month"] = m
    return out[cols]


def pipeline(client, period=None) -> pd.DataFrame:
    """Open pipeline at the end of the month (or at data_end in a partial month) by ``pipeline_stage``.

    A deal is open at time t when created ≤ t and not closed by t (``closed_at`` missing or > t);
    for the current month that is ``stage == 'open'``. The stage shown is the one in the export
    (as of data_end). Columns: ``pipeline_stage, deals, amount``. Empty with ``attrs['reason']``
    'no_deals' without a deals table.
    """
    m = month_info(client, period)
    d = client.deals
    cols = ["pipeline_stage", "deals", "amount"]
    if d is None or len(d) == 0:
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = "no_deals"
        return out
    t = min(m.end, m.data_end)
    created = d["created_at"] <= t if "created_at" in d else pd.Series(True, index=d.index)
    closed_by = (d["closed_at"] <= t).fillna(False).astype(bool) if "closed_at" in d else pd.Series(False, index=d.index)
    still_open = (d["stage"] == "open") | ((d["stage"] != "open") & ~closed_by)
    o = d[created.fillna(False).astype(bool) & still_open]
    stage = (o["pipeline_stage"] if "pipeline_stage" in o else o["stage"]).astype("object").fillna("(missing)")
    amt = pd.to_numeric(o["amount"], errors="coerce") if "amount" in o else pd.Series(np.nan, index=o.index)
    out = pd.DataFrame({"pipeline_stage": stage, "amount": amt}).groupby("pipeline_stage", sort=True).agg(
        deals=("amount", "size"), amount=("amount", "sum")).reset_index()
    out.attrs["reason"] = ""
    return out[cols]


def _cycle_stats(client, o: pd.DataFrame, keep: pd.Series, by: str | None) -> pd.DataFrame:
    """Won-lead cycle statistics (days from lead creation to win) of the won leads in ``keep``.

    Through ``smk.analyses.closerate.sales_cycle`` (03) when available: the outcomes passed to it have every
    other lead marked lost (so its won-only median/quartiles cover exactly these wins and its
    Kaplan–Meier part, which is not used here, ignores them). LOCAL otherwise (same formulas).
    Columns: ``group, n, median_days, p25_days, p75_days``; ``attrs['source']``.
    """
    reuse = _reuse("closerate", "sales_cycle")
    if reuse is not None:
        try:
            oo = o.copy()
            other = ~keep.to_numpy()
            oo.loc[other, "won"] = False
            oo.loc[other, "status"] = "lost"
            res = reuse(client, by, start="lead", outcomes=oo)
            out = pd.DataFrame({"group": res["group"].astype("object"), "n": res["n_won"].astype(int),
                                "median_days": res["median_days"], "p25_days": res["q1_days"],
                                "p75_days": res["q3_days"]})
            out = out[out["n"] > 0] if by is not None else out
            out.attrs["source"] = "smk.analyses.closerate"
            return out.reset_index(drop=True)
        except Exception:
            pass
    leads = client.leads
    key = (leads[by].astype("object").fillna("(missing)").to_numpy() if by is not None and by in leads
           else np.full(len(leads), "(all)", dtype=object))
    d = pd.DataFrame({"group": key, "days": ((o["won_at"] - o["created_at"]).dt.total_seconds() / 86400).to_numpy()})
    d = d[keep.to_numpy() & d["days"].notna().to_numpy()]
    g = d.groupby("group", sort=True)["days"]
    out = pd.DataFrame({"n": g.size(), "median_days": g.median(), "p25_days": g.quantile(0.25),
                        "p75_days": g.quantile(0.75)}).reset_index()
    out.attrs["source"] = "local"
    return out


def won_cycle(client, period=None, by: str = "channel", history_months: int = 12) -> pd.DataFrame:
    """Sales cycle of the customers won in the month: days from lead creation to the win
    (DOMAIN §5: "time from marketing lead to customer"), overall ('Total') and per ``by``, with the
    median of the wins of the ``history_months`` before for reference.

    Columns: ``group, n, median_days, p25_days, p75_days, history_median_days``;
    ``attrs['source']`` ('smk.analyses.closerate' or 'local').
    """
    m = month_info(client, period)
    o = lead_outcomes(client)
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
    out.attrs["source"] = parts[0].attrs.get("source", "local")
    return out[["group", "n", "median_days", "p25_days", "p75_days", "history_median_days"]]


# --------------------------------------------------------------------------------------------
# SLA status
# --------------------------------------------------------------------------------------------
def commitments(client, period=None, *, compliance_target: float = 0.9) -> pd.DataFrame:
    """Both sides' SLA commitments with this month's actuals: met / missed (or, while the month is
    not over, on track / behind).

    Uses ``smk.analyses.sla.commitments`` (04) when available: marketing delivers the MQL goal and the MQL
    value; sales first-contacts and makes the attempts on ≥ target of new MQLs. LOCAL minimal
    version otherwise: marketing MQLs ≥ goal (:func:`mql_goal`; a partial month is judged against
    goal × elapsed share); sales first-contact and attempts compliance (:func:`first_contact_status`,
    :func:`attempts_status`) ≥ ``compliance_target`` (90 %, a documented assumption).
    Columns: ``side, commitment, label_en, label_es, target, actual, unit ('count'|'money'|'share'),
    status ('met'|'missed'|'on_track'|'behind'|'pending'|'unknown'), source``.
    """
    m = month_info(client, period)
    cols = ["side", "commitment", "label_en", "label_es", "target", "actual", "unit", "status", "source"]
    reuse = _reuse("sla", "commitments")
    if reuse is not None and m.status != "no_data":
        try:
            res = reuse(client, str(m.period), target=compliance_target)
            if isinstance(res, pd.DataFrame) and len(res) and "met" in res:
                res = res.copy()
                met = res["met"].astype("boolean")
                on = res["on_track"].astype(bool) if "on_track" in res else pd.Series(False, index=res.index)
                judged_any = res["actual"].notna()
                res["status"] = np.where(met.fillna(False).astype(bool), "met",
                                np.where((~met).fillna(False).astype(bool), "missed",
                                np.where(~judged_any, "unknown", np.where(on, "on_track", "behind"))))
                res["source"] = "smk.analyses.sla"
                return res[cols].reset_index(drop=True)
        except Exception:  # 04 cannot judge this month: local version below
            pass
    sla = client.config.sla
    rows = []
    g = mql_goal(client, m.period).get("goal") if m.status != "no_data" else None
    mqls = float(m.contains(client.leads["mql_at"]).sum()) if _has_values(client.leads, "mql_at") else np.nan
    partial = m.status == "partial"
    if g is None or np.isnan(mqls):
        target, mk_status = np.nan, "unknown"
    else:
        target = g * (elapsed_fraction(client, m) if partial else 1.0)
        ok = mqls >= target
        mk_status = ("on_track" if ok else "behind") if partial else ("met" if ok else "missed")
    rows.append({"side": "marketing", "commitment": "mqls", "label_en": "MQLs delivered in the month",
                 "label_es": "MQL entregados en el mes", "target": target, "actual": mqls, "unit": "count",
                 "status": mk_status})
    clock = sla_clock(client)
    hours = fmt.number(sla.first_contact_hours, "en")
    texts = {"first_contact": (f"New MQLs first contacted within {hours} h",
                               f"MQL nuevos contactados en {fmt.number(sla.first_contact_hours, 'es')} h"),
             "attempts": (f"New MQLs with {sla.attempts} attempts within {sla.attempts_within_days} days",
                          f"MQL nuevos con {sla.attempts} intentos en {sla.attempts_within_days} días")}
    for name, fn in (("first_contact", first_contact_status), ("attempts", attempts_status)):
        row = {"side": "sales", "commitment": name, "label_en": texts[name][0], "label_es": texts[name][1],
               "target": compliance_target, "unit": "share"}
        if clock.attrs["contact_source"] == "none" or m.status == "no_data":
            rows.append({**row, "actual": np.nan, "status": "unknown"})
            continue
        r = _compliance_row(fn(client, m, clock)["sla_status"])
        if r["judged"] == 0:
            status = "pending" if r["pending"] else "unknown"
        else:
            ok = r["compliance"] >= compliance_target
            status = ("on_track" if ok else "behind") if partial or (name == "attempts" and r["pending"]) else (
                "met" if ok else "missed")
        rows.append({**row, "actual": r["compliance"], "status": status})
    out = pd.DataFrame(rows)
    out["source"] = "local"
    return out[cols]


def describe_commitment(row: pd.Series, client=None, lang: str = "en") -> str:
    """Client-facing wording of one commitment row (its ``label_en`` / ``label_es``)."""
    return str(row.get(f"label_{fmt.check_lang(lang)}", row["commitment"]))


def _fmt_unit(v, unit: str, lang: str, currency: str) -> str:
    if unit == "money":
        return fmt.money(v, currency, lang)
    if unit == "share":
        return fmt.pct(v, lang)
    return fmt.number(v, lang)


# --------------------------------------------------------------------------------------------
# disputes and agenda
# --------------------------------------------------------------------------------------------
def quality_disputes(client, period=None, *, baseline_months: int | None = None, by: str = "channel") -> pd.DataFrame:
    """Lead-quality disputes the data suggest: per channel, did the rate fall against the channel's
    own baseline?

    Metrics: ``mql_rate`` (lead → MQL; leads created in the month vs the ``baseline_months`` before)
    and ``close_rate`` (won within ``analysis.close_window_days``; latest month whose leads are all at
    least that old at data_end vs the ``baseline_months`` before it). Test: two-sided Fisher exact
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
    o["group"] = (leads[by].astype("object").fillna("(missing)").to_numpy() if by in leads else "(missing)")
    win = pd.Timedelta(days=cfg.close_window_days)
    o["mql"] = o["mql_at"].notna() if _has_values(leads, "mql_at") else np.nan
    o["won_in"] = (o["won"] & ((o["won_at"] - o["created_at"]) <= win)).fillna(False).astype(bool)
    tests = []
    if _has_values(leads, "mql_at") and m.status != "no_data":
        tests.append(("mql_rate", m.period, "mql"))
    # latest cohort month fully mature at data_end, not after the report month
    mature = _local_period(m.data_end - win, client.tz) - 1
    if m.status != "no_data":
        mature = min(mature, m.period)
        tests.append(("close_rate", mature, "won_in"))
    rows = []
    for metric, cohort, col in tests:
        cm = month_info(client, cohort)
        b0, _ = month_bounds(cohort - baseline_months, m.start.tz)
        rec = o[cm.contains(o["created_at"])]
        base = o[((o["created_at"] >= b0) & (o["created_at"] < cm.start)).fillna(False).astype(bool)]
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
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["qvalue"] = bh_adjust(out["pvalue"].where(~out["too_small"]))
    out["dispute"] = (out["recent_rate"] < out["baseline_rate"]) & (out["qvalue"] < cfg.alpha) & ~out["too_small"]
    return out[cols]


def agenda(client, period=None, lang: str = "en", *, table: pd.DataFrame | None = None,
           baseline_months: int | None = None) -> dict[str, pd.DataFrame]:
    """Agendas for the meetings of seed 000 ch. 5.

    ``weekly``: one-screen smarketing-meeting summary — status against each SLA goal, then the
    three highlights of the narrative. ``monthly``: management-meeting items — metrics review (KPI
    movements), SLA issues (missed commitments), disputes the data suggest (:func:`quality_disputes`),
    and the SLA the contact data recommend (``smk.analyses.attempts.recommend_sla``, 05) when it differs from
    client.yml. Each is a DataFrame with columns ``item, detail`` (client-facing, in ``lang``).
    """
    baseline_months = client.config.analysis.dispute_baseline_months if baseline_months is None else baseline_months
    fmt.check_lang(lang)
    table = kpis(client, period) if table is None else table
    m: Month = table.attrs["month"]
    cur = client.config.currency
    com = commitments(client, m.period)
    weekly = []
    for _, r in com.iterrows():
        st = status_label(r["status"], lang)
        det = f"{_fmt_unit(r['actual'], r['unit'], lang, cur)} / {_fmt_unit(r['target'], r['unit'], lang, cur)} → {st}"
        weekly.append({"item": describe_commitment(r, client, lang), "detail": det})
    for s in narrative(table, lang, currency=cur):
        weekly.append({"item": "Highlight" if lang == "en" else "Destacado", "detail": s})
    monthly = []
    for s in narrative(table, lang, currency=cur):
        monthly.append({"item": "Metrics review" if lang == "en" else "Revisión de métricas", "detail": s})
    for _, r in com[com["status"].isin(["missed", "behind"])].iterrows():
        monthly.append({"item": "SLA issue" if lang == "en" else "Problema con el ANS",
                        "detail": f"{describe_commitment(r, client, lang)}: {_fmt_unit(r['actual'], r['unit'], lang, cur)}"
                                  f" / {_fmt_unit(r['target'], r['unit'], lang, cur)} ({status_label(r['status'], lang)})"})
    dis = quality_disputes(client, m.period, baseline_months=baseline_months)
    for _, r in dis[dis["dispute"]].iterrows() if len(dis) else []:
        what = {"mql_rate": ("lead → MQL rate", "tasa lead → MQL"), "close_rate": ("close rate", "tasa de cierre")}[r["metric"]]
        monthly.append({"item": "Dispute: lead quality" if lang == "en" else "Disputa: calidad de los leads",
                        "detail": (f"{r['group']}: {what[0]} fell to {fmt.pct(r['recent_rate'], lang)} "
                                   f"(n = {fmt.number(r['recent_n'], lang)}) from {fmt.pct(r['baseline_rate'], lang)} "
                                   f"in the {baseline_months} months before (Fisher exact, q = {fmt.number(r['qvalue'], lang, 3)})."
                                   if lang == "en" else
                                   f"{r['group']}: la {what[1]} bajó a {fmt.pct(r['recent_rate'], lang)} "
                                   f"(n = {fmt.number(r['recent_n'], lang)}) desde {fmt.pct(r['baseline_rate'], lang)} "
                                   f"en los {baseline_months} meses anteriores (Fisher exacto, q = {fmt.number(r['qvalue'], lang, 3)}).")})
    if m.status != "no_data":
        fc = first_contact_compliance(client, m.period, by="team")
        for _, r in fc[fc["direction"].eq("below")].iterrows():
            monthly.append({"item": "Dispute: follow-up" if lang == "en" else "Disputa: seguimiento",
                            "detail": (f"Team {r['group']}: {fmt.pct(r['compliance'], lang)} of new MQLs first contacted "
                                       f"in time (n = {fmt.number(r['judged'], lang)}), significantly below the other teams "
                                       f"(Fisher exact vs the rest, q = {fmt.number(r['qvalue'], lang, 3)})."
                                       if lang == "en" else
                                       f"Equipo {r['group']}: {fmt.pct(r['compliance'], lang)} de los MQL nuevos contactados "
                                       f"a tiempo (n = {fmt.number(r['judged'], lang)}), claramente por debajo del resto de "
                                       f"equipos (Fisher exacto frente al resto, q = {fmt.number(r['qvalue'], lang, 3)}).")})
    rec = _reuse("attempts", "recommend_sla")
    if rec is not None:
        try:
            r = rec(client)
        except Exception:
            r = None
        sla = client.config.sla
        if r and (r.get("attempts") != sla.attempts or r.get("first_contact_hours") != sla.first_contact_hours):
            monthly.append({"item": "SLA definition" if lang == "en" else "Definición del ANS",
                            "detail": r.get(f"evidence_{lang}", "")})
    if not monthly:
        monthly.append({"item": "Metrics review" if lang == "en" else "Revisión de métricas",
                        "detail": "Nothing stands out this month." if lang == "en" else "Nada destaca este mes."})
    return {"weekly": pd.DataFrame(weekly, columns=["item", "detail"]),
            "monthly": pd.DataFrame(monthly, columns=["item", "detail"])}


# --------------------------------------------------------------------------------------------
# words for the notebook (one bilingual sentence under each result)
# --------------------------------------------------------------------------------------------
def _html(text: str, tag: str = "p"):
    import html as _h

    from smk.views.html import Html

    return Html(f"<{tag}>{_h.escape(text)}</{tag}>", text)


def _t(lang: str, en: str, es: str) -> str:
    return en if fmt.check_lang(lang) == "en" else es


def say_notes(table: pd.DataFrame, lang: str = "en"):
    """The month's notes (no data, partial, first month, no quota, …) as caution boxes."""
    from smk.views.html import Html, note_html

    notes = table.attrs.get("notes", [])
    if not notes:
        return Html("", "")
    boxes = [note_html(n[lang], "note", _t(lang, "Note", "Nota")) for n in notes]
    return Html("".join(b.html for b in boxes), "\n".join(b.text for b in boxes))


def say_narrative(table: pd.DataFrame, lang: str = "en", *, currency: str = "USD"):
    """The three most important movements (:func:`narrative`) as a list."""
    import html as _h

    from smk.views.html import Html

    items = narrative(table, lang, currency=currency)
    return Html("<ul>" + "".join(f"<li>{_h.escape(x)}</li>" for x in items) + "</ul>", "\n".join(items))


def tiles_html(table: pd.DataFrame, lang: str = "en", *, currency: str = "USD"):
    """The executive-summary KPI tiles: value, change vs previous month and vs last year."""
    import html as _h

    from smk.views import theme
    from smk.views.html import Html

    cells, texts = [], []
    for _, r in table.iterrows():
        k = r["kpi"]
        val = _fmt_value(k, r["value"], lang, currency) if pd.notna(r["value"]) else fmt.MISSING
        ch = fmt.pp(r["diff_prev"], lang) if KPI_KIND[k] == "share" else fmt.signed_change(r["change_prev"], lang)
        yoy = fmt.pp(r["diff_yoy"], lang) if KPI_KIND[k] == "share" else fmt.signed_change(r["change_yoy"], lang)
        colour = theme.COLORS["neutral"]
        if pd.notna(r["diff_prev"]) and r["diff_prev"] != 0:
            colour = theme.COLORS["good"] if r["diff_prev"] > 0 else theme.COLORS["bad"]
        vs_prev = _t(lang, "vs previous month", "vs mes anterior")
        vs_year = _t(lang, "vs last year", "vs año anterior")
        cells.append(
            '<div style="flex:1 1 9em;border:1px solid #ddd;border-radius:6px;padding:6px 8px;min-width:9em">'
            f'<div style="font-size:0.8em;color:#555">{_h.escape(label(k, lang))}</div>'
            f'<div style="font-size:1.5em;font-weight:bold">{_h.escape(val)}</div>'
            f'<div style="font-size:0.8em;color:{colour}">{_h.escape(ch)} {_h.escape(vs_prev)}</div>'
            f'<div style="font-size:0.8em;color:#555">{_h.escape(yoy)} {_h.escape(vs_year)}</div></div>')
        texts.append(f"{label(k, lang)}: {val} ({ch} {vs_prev}; {yoy} {vs_year})")
    return Html('<div style="display:flex;flex-wrap:wrap;gap:6px">' + "".join(cells) + "</div>", "\n".join(texts))


def say_sources(src: pd.DataFrame, lang: str = "en", *, currency: str = "USD"):
    """Which source brought most leads and customers this month; return where spend exists."""
    m: Month = src.attrs["month"]
    cur = src[src["month"] == str(m.period)]
    if cur.empty or cur["leads"].sum() == 0:
        return _html(_t(lang, "No leads this month.", "No hay leads este mes."))
    top = cur.sort_values(["leads", "channel"], ascending=[False, True], kind="stable").iloc[0]
    tc = cur.sort_values(["customers", "channel"], ascending=[False, True], kind="stable").iloc[0]
    share = top["leads"] / cur["leads"].sum()
    en = (f"{top['channel']} brought the most leads ({fmt.number(top['leads'], 'en')}, {fmt.pct(share, 'en', 0)} of the "
          f"month's); {tc['channel']} the most customers ({fmt.number(tc['customers'], 'en')}).")
    es = (f"{top['channel']} trajo más leads ({fmt.number(top['leads'], 'es')}, {fmt.pct(share, 'es', 0)} del mes); "
          f"{tc['channel']}, más clientes ({fmt.number(tc['customers'], 'es')}).")
    if src.attrs["has_spend"]:
        sp = cur[cur["spend"] > 0]
        parts_en = [f"{r['channel']} {fmt.money(r['spend'], currency, 'en')} spent, {fmt.money(r['revenue'], currency, 'en')} won"
                    for _, r in sp.iterrows()]
        parts_es = [f"{r['channel']} {fmt.money(r['spend'], currency, 'es')} invertidos, {fmt.money(r['revenue'], currency, 'es')} ganados"
                    for _, r in sp.iterrows()]
        en += (" Return where the data have spend: " + "; ".join(parts_en) + ". Revenue counts the deals won this "
               "month, from leads that may have arrived months earlier." if parts_en else "")
        es += (" Retorno donde los datos traen inversión: " + "; ".join(parts_es) + ". Los ingresos son los negocios "
               "ganados este mes, de leads que pudieron llegar meses antes." if parts_es else "")
    if not src.attrs["has_traffic"]:
        en += " There is no web-traffic export, so visits and visit-to-lead rates are not shown."
        es += " No hay exportación de tráfico web: no se muestran visitas ni tasas de visita a lead."
    elif not src.attrs["has_spend"]:
        en += " The traffic export has no spend, so no return on spend can be computed."
        es += " La exportación de tráfico no trae inversión: no se puede calcular el retorno."
    return _html(_t(lang, en, es))


def say_assets(assets: pd.DataFrame, lang: str = "en"):
    """Best page by view→conversion rate and best offer by new leads (groups too small left out)."""
    if assets.attrs.get("reason") == "no_asset_log":
        return _html(_t(lang, "There is no activity log with assets (pages, forms, offers): asset conversion rates cannot be computed.",
                        "No hay registro de actividad con activos (páginas, formularios, ofertas): no se pueden calcular sus tasas de conversión."))
    ok = assets[~assets["too_small"]]
    if ok.empty:
        return _html(_t(lang, "Too few leads per asset this month to compare them.",
                        "Muy pocos leads por activo este mes para compararlos."))
    out_en, out_es = [], []
    pages = ok[ok["kind"] == "page"]
    if len(pages):
        b, w = pages.iloc[0], pages.iloc[-1]
        out_en.append(f"Of the leads who engaged with {b['asset']}, {fmt.pct(b['rate'], 'en')} converted within a week "
                      f"({fmt.number(b['converted'], 'en')} of {fmt.number(b['engaged'], 'en')}); the lowest page is {w['asset']} "
                      f"at {fmt.pct(w['rate'], 'en')}.")
        out_es.append(f"De los leads que interactuaron con {b['asset']}, el {fmt.pct(b['rate'], 'es')} convirtió en una semana "
                      f"({fmt.number(b['converted'], 'es')} de {fmt.number(b['engaged'], 'es')}); la página más baja es {w['asset']}, "
                      f"con {fmt.pct(w['rate'], 'es')}.")
    offers = ok[ok["kind"] == "offer"].sort_values(["new_leads", "asset"], ascending=[False, True], kind="stable")
    if len(offers):
        o = offers.iloc[0]
        out_en.append(f"The offer that brought the most new leads was {o['asset']} ({fmt.number(o['new_leads'], 'en')}).")
        out_es.append(f"La oferta que trajo más leads nuevos fue {o['asset']} ({fmt.number(o['new_leads'], 'es')}).")
    return _html(_t(lang, " ".join(out_en), " ".join(out_es)))


def say_follow_up(fu: pd.DataFrame, lang: str = "en", *, hours: float = 4.0):
    """Median time to the first sales follow-up this month against the previous month."""
    if fu.attrs.get("reason") == "no_contacts":
        return _html(_t(lang, "The data record no sales contacts, so the time to follow-up cannot be measured.",
                        "Los datos no registran contactos de ventas: no se puede medir el tiempo hasta el seguimiento."))
    allr = fu[fu["group"] == TOTAL].reset_index(drop=True)
    if allr.empty or pd.isna(allr["median_hours"].iloc[-1]):
        return _html(_t(lang, "No lead converted and was followed up this month.", "Ningún lead convirtió y recibió seguimiento este mes."))
    c = allr.iloc[-1]
    en = (f"Half of this month's converted leads got a first sales follow-up within {fmt.duration_hours(c['median_hours'], 'en')}; "
          f"{fmt.pct(c['within_sla'], 'en')} within the SLA's {fmt.number(hours, 'en')} h.")
    es = (f"La mitad de los leads convertidos este mes tuvo un primer seguimiento de ventas en {fmt.duration_hours(c['median_hours'], 'es')}; "
          f"el {fmt.pct(c['within_sla'], 'es')}, dentro de las {fmt.number(hours, 'es')} h del ANS.")
    if len(allr) > 1 and pd.notna(allr["median_hours"].iloc[-2]):
        p = allr.iloc[-2]
        en += f" Previous month: {fmt.duration_hours(p['median_hours'], 'en')} and {fmt.pct(p['within_sla'], 'en')}."
        es += f" Mes anterior: {fmt.duration_hours(p['median_hours'], 'es')} y {fmt.pct(p['within_sla'], 'es')}."
    return _html(_t(lang, en, es))


def say_quota(q: pd.DataFrame, lang: str = "en", *, currency: str = "USD"):
    """% of quota attained and the gap, with the best and worst group."""
    if q.attrs.get("reason") == "no_quota":
        return _html(_t(lang, "There is no sales quota for this month (no quotas export and no marketing.monthly_quota in client.yml): "
                              "sales cannot be compared with a quota.",
                        "No hay cuota de ventas para este mes (ni exportación de cuotas ni marketing.monthly_quota en client.yml): "
                        "no se pueden comparar las ventas con una cuota."))
    tot = q[q["group"] == TOTAL].iloc[0]
    gap_en = (f"{fmt.money(tot['gap'], currency, 'en')} short of it" if tot["gap"] > 0 else
              f"{fmt.money(-tot['gap'], currency, 'en')} above it")
    gap_es = (f"faltan {fmt.money(tot['gap'], currency, 'es')}" if tot["gap"] > 0 else
              f"{fmt.money(-tot['gap'], currency, 'es')} por encima")
    en = (f"Sales reached {fmt.pct(tot['pct'], 'en')} of the month's quota ({fmt.money(tot['revenue'], currency, 'en')} of "
          f"{fmt.money(tot['quota'], currency, 'en')}; {gap_en}).")
    es = (f"Ventas alcanzó el {fmt.pct(tot['pct'], 'es')} de la cuota del mes ({fmt.money(tot['revenue'], currency, 'es')} de "
          f"{fmt.money(tot['quota'], currency, 'es')}; {gap_es}).")
    g = q[(q["group"] != TOTAL) & q["pct"].notna()].sort_values(["pct", "group"], ascending=[False, True], kind="stable")
    if len(g) > 1:
        b, w = g.iloc[0], g.iloc[-1]
        en += f" Highest: {b['group']} ({fmt.pct(b['pct'], 'en', 0)}); lowest: {w['group']} ({fmt.pct(w['pct'], 'en', 0)})."
        es += f" Más alto: {b['group']} ({fmt.pct(b['pct'], 'es', 0)}); más bajo: {w['group']} ({fmt.pct(w['pct'], 'es', 0)})."
    m = q.attrs.get("month")
    if m is not None and m.status == "partial":
        en += f" The month is not over: by now {fmt.money(tot['expected_to_date'], currency, 'en')} would be on pace."
        es += f" El mes no ha terminado: a esta fecha, {fmt.money(tot['expected_to_date'], currency, 'es')} irían al ritmo."
    return _html(_t(lang, en, es))


def say_pipeline(p: pd.DataFrame, lang: str = "en", *, currency: str = "USD"):
    """Open deals and their amount at the end of the month."""
    if p.attrs.get("reason") == "no_deals" or p.empty:
        return _html(_t(lang, "There is no deals export (or no open deal), so no pipeline can be shown.",
                        "No hay exportación de negocios (o ningún negocio abierto): no se puede mostrar el embudo."))
    return _html(_t(lang, f"{fmt.number(p['deals'].sum(), 'en')} open deals worth {fmt.money(p['amount'].sum(), currency, 'en')} "
                          "at the end of the month (stages as exported).",
                    f"{fmt.number(p['deals'].sum(), 'es')} negocios abiertos por {fmt.money(p['amount'].sum(), currency, 'es')} "
                    "al cierre del mes (etapas según la exportación)."))


def say_cycle(cyc: pd.DataFrame, lang: str = "en"):
    """Median sales cycle of this month's wins against the previous twelve months."""
    a = cyc[cyc["group"] == TOTAL].iloc[0]
    if a["n"] == 0:
        return _html(_t(lang, "No customer was won this month.", "No se ganó ningún cliente este mes."))
    en = (f"The {fmt.number(a['n'], 'en')} customers won this month took a median of {fmt.number(a['median_days'], 'en')} days "
          f"from lead to customer (previous 12 months: {fmt.number(a['history_median_days'], 'en')} days).")
    es = (f"Los {fmt.number(a['n'], 'es')} clientes ganados este mes tardaron una mediana de {fmt.number(a['median_days'], 'es')} días "
          f"de lead a cliente (12 meses anteriores: {fmt.number(a['history_median_days'], 'es')} días).")
    return _html(_t(lang, en, es))


def say_compliance(fc: pd.DataFrame, lang: str = "en"):
    """Follow-up SLA compliance per team, naming teams significantly below the rest."""
    if fc.empty or fc["judged"].sum() == 0:
        return _html(_t(lang, "No new MQL of this month can be judged against the follow-up SLA yet.",
                        "Aún no se puede juzgar ningún MQL nuevo de este mes frente al ANS de seguimiento."))
    low = fc[fc["direction"].eq("below")]["group"].astype(str).tolist()
    overall = fc["met"].sum() / fc["judged"].sum()
    en = f"{fmt.pct(overall, 'en')} of this month's new MQLs were first contacted in time."
    es = f"El {fmt.pct(overall, 'es')} de los MQL nuevos del mes se contactó a tiempo."
    if low:
        en += f" Significantly below the other teams (Fisher exact, BH-corrected): {', '.join(low)}."
        es += f" Claramente por debajo del resto de equipos (Fisher exacto, corrección BH): {', '.join(low)}."
    return _html(_t(lang, en, es))


def commitments_table(com: pd.DataFrame, lang: str = "en", *, currency: str = "USD") -> pd.DataFrame:
    """The SLA commitments ready to display: side, commitment, target, actual (formatted), status."""
    return pd.DataFrame({
        label("side", lang): [label(x, lang) for x in com["side"]],
        label("commitment", lang): com[f"label_{lang}"].tolist(),
        label("target", lang): [_fmt_unit(v, u, lang, currency) for v, u in zip(com["target"], com["unit"])],
        label("actual", lang): [_fmt_unit(v, u, lang, currency) for v, u in zip(com["actual"], com["unit"])],
        label("status", lang): [status_label(x, lang) for x in com["status"]],
    })


def say_commitments(com: pd.DataFrame, lang: str = "en"):
    """How many commitments each side met this month."""
    parts_en, parts_es = [], []
    for side in ("marketing", "sales"):
        c = com[com["side"] == side]
        met = int((c["status"] == "met").sum())
        ok = int(c["status"].isin(["met", "on_track"]).sum())
        parts_en.append(f"{label(side, 'en')}: {met} of {len(c)} commitments met" + (f" ({ok} met or on track)" if ok != met else ""))
        parts_es.append(f"{label(side, 'es')}: {met} de {len(c)} compromisos cumplidos" + (f" ({ok} cumplidos o en camino)" if ok != met else ""))
    return _html(_t(lang, "; ".join(parts_en) + ".", "; ".join(parts_es) + "."))


def agenda_table(items: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """An agenda (:func:`agenda`) with its column headers in ``lang``."""
    return items.rename(columns={"item": label("item", lang), "detail": label("detail", lang)})


# --------------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------------
def _max_n_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator


def plot_series(series: pd.DataFrame, *, metric: str = "mqls", period=None, lang: str = "en", ax=None):
    """Monthly bars of ``metric`` (:func:`monthly_series`), the report month highlighted."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("wide"))
    x = [fmt.month(p, lang, short=True) for p in series["month"]]
    colors = [theme.COLORS["highlight"] if str(p) == str(period) else theme.COLORS["neutral"] for p in series["month"]]
    ax.bar(x, series[metric].fillna(0).to_numpy(dtype=float), color=colors)
    _ = ax.set_title(label(metric, lang))
    ax.tick_params(axis="x", rotation=45)
    ax.yaxis.set_major_locator(_max_n_locator()(integer=True))  # counts: no fractional ticks
    theme.format_axis(ax, "y", "number", lang)
    return ax


def plot_trends(series: pd.DataFrame, *, period=None, lang: str = "en", currency: str = "USD", axes=None):
    """Leads, MQLs, customers and revenue per month (:func:`monthly_series`), the report month
    highlighted; a 2 × 2 grid. Returns the array of Axes."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=theme.figsize("tall"))
    flat = np.asarray(axes).ravel()
    for ax, metric in zip(flat, ("leads", "mqls", "customers", "revenue")):
        plot_series(series, metric=metric, period=period, lang=lang, ax=ax)
        if metric == "revenue":
            theme.format_axis(ax, "y", "money", lang, currency=currency)
        ax.tick_params(axis="x", labelsize=8)
    return axes


def plot_by_source(table: pd.DataFrame, *, metric: str = "leads", lang: str = "en", ax=None):
    """Grouped bars of ``metric`` per source for each month of :func:`by_source`."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("wide"))
    wide = table.pivot_table(index="channel", columns="month", values=metric, aggfunc="sum", fill_value=0)
    months = list(wide.columns)
    width = 0.8 / max(len(months), 1)
    xs = np.arange(len(wide))
    for i, mo in enumerate(months):
        ax.bar(xs + i * width, wide[mo].to_numpy(dtype=float), width, label=fmt.month(mo, lang, short=True),
               color=theme.palette(len(months))[i])
    ax.set_xticks(xs + width * (len(months) - 1) / 2, [str(c) for c in wide.index], rotation=30)
    if months:
        ax.legend()
    _ = ax.set_title(f"{label(metric, lang)} · {label('channel', lang).lower()}")
    return ax


def plot_quota(table: pd.DataFrame, *, currency: str = "USD", lang: str = "en", ax=None):
    """Revenue against quota per group (:func:`quota_attainment`), with the % attained."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("normal"))
    t = table.reset_index(drop=True)
    xs = np.arange(len(t))
    ax.bar(xs - 0.2, t["quota"].fillna(0).to_numpy(dtype=float), 0.4, color=theme.COLORS["neutral"], label=label("quota", lang))
    ax.bar(xs + 0.2, t["revenue"].to_numpy(dtype=float), 0.4, color=theme.COLORS["sales"], label=label("revenue", lang))
    for x, (_, r) in zip(xs, t.iterrows()):
        if pd.notna(r["pct"]):
            ax.annotate(fmt.pct(r["pct"], lang, 0), (x + 0.2, r["revenue"]), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(xs, [str(g) for g in t["group"]], rotation=20)
    theme.format_axis(ax, "y", "money", lang, currency=currency)
    ax.legend()
    _ = ax.set_title(f"{label('revenue', lang)} / {label('quota', lang).lower()}")
    return ax


def plot_mql_pacing(client, period=None, *, lang: str = "en", ax=None):
    """Cumulative daily MQLs of the month against the goal line (DOMAIN §5 marketing dashboard)."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    m = month_info(client, period)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("normal"))
    days = pd.date_range(m.start, m.end - pd.Timedelta(days=1), freq="D")
    n = len(days)
    if _has_values(client.leads, "mql_at"):
        mq = client.leads.loc[m.contains(client.leads["mql_at"]), "mql_at"]
        daily = mq.dt.normalize().value_counts().reindex(days, fill_value=0).cumsum()
        last = min(n, int(np.ceil(m.fraction * n))) if m.status == "partial" else n
        ax.plot(np.arange(1, last + 1), daily.to_numpy()[:last], color=theme.COLORS["marketing"], label=label("mqls", lang))
    goal = mql_goal(client, m.period).get("goal") if m.status != "no_data" else None
    if goal:
        ax.plot([0, n], [0, goal], color=theme.COLORS["goal"], linestyle="--", label=label("goal", lang))
    ax.set_xlim(0, n)
    ax.set_xlabel("Day of the month" if lang == "en" else "Día del mes")
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    _ = ax.set_title(f"{label('mql_pacing', lang)} · {fmt.month(m.period, lang)}")
    return ax


__all__ = [
    "KPIS", "LABELS", "Month", "STATUS", "status_label", "agenda", "agenda_table", "commitments_table", "plot_trends", "say_assets",
    "say_commitments", "say_compliance", "say_cycle", "say_follow_up", "say_narrative", "say_notes",
    "say_pipeline", "say_quota", "say_sources", "tiles_html", "asset_conversion", "attempts_status", "by_source", "commitments",
    "company_quota", "first_contact_compliance", "first_contact_status", "follow_up_time", "headlines",
    "kpi_tiles", "kpis", "label", "month_bounds", "month_info", "month_notes", "monthly_series", "movements",
    "mql_goal", "narrative", "pipeline", "plot_by_source", "plot_mql_pacing", "plot_quota", "plot_series",
    "quality_disputes", "quota_attainment", "sla_clock", "won_cycle", "won_revenue",
]
