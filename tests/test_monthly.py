"""Tests of notebook 06, the monthly report: smk.analyses.monthly (numbers) and smk.views.monthly
(what a reader sees, exact text in both languages), on a hand-made two-month client.

The client (timezone America/Guayaquil, UTC−5, no DST) has January and February 2026 complete
and data up to 2 March 2026 10:00 (data_end), so the default report month is February.
Every expected value below is worked out by hand in the comments.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from smk.analyses import monthly as mo
from smk.analyses import sla
from smk.client import Client
from smk.errors import NotEnoughData
from smk.io.config import parse_config
from smk.io.ledger import Ledger
from smk.views import fmt
from smk.views import monthly as vm

TZ = "America/Guayaquil"


def ts(values):
    """Local wall-clock strings -> tz-aware Series in the client's timezone (None -> NaT)."""
    return pd.to_datetime(pd.Series(values, dtype="object")).dt.tz_localize(TZ)


def make_client(*, quotas: bool = True, traffic: bool = True, mql_goal: float | None = 4,
                monthly_quota: float | None = None, compliance_target: float | None = None) -> Client:
    leads = pd.DataFrame({
        "lead_id": [f"L{i}" for i in range(1, 12)],
        "created_at": ts([
            "2026-01-01 10:00", "2026-01-10 09:00", "2026-01-15 10:00",
            "2026-01-31 21:00",  # = 2026-02-01 02:00 UTC: a January lead in the client's timezone
            "2026-02-02 10:00", "2026-02-03 10:00", "2026-02-10 09:00", "2026-02-12 09:00",
            "2026-02-14 10:00", "2026-02-20 10:00", "2026-03-02 10:00"]),
        "channel": ["organic", "paid", "organic", "email", "organic", "paid", "organic", "email", "paid",
                    "organic", "organic"],
        "team": ["A", "B", "A", "B", "A", "B", "A", "B", "B", "A", "A"],
        "owner": ["ana", "bob", "ana", "bob", "ana", "bob", "ana", "bob", "bob", "ana", "ana"],
        "mql_at": ts([
            "2026-01-05 12:00", "2026-01-10 09:00", None, "2026-01-31 21:00",
            "2026-02-02 10:00", "2026-02-03 11:00", "2026-02-10 09:00", "2026-02-12 09:00", None,
            "2026-02-20 10:00", None]),
    })
    deals = pd.DataFrame({
        "deal_id": ["D1", "D2", "D3", "D4", "D5", "D6", "D7"],
        "lead_id": ["L1", "L5", "L6", "L2", "L7", "L8", "L3"],
        "created_at": ts(["2026-01-06 10:00", "2026-02-05 10:00", "2026-02-06 10:00", "2026-01-20 09:00",
                          "2026-02-15 10:00", "2026-02-20 10:00", "2026-01-16 10:00"]),
        "closed_at": ts(["2026-01-20 10:00", "2026-02-20 10:00", "2026-02-25 10:00", "2026-02-10 09:00",
                         None, None, "2026-02-05 10:00"]),
        "stage": ["won", "won", "won", "won", "open", "open", "lost"],
        "pipeline_stage": ["closed_won", "closed_won", "closed_won", "closed_won", "proposal", "discovery",
                           "closed_lost"],
        "amount": [1000.0, 3000.0, 2000.0, 500.0, 4000.0, 1000.0, 800.0],
        "team": ["A", "A", "B", "B", "A", "B", "A"],
        "owner": ["ana", "ana", "bob", "bob", "ana", "bob", "ana"],
    })
    attempts = pd.DataFrame({
        "lead_id": ["L1", "L2", "L4", "L5", "L6", "L7", "L8"],
        "attempted_at": ts(["2026-01-05 14:00",   # L1: 2 h after MQL -> met
                            "2026-01-10 15:00",   # L2: 6 h -> missed
                            "2026-02-01 00:30",   # L4: 3.5 h (across midnight and month) -> met
                            "2026-02-02 11:00",   # L5: 1 h -> met
                            "2026-02-03 12:00",   # L6: 1 h -> met
                            "2026-02-10 09:30",   # L7: 0.5 h -> met
                            "2026-02-13 09:00"]),  # L8: 24 h -> missed; L10 never -> missed
        "outcome": ["connected", "no_answer", "connected", "connected", "connected", "no_answer", "no_answer"],
    })
    activities = pd.DataFrame({
        "lead_id": ["L5", "L5", "L7", "L10", "L8", "L8", "L6", "L1", "L9", "L7"],
        "occurred_at": ts(["2026-02-02 09:50", "2026-02-02 09:55", "2026-02-10 08:00", "2026-02-20 09:00",
                           "2026-02-12 08:00", "2026-02-12 08:30", "2026-02-03 09:00", "2026-01-05 09:00",
                           "2026-02-14 10:00", "2026-02-20 12:00"]),
        "activity_type": ["page_view", "form_submission", "page_view", "page_view", "page_view", "demo_request",
                          "page_view", "form_submission", "content_download", "content_download"],
        "asset": ["lp-ebook", "lp-ebook", "lp-ebook", "lp-ebook", "pricing", "pricing", "pricing", "lp-ebook",
                  "ebook-x", "ebook-x"],
    })
    tables = {"leads": leads, "deals": deals, "contact_attempts": attempts, "activities": activities}
    if traffic:
        tables["web_traffic"] = pd.DataFrame({
            "date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-01-10", "2026-02-02", "2026-02-03",
                                    "2026-02-12"]),
            "channel": ["organic", "organic", "paid", "organic", "paid", "email"],
            "visits": pd.array([100, 100, 50, 300, 100, 50], dtype="Int64"),
            "spend": [np.nan, np.nan, 200.0, np.nan, 500.0, np.nan],
        })
    if quotas:
        tables["quotas"] = pd.DataFrame({
            "period": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01", "2026-02-01"]),
            "owner": pd.Series([None, None, None, None], dtype="object"),
            "team": ["A", "B", "A", "B"],
            "amount": [1500.0, 1000.0, 4000.0, 2000.0],
        })
    marketing = {"mql_goal": mql_goal}
    if monthly_quota is not None:
        marketing["monthly_quota"] = monthly_quota
    sla = {"first_contact_hours": 4, "attempts": 8, "attempts_within_days": 14}
    if compliance_target is not None:
        sla["compliance_target"] = compliance_target
    cfg = parse_config({"name": "Hand-made", "timezone": TZ, "currency": "USD",
                        "tables": {"leads": {"file": "leads.csv"}}, "sla": sla, "marketing": marketing})
    return Client(config=cfg, tables=tables, ledger=Ledger(), rows_in={k: len(v) for k, v in tables.items()},
                  data_end=pd.Timestamp("2026-03-02 10:00", tz=TZ))


@pytest.fixture(scope="module")
def client():
    return make_client()


@pytest.fixture(scope="module")
def feb(client):
    return mo.kpis(client, "2026-02").set_index("kpi")


@pytest.fixture(scope="module")
def res(client):
    """The whole February report."""
    return mo.analyse(client, "2026-02")


def context(client, lang: str, tmp_path=None):
    """A notebook context on ``client`` (the one views receive), without loading anything."""
    from pathlib import Path

    from smk.report import Context

    out = Path(tmp_path) if tmp_path is not None else Path(".")
    return Context(client=client, period=pd.Period("2026-02", "M"), lang=lang, output_dir=out, client_dir=out)


def title(ax) -> str:
    """An Axes' title wherever the theme put it (the theme titles on the left)."""
    return next((ax.get_title(loc) for loc in ("left", "center", "right") if ax.get_title(loc)), "")


# --- the month --------------------------------------------------------------------------------
def test_month_is_defined_in_client_timezone(client):
    m = mo.month_info(client, "2026-01")
    assert m.start == pd.Timestamp("2026-01-01", tz=TZ) and m.end == pd.Timestamp("2026-02-01", tz=TZ)
    assert m.status == "complete" and m.fraction == 1.0
    # default period: last complete month before data_end (2 March) = February
    assert client.default_period() == "2026-02"


def test_partial_and_empty_months(client):
    m = mo.month_info(client, "2026-03")
    # 1 March 00:00 -> 2 March 10:00 = 34 h of 31 × 24 = 744 h
    assert m.status == "partial" and m.fraction == pytest.approx(34 / 744)
    assert mo.month_info(client, "2026-05").status == "no_data"
    assert mo.month_info(client, "2025-12").status == "no_data"


# --- every KPI ----------------------------------------------------------------------------------
def test_kpis_february(feb):
    # leads created in Feb: L5..L10 = 6 (L4 was created 31 Jan 21:00 local)
    assert feb.loc["leads", "value"] == 6
    # MQLs in Feb: L5, L6, L7, L8, L10 = 5
    assert feb.loc["mqls", "value"] == 5
    # customers won in Feb: L5 (D2), L6 (D3), L2 (D4, a January lead) = 3
    assert feb.loc["customers", "value"] == 3
    # revenue: 3000 + 2000 + 500 = 5500
    assert feb.loc["revenue", "value"] == 5500
    # % of quota: company quota = team rows 4000 + 2000 = 6000; 5500 / 6000
    assert feb.loc["pct_quota", "value"] == pytest.approx(5500 / 6000)
    # first contact ≤ 4 h: L5 1 h, L6 1 h, L7 0.5 h met; L8 24 h, L10 never -> 3 / 5
    assert feb.loc["first_contact_compliance", "value"] == pytest.approx(0.6)
    # MQL goal 4 (client.yml); complete month -> 5 / 4
    assert feb.loc["mql_pacing", "value"] == pytest.approx(1.25)


def test_kpis_previous_month_and_changes(feb):
    # January: leads L1..L4 = 4, MQLs L1, L2, L4 = 3, customers L1 = 1, revenue 1000,
    # quota 1500 + 1000 = 2500 -> 40 %, first contact L1 2 h, L4 3.5 h met, L2 6 h missed -> 2/3, pace 3/4
    assert feb["previous"].tolist() == pytest.approx([4, 3, 1, 1000, 0.4, 2 / 3, 0.75])
    assert feb.loc["leads", "change_prev"] == pytest.approx(0.5)         # (6 − 4) / 4
    assert feb.loc["mqls", "change_prev"] == pytest.approx(2 / 3)        # (5 − 3) / 3
    assert feb.loc["customers", "change_prev"] == pytest.approx(2.0)     # (3 − 1) / 1
    assert feb.loc["revenue", "change_prev"] == pytest.approx(4.5)       # (5500 − 1000) / 1000
    assert feb.loc["first_contact_compliance", "diff_prev"] == pytest.approx(0.6 - 2 / 3)
    # z-scores: counts (x − y)/√(x + y); revenue 4500/√(3000² + 2000² + 500² + 1000²);
    # compliance: pooled p = 5/8, se = √(5/8 · 3/8 · (1/5 + 1/3)) = √0.125
    assert feb.loc["leads", "z_prev"] == pytest.approx(2 / np.sqrt(10))
    assert feb.loc["mqls", "z_prev"] == pytest.approx(2 / np.sqrt(8))
    assert feb.loc["customers", "z_prev"] == pytest.approx(1.0)
    assert feb.loc["revenue", "z_prev"] == pytest.approx(4500 / np.sqrt(14.25e6))
    assert feb.loc["first_contact_compliance", "z_prev"] == pytest.approx((0.6 - 2 / 3) / np.sqrt(0.125))
    # February 2025 is not in the data: no year-over-year figures
    assert feb["last_year"].isna().all()


def test_notes_february(client):
    s = mo.summary(client, "2026-02")
    assert s.notes == ("no_last_year",)
    assert vm.note_texts(s, "en") == ["The data do not reach the same month last year: no year-over-year change is shown."]
    assert vm.note_texts(s, "es") == ["Los datos no llegan al mismo mes del año anterior: no se muestra el cambio interanual."]


# --- narrative ----------------------------------------------------------------------------------
def test_movements_rank_by_z(feb):
    # |z|: revenue 1.192, customers 1.0, MQLs 0.707, leads 0.632, compliance 0.189
    mv = mo.movements(feb.reset_index())
    assert mv["kpi"].tolist() == ["revenue", "customers", "mqls"]
    assert not mv["clear"].any()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_narrative_numbers_match_table(client, lang):
    s = mo.summary(client, "2026-02")
    sentences = vm.sentences(s, lang, "USD")
    assert len(sentences) == 3
    rows = s.kpis.set_index("kpi")
    # revenue: +450.0 %, $5,500 (es: $5.500), previous $1,000
    assert fmt.signed_change(rows.loc["revenue", "change_prev"], lang) in sentences[0]
    assert fmt.money(5500, "USD", lang) in sentences[0] and fmt.money(1000, "USD", lang) in sentences[0]
    assert ("+450.0 %" if lang == "en" else "+450,0 %") in sentences[0]
    # customers 3 from 1 (+200.0 %), MQLs 5 from 3 (+66.7 %)
    assert fmt.signed_change(2.0, lang) in sentences[1] and " 3 " in sentences[1] and ": 1)" in sentences[1]
    assert ("+66.7 %" if lang == "en" else "+66,7 %") in sentences[2] and ": 3)" in sentences[2]
    expected = {
        "en": ["Revenue rose +450.0 % to $5,500 (previous month: $1,000); within normal month-to-month variation.",
               "Customers rose +200.0 % to 3 (previous month: 1); within normal month-to-month variation.",
               "MQLs rose +66.7 % to 5 (previous month: 3); within normal month-to-month variation."],
        "es": ["Los ingresos subieron +450,0 % hasta $5.500 (mes anterior: $1.000); dentro de la variación normal de un mes a otro.",
               "Los clientes subieron +200,0 % hasta 3 (mes anterior: 1); dentro de la variación normal de un mes a otro.",
               "Los MQL subieron +66,7 % hasta 5 (mes anterior: 3); dentro de la variación normal de un mes a otro."],
    }
    assert sentences == expected[lang]


def test_narrative_calls_a_clear_change_clear():
    # Poisson z: 100 vs 50 leads -> 50/√150 = 4.08 ≥ 1.96
    t = pd.DataFrame({"kpi": ["leads"], "kind": ["count"], "value": [100.0], "previous": [50.0],
                      "change_prev": [1.0], "diff_prev": [50.0], "z_prev": [50 / np.sqrt(150)]})
    s = mo.Summary(month=mo.Month(pd.Period("2026-02", "M"), None, None, "complete", 1.0, None, None),
                   kpis=t, notes=(), goal=None, quota=None)
    assert vm.sentences(s, "en", "USD") == ["Leads rose +100.0 % to 100 (previous month: 50); a clear change."]
    assert vm.sentences(s, "es", "USD") == ["Los leads subieron +100,0 % hasta 100 (mes anterior: 50); un cambio claro."]


# --- edge months -----------------------------------------------------------------------------------
def test_partial_month_prorates(client):
    s = mo.summary(client, "2026-03")
    t = s.kpis.set_index("kpi")
    f = 34 / 744
    assert t.loc["leads", "value"] == 1                       # L11
    assert t.loc["leads", "previous"] == pytest.approx(6 * f)  # February's 6 leads pro-rated
    assert t.loc["revenue", "previous"] == pytest.approx(5500 * f)
    assert t.loc["leads", "prorated"] and not t.loc["first_contact_compliance", "prorated"]
    # Poisson z with pro-rating: (1 − 6f) / √(1 + 6f²)
    assert t.loc["leads", "z_prev"] == pytest.approx((1 - 6 * f) / np.sqrt(1 + 6 * f * f))
    assert s.notes[0] == "partial"
    assert vm.note_texts(s, "en")[0] == ("March 2026 is not over: the data end on 2 Mar 2026 (5 % of the month). Counts "
                                         "and money of earlier months are pro-rated to the same share before comparing.")
    assert vm.note_texts(s, "es")[0] == (f"{fmt.month('2026-03', 'es')[:1].upper()}{fmt.month('2026-03', 'es')[1:]} no ha terminado: los datos llegan al 2 mar 2026 (5 % del mes). Los "
                                         "recuentos e importes de meses anteriores se prorratean a la misma parte antes "
                                         "de comparar.")
    # movements against February pro-rated by f = 34/744: MQLs 0 vs 5f = 0.23, z = −5f / √(5f²) = −√5 = −2.24
    # (clear); customers 0 vs 3f = 0.14, z = −√3 = −1.73; revenue $0 vs 5500f = $251,
    # z = −5500f / (f·√(3000² + 2000² + 500²)) = −1.51; leads 1 vs 6f = 0.27, z = 0.72 (fourth)
    assert vm.sentences(s, "en", "USD") == [
        "MQLs fell −100.0 % to 0 (previous month, pro-rated: 0.2); a clear change.",
        "Customers fell −100.0 % to 0 (previous month, pro-rated: 0.1); within normal month-to-month variation.",
        "Revenue fell −100.0 % to $0 (previous month, pro-rated: $251); within normal month-to-month variation."]
    assert len(vm.sentences(s, "es", "USD")) >= 1


def test_no_data_month_renders(client):
    res = mo.analyse(client, "2026-06")
    assert res.month.status == "no_data"
    assert res.kpi("leads") == 0
    s = vm.sentences(res, "en", "USD")
    assert s == ["There is no data for June 2026: the data run from 1 Jan 2026 to 2 Mar 2026. Every figure below is empty."]
    assert vm.sentences(res, "es", "USD") == [f"No hay datos de {fmt.month('2026-06', 'es')}: los datos van del 1 ene 2026 al 2 mar 2026. "
                                              "Todas las cifras están vacías."]
    ag = vm.agenda(res, "en", "USD")
    assert len(ag["weekly"]) >= 1 and len(ag["monthly"]) >= 1
    assert ag["weekly"].values.tolist() == [["Highlight", s[0]]]
    # no quota for June; no commitment can be judged in a month without data
    assert res.is_missing("quota").reason == "monthly.missing.no_quota" and res.is_missing("quota").needs == ("quotas",)
    with pytest.raises(NotEnoughData):
        mo.quota_attainment(client, "2026-06")
    assert res.commitments.empty and res.is_missing("commitments").reason == "monthly.missing.no_data"


def test_comparison_month_must_be_covered_whole():
    # data beginning on 5 January: January is not a whole month of data, so February has no
    # previous-month comparison (and says so) instead of comparing with 27 days
    c = make_client()
    c.tables["leads"].loc[0, "created_at"] = pd.Timestamp("2026-01-05 10:00", tz=TZ)
    s = mo.summary(c, "2026-02")
    assert s.kpis["previous"].isna().all() and "no_previous" in s.notes


def test_first_month_has_no_previous(client):
    s = mo.summary(client, "2026-01")
    assert s.notes[0] == "first_month"
    assert s.kpis["previous"].isna().all()
    assert s.movements().empty
    assert vm.sentences(s, "en", "USD") == ["No previous month to compare with: the figures below are this month's only."]


def test_no_quotas_and_no_traffic(tmp_path):
    c = make_client(quotas=False, traffic=False)
    res = mo.analyse(c, "2026-02")
    assert np.isnan(res.kpi("pct_quota"))
    assert "no_quota" in res.notes
    with pytest.raises(NotEnoughData):
        mo.quota_attainment(c, "2026-02")
    assert res.quota_team.empty and {"quota", "quota_reps"} <= set(res.missing)
    assert not res.has_traffic and res.sources["visits"].isna().all()
    assert res.headlines()[0].value is None
    ctx = context(c, "es", tmp_path)
    ctx.save_headlines("06", res)
    items = json.loads((tmp_path / "06.headlines.json").read_text(encoding="utf-8"))["items"]
    # the tile says why there is no % of quota instead of a bare dash
    assert items[0]["display"] == "sin cuota definida" and items[0]["value"] is None
    assert vm.sources_text(res, "en", "USD") == (
        "organic brought the most leads (3, 50 % of the month's); paid the most customers (2). There is no web-traffic "
        "export, so visits and visit-to-lead rates are not shown.")
    assert vm.sources_text(res, "es", "USD") == (
        "organic trajo más leads (3, 50 % del mes); paid, más clientes (2). No hay exportación de tráfico web: no se "
        "muestran visitas ni tasas de visita a lead.")


def test_monthly_quota_from_config_when_no_table():
    c = make_client(quotas=False, monthly_quota=5000)
    # 5500 / 5000 = 110 %
    assert mo.kpis(c, "2026-02").set_index("kpi").loc["pct_quota", "value"] == pytest.approx(1.1)


# --- marketing -------------------------------------------------------------------------------------
def test_by_source(client, res):
    s = mo.by_source(client, "2026-02", months=2).set_index(["month", "channel"])
    # Feb organic: leads L5, L7, L10 = 3; customers L5 = 1 (3000); visits 300
    assert s.loc[("2026-02", "organic"), ["leads", "customers", "revenue", "visits"]].tolist() == [3, 1, 3000, 300]
    # Feb paid: leads L6, L9 = 2; customers L6 and L2 (a January paid lead won in Feb) = 2;
    # revenue 2000 + 500 = 2500; spend 500 -> return (2500 − 500) / 500 = 4.0; visit->lead 2 / 100
    paid = s.loc[("2026-02", "paid")]
    assert (paid["leads"], paid["customers"], paid["revenue"]) == (2, 2, 2500)
    assert paid["roi"] == pytest.approx(4.0) and paid["visit_to_lead"] == pytest.approx(0.02)
    # January email: the channel is in the traffic export (February) but has no January row -> 0 visits
    assert s.loc[("2026-01", "email"), "visits"] == 0
    # January organic: leads L1, L3 = 2; visits 100 + 100; no spend -> no return
    assert s.loc[("2026-01", "organic"), "visits"] == 200 and np.isnan(s.loc[("2026-01", "organic"), "roi"])
    assert res.has_traffic and res.has_spend
    assert vm.sources_text(res, "en", "USD") == (
        "organic brought the most leads (3, 50 % of the month's); paid the most customers (2). Return where the data "
        "have spend: paid $500 spent, $2,500 won. Revenue counts the deals won this month, from leads that may have "
        "arrived months earlier.")
    assert vm.sources_text(res, "es", "USD") == (
        "organic trajo más leads (3, 50 % del mes); paid, más clientes (2). Retorno donde los datos traen inversión: "
        "paid $500 invertidos, $2.500 ganados. Los ingresos son los negocios ganados este mes, de leads que pudieron "
        "llegar meses antes.")


def test_leads_without_a_channel_are_counted():
    # no channel column: every lead is "(missing)", never "no leads this month" beside 6 leads
    c = make_client()
    c.tables["leads"] = c.tables["leads"].drop(columns="channel")
    s = mo.by_source(c, "2026-02", months=1).set_index("channel")
    assert s.loc[mo.MISSING_GROUP, "leads"] == 6


def test_asset_conversion(client, res):
    a = mo.asset_conversion(client, "2026-02").set_index("asset")
    # pages (views and conversions): a view converts when the lead converts (anywhere) within 7 days.
    # pricing: L8 viewed 08:00 and requested a demo 08:30 -> converted; L6 viewed, never converted -> 1 / 2
    # lp-ebook: L5 viewed 09:50, form 09:55 -> converted; L7 viewed 10 Feb, downloaded 20 Feb (10 days:
    # too late); L10 never -> 1 / 3 (L1's event is in January)
    # ebook-x has only conversion events -> an offer: L9 downloaded at its creation (new lead), L7 days
    # after its creation -> converted 2, new leads 1, rate 1 / 2
    assert a.index.tolist() == ["pricing", "lp-ebook", "ebook-x"]
    assert a["kind"].tolist() == ["page", "page", "offer"]
    assert a["engaged"].tolist() == [2, 3, 2] and a["converted"].tolist() == [1, 1, 2]
    assert a.loc["lp-ebook", "rate"] == pytest.approx(1 / 3)
    assert a.loc["ebook-x", "new_leads"] == 1 and a.loc["ebook-x", "rate"] == pytest.approx(0.5)
    assert a["too_small"].all()
    # every asset is below analysis.min_group_size
    assert vm.assets_text(res, "en") == "Too few leads per asset this month to compare them."
    assert vm.assets_text(res, "es") == "Muy pocos leads por activo este mes para compararlos."


def test_assets_text_names_best_page_and_offer(res):
    judged = res.assets.assign(too_small=False)
    r = mo.MonthlyResult(**{**res.__dict__, "assets": judged})
    assert vm.assets_text(r, "en") == (
        "Of the leads who engaged with pricing, 50.0 % converted within a week (1 of 2); the lowest page is lp-ebook "
        "at 33.3 %. The offer that brought the most new leads was ebook-x (1).")
    assert vm.assets_text(r, "es") == (
        "De los leads que interactuaron con pricing, el 50,0 % convirtió en una semana (1 de 2); la página más baja "
        "es lp-ebook, con 33,3 %. La oferta que trajo más leads nuevos fue ebook-x (1).")


def test_no_activity_log_is_missing():
    c = make_client()
    del c.tables["activities"]
    with pytest.raises(NotEnoughData) as exc:
        mo.asset_conversion(c, "2026-02")
    assert exc.value.needs == ["activity_log"] and exc.value.reason == "monthly.missing.no_asset_log"


def test_follow_up_time(client, res):
    f = mo.follow_up_time(client, "2026-02", months=1).set_index("group")
    # hours from MQL to first attempt: L5 1, L6 1, L7 0.5, L8 24, L10 none
    assert f.loc[mo.TOTAL, ["n", "contacted"]].tolist() == [5, 4]
    assert f.loc[mo.TOTAL, "median_hours"] == pytest.approx(1.0)     # median of 0.5, 1, 1, 24
    assert f.loc[mo.TOTAL, "within_sla"] == pytest.approx(0.75)      # 3 of 4 within 4 h
    assert f.loc["email", "median_hours"] == pytest.approx(24.0)  # L8
    # January: L1 2 h, L2 6 h, L4 3.5 h -> median 3.5 h, 2 of 3 within 4 h
    assert vm.follow_up_text(res, "en") == ("Half of this month's converted leads got a first sales follow-up within "
                                            "1.0 h; 75.0 % within the SLA's 4 h. Previous month: 3.5 h and 66.7 %.")
    assert vm.follow_up_text(res, "es") == ("La mitad de los leads convertidos este mes tuvo un primer seguimiento de "
                                            "ventas en 1,0 h; el 75,0 %, dentro de las 4 h del ANS. Mes anterior: 3,5 h "
                                            "y 66,7 %.")


# --- sales -----------------------------------------------------------------------------------------
def test_quota_attainment(client, res):
    q = mo.quota_attainment(client, "2026-02", by="team").set_index("group")
    # A: D2 3000 of 4000 -> 75 %, gap 1000; B: D3 2000 + D4 500 = 2500 of 2000 -> 125 %, gap −500
    assert q.loc["A", "pct"] == pytest.approx(0.75) and q.loc["A", "gap"] == 1000
    assert q.loc["B", "pct"] == pytest.approx(1.25) and q.loc["B", "gap"] == -500
    assert q.loc[mo.TOTAL, ["quota", "revenue"]].tolist() == [6000, 5500]
    reps = mo.quota_attainment(client, "2026-02", by="owner").set_index("group")
    # no rep quotas: revenue per rep, quota unknown
    assert reps.loc["bob", "revenue"] == 2500 and np.isnan(reps.loc["bob", "quota"])
    assert vm.quota_text(res, "en", "USD") == ("Sales reached 91.7 % of the month's quota ($5,500 of $6,000; $500 short "
                                               "of it). Highest: B (125 %); lowest: A (75 %).")
    assert vm.quota_text(res, "es", "USD") == ("Ventas alcanzó el 91,7 % de la cuota del mes ($5.500 de $6.000; faltan "
                                               "$500). Más alto: B (125 %); más bajo: A (75 %).")


def test_pipeline(client, res):
    p = mo.pipeline(client, "2026-02").set_index("pipeline_stage")
    # open at 1 March 00:00: D5 proposal 4000, D6 discovery 1000
    assert p["deals"].to_dict() == {"discovery": 1, "proposal": 1}
    assert p["amount"].to_dict() == {"discovery": 1000, "proposal": 4000}
    # at the end of January: D5 and D6 not created yet; D4 (created 20 Jan, won 10 Feb) and
    # D7 (created 16 Jan, lost 5 Feb) were open; their stage on 31 January is not in the export (it keeps
    # their final stage, closed_won / closed_lost, which they had not reached yet): listed as closed since
    pj = mo.pipeline(client, "2026-01")
    assert pj.set_index("pipeline_stage")["deals"].to_dict() == {mo.CLOSED_LATER: 2}
    assert pj.attrs["closed_later"] == 2 and pj.attrs["undated_closed"] == 0
    assert vm.group_name(mo.CLOSED_LATER, "en") == "closed since (stage at the month end not in the export)"
    assert vm.pipeline_text(res, "en", "USD") == (
        "2 open deals worth $5,000 at the end of February 2026 (stages as exported).")
    assert vm.pipeline_text(res, "es", "USD") == (
        f"2 negocios abiertos por $5.000 al cierre de {fmt.month('2026-02', 'es')} (etapas según la exportación).")
    jan = mo.analyse(client, "2026-01")
    assert vm.pipeline_text(jan, "en", "USD") == (
        "2 open deals worth $1,300 at the end of January 2026 (stages as exported). 2 of them have been won or lost "
        "since: the export keeps only their final stage, so their stage at the end of the month is not known and "
        "they are listed as such.")


def test_won_cycle(client, res):
    w = mo.won_cycle(client, "2026-02").set_index("group")
    # L5 2 Feb -> 20 Feb = 18 d; L6 3 Feb -> 25 Feb = 22 d; L2 10 Jan -> 10 Feb = 31 d
    assert w.loc[mo.TOTAL, "n"] == 3
    assert w.loc[mo.TOTAL, "median_days"] == pytest.approx(22)
    # quartiles (linear): 18 + 0.5·(22 − 18) = 20; 22 + 0.5·(31 − 22) = 26.5
    assert w.loc[mo.TOTAL, ["p25_days", "p75_days"]].tolist() == pytest.approx([20, 26.5])
    assert w.loc["paid", "median_days"] == pytest.approx(26.5)  # L6 22 d, L2 31 d
    # history (12 months before Feb): L1 1 Jan 10:00 -> 20 Jan 10:00 = 19 d
    assert w.loc[mo.TOTAL, "history_median_days"] == pytest.approx(19)
    assert vm.cycle_text(res, "en") == ("The 3 customers won this month took a median of 22 days from lead to customer "
                                        "(previous 12 months: 19 days).")
    assert vm.cycle_text(res, "es") == ("Los 3 clientes ganados este mes tardaron una mediana de 22 días de lead a "
                                        "cliente (12 meses anteriores: 19 días).")


def test_compliance_is_the_sla_analysis(client, res):
    # 06 shows 04's table: team A: L5, L7 in time, L10 never -> 2/3; team B: L6 in time, L8 late -> 1/2
    t = mo.first_contact_compliance(client, "2026-02", by="team")
    assert t["group"].tolist() == ["A", "B"] and t["compliance"].tolist() == pytest.approx([2 / 3, 0.5])
    s = sla.first_contact_compliance(client, "2026-02", by="team")
    assert t["compliance"].tolist() == s["rate"].tolist() and t["judged"].tolist() == s["evaluable"].tolist()
    assert vm.compliance_text(res, "en") == "60.0 % of this month's new MQLs were first contacted in time."
    assert vm.compliance_text(res, "es") == "El 60,0 % de los MQL nuevos del mes se contactó a tiempo."


# --- SLA and agenda ----------------------------------------------------------------------------------
def test_commitments(client, res):
    c = mo.commitments(client, "2026-02").set_index("commitment")
    # marketing: 5 MQLs ≥ goal 4 -> met
    assert c.loc["mqls", ["target", "actual", "status"]].tolist() == [4, 5, "met"]
    # first contact 60 % < 90 % -> missed
    assert c.loc["first_contact", "actual"] == pytest.approx(0.6) and c.loc["first_contact", "status"] == "missed"
    # attempts: window closed (clock + 14 d ≤ 2 Mar 10:00) for L5, L6, L7, L8; L5, L6 reached -> met,
    # L7, L8 one unanswered attempt -> missed; L10 (20 Feb + 14 d = 6 Mar) pending -> 2 / 4 so far:
    # not final while L10's window is open, and below 90 % -> "behind"
    assert c.loc["attempts", "actual"] == pytest.approx(0.5) and c.loc["attempts", "status"] == "behind"
    # the same targets and actuals as notebook 04's commitments
    s = sla.commitments(client, "2026-02").set_index("commitment")
    assert c["target"].tolist() == pytest.approx(s["target"].astype(float).tolist())
    # 04 judges the value of the MQLs delivered too: no MQL is 30 days old by 1 February, so no value
    # per MQL can be estimated and the delivered value counts as $0 of marketing's $3,000 -> missed
    assert c.loc["mql_value", ["target", "actual", "status"]].tolist() == [3000, 0, "missed"]
    assert vm.commitments_text(res, "en") == "Marketing: 1 of 2 commitments met; Sales: 0 of 2 commitments met."
    assert vm.commitments_text(res, "es") == "Marketing: 1 de 2 compromisos cumplidos; Ventas: 0 de 2 compromisos cumplidos."
    shown = vm.commitments_table(res, "en", "USD")
    assert shown.loc[2].tolist() == ["Sales", "New MQLs first contacted within 4 h", "90.0 %", "60.0 %", "missed"]
    assert vm.commitments_table(res, "es", "USD").loc[3].tolist() == [
        "Ventas", "MQL nuevos con 8 intentos en 14 días", "90,0 %", "50,0 %", "atrasado"]


def test_compliance_target_comes_from_client_yml():
    # client.yml sla.compliance_target: 0.5 -> 06 judges the sales commitments against 50 %, as 04 does
    c = make_client(compliance_target=0.5)
    res = mo.analyse(c, "2026-02")
    com = res.commitments.set_index("commitment")
    assert com.loc["first_contact", "target"] == 0.5 == sla.commitments(c, "2026-02").set_index("commitment").loc[
        "first_contact", "target"]
    # first contact 60 % ≥ 50 % -> met; attempts 50 % ≥ 50 % so far, L10 still in its window -> on track
    assert com.loc["first_contact", "status"] == "met" and com.loc["attempts", "status"] == "on_track"
    weekly = vm.agenda(res, "en", "USD")["weekly"]
    assert weekly["detail"].iloc[2] == "60.0 % / 50.0 % → met"
    assert vm.commitments_text(res, "en") == "Marketing: 1 of 2 commitments met; Sales: 1 of 2 commitments met (2 met or on track)."


def test_no_commitment_is_behind_a_target_nobody_set():
    # no quota and no marketing.mql_goal: no MQL goal and no marketing share -> marketing's commitments
    # cannot be judged (not "behind"); the sales side still is
    c = make_client(mql_goal=None, quotas=False)
    res = mo.analyse(c, "2026-02")
    assert "no_goal" in res.notes
    com = res.commitments.set_index("commitment")
    assert com.loc[["mqls", "mql_value"], "status"].tolist() == ["unknown", "unknown"]
    assert com.loc[["first_contact", "attempts"], "status"].tolist() == ["missed", "behind"]
    assert vm.agenda(res, "en", "USD")["weekly"]["detail"].iloc[0] == "5 / – → cannot be judged"
    # a commitment without a target is not counted as not met
    assert vm.commitments_text(res, "es") == ("Marketing: ninguno de los 2 compromisos se puede juzgar; Ventas: 0 de 2 "
                                              "compromisos cumplidos.")
    assert vm.commitments_text(res, "en") == ("Marketing: none of the 2 commitments can be judged; Sales: 0 of 2 "
                                              "commitments met.")


def test_agenda_lists_sla_status_and_highlights(client, res):
    ag = vm.agenda(res, "es", "USD")
    w = ag["weekly"]
    assert len(w) == len(res.commitments) + 3  # one line per commitment, then the three highlights
    assert w["detail"].iloc[0] == "5 / 4 → cumplido"
    assert w["detail"].tail(3).tolist() == vm.sentences(res, "es", "USD")
    m = ag["monthly"]
    issues = m.loc[m["item"] == "Problema con el ANS", "detail"]
    assert issues.str.startswith("MQL nuevos contactados en 4 h: 60,0 % / 90,0 %").sum() == 1
    assert issues.str.contains("50,0 % / 90,0 % \\(atrasado\\)").sum() == 1
    assert m["item"].tolist() == ["Revisión de métricas"] * 3 + ["Problema con el ANS"] * 3


def test_quality_dispute_needs_a_significant_fall():
    # channel "paid": baseline (Nov–Jan) 120 leads, 72 MQLs (60 %); February 40 leads, 8 MQLs (20 %)
    # channel "organic": 60 % in both -> no dispute. Fisher exact on [[8, 32], [72, 48]] is tiny.
    rows = []
    def add(month, channel, n, k):
        for i in range(n):
            day = pd.Timestamp(f"{month}-{1 + i % 27:02d} 10:00")
            rows.append({"created_at": day, "channel": channel, "mql_at": day if i < k else pd.NaT})
    for mth in ("2025-11", "2025-12", "2026-01"):
        add(mth, "paid", 40, 24)
        add(mth, "organic", 40, 24)
    add("2026-02", "paid", 40, 8)
    add("2026-02", "organic", 40, 24)
    leads = pd.DataFrame(rows)
    leads["lead_id"] = [f"L{i}" for i in range(len(leads))]
    leads["created_at"] = leads["created_at"].dt.tz_localize(TZ)
    leads["mql_at"] = leads["mql_at"].dt.tz_localize(TZ)
    cfg = parse_config({"name": "d", "timezone": TZ, "tables": {"leads": {"file": "x.csv"}}})
    c = Client(config=cfg, tables={"leads": leads}, ledger=Ledger(), rows_in={},
               data_end=pd.Timestamp("2026-03-01 09:00", tz=TZ))
    d = mo.quality_disputes(c, "2026-02")
    mr = d[d["metric"] == "mql_rate"].set_index("group")
    assert mr.loc["paid", "recent_rate"] == pytest.approx(0.2) and mr.loc["paid", "baseline_rate"] == pytest.approx(0.6)
    assert mr.loc["paid", "dispute"] and not mr.loc["organic", "dispute"]
    res = mo.analyse(c, "2026-02")
    q = fmt.number(mr.loc["paid", "qvalue"], "en", 3)
    ag = vm.agenda(res, "en", "EUR")["monthly"]
    assert (f"paid: lead → MQL rate fell to 20.0 % (n = 40) from 60.0 % in the 3 months before (Fisher exact, "
            f"q = {q}).") in ag["detail"].tolist()
    ag_es = vm.agenda(res, "es", "EUR")["monthly"]
    assert ag_es.loc[ag_es["item"] == "Disputa: calidad de los leads", "detail"].str.startswith(
        "paid: la tasa lead → MQL bajó a 20,0 % (n = 40) desde 60,0 % en los 3 meses anteriores").sum() == 1


def test_headlines(res, tmp_path):
    h = res.headlines()
    assert [x.label for x in h] == ["monthly.headline.pct_quota", "monthly.headline.mqls_vs_goal",
                                    "monthly.headline.sla_compliance"]
    assert [x.value for x in h] == pytest.approx([5500 / 6000, 5, 0.6])
    for lang, labels in (("en", ["% of quota", "MQLs against goal", "First-contact SLA compliance"]),
                         ("es", ["% de la cuota", "MQL frente a la meta", "Cumplimiento del ANS de primer contacto"])):
        context(make_client(), lang, tmp_path).save_headlines("06", res)
        items = json.loads((tmp_path / "06.headlines.json").read_text(encoding="utf-8"))["items"]
        assert [x["display"] for x in items] == ["92 %", "5 / 4", "60 %"]
        assert [x["label"] for x in items] == labels
        assert [x["value"] for x in items] == pytest.approx([5500 / 6000, 5, 0.6])


def test_monthly_series(client):
    s = mo.monthly_series(client, months=3).set_index("month")
    assert s.index.tolist() == ["2026-01", "2026-02", "2026-03"]
    assert s["leads"].tolist() == [4, 6, 1] and s["won_deals"].tolist() == [1, 3, 0]
    assert s["revenue"].tolist() == [1000, 5500, 0]


def test_tiles_and_kpi_table(res):
    shown = vm.kpi_table(res, "en", "USD")
    assert shown.loc[3].tolist() == ["Revenue", "$5,500", "$1,000", "+450.0 %", "–", "–"]
    assert shown.loc[5].tolist() == ["First-contact SLA compliance", "60.0 %", "66.7 %", "−6.7 pp", "–", "–"]
    tiles = vm.tiles_html(res, "es", "USD")
    assert tiles.text.splitlines()[0] == "Leads: 6 (+50,0 % vs mes anterior; – vs año anterior)"
    # a rise is green, a fall red (compliance fell)
    assert tiles.html.count("color:#009E73") == 6 and tiles.html.count("color:#D55E00") == 1


def test_data_reaching_html_is_escaped(tmp_path):
    # a channel name from the export is text, never markup: tables, sentences and lists are escaped
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = make_client()
    c.tables["leads"] = c.leads.assign(channel=c.leads["channel"].replace({"organic": "<script>x</script> & co"}))
    res = mo.analyse(c, "2026-02")
    shown = vm.sources(res, context(c, "en", tmp_path))
    plt.close("all")
    html = "".join(x.html for x in shown if hasattr(x, "html"))
    assert "<script>" not in html
    # the sentence, and a table row in January and in February (December 2025 has no data: no row)
    assert html.count("&lt;script&gt;x&lt;/script&gt; &amp; co") == 1 + 2
    assert "<li>&lt;b&gt; &amp;</li>" in vm.list_html(["<b> &"]).html


# --- plots: what each one shows -----------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "es"])
def test_plots_show_the_figures(client, lang):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from smk.views import theme

    months = {"en": ["Jan 2026", "Feb 2026", "Mar 2026"], "es": ["ene 2026", "feb 2026", "mar 2026"]}[lang]
    # MQLs per month: January 3, February 5 (highlighted: the report month), March 0
    ax = vm.plot_series(mo.monthly_series(client, 3), metric="mqls", period="2026-02", lang=lang)
    assert title(ax) == {"en": "MQLs", "es": "MQL"}[lang]
    assert [p.get_height() for p in ax.patches] == [3, 5, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == months
    assert [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches] == [
        theme.COLORS["neutral"].lower(), theme.COLORS["highlight"].lower(), theme.COLORS["neutral"].lower()]
    # the 2 × 2 trends: leads 4, 6, 1; MQLs 3, 5, 0; customers 1, 3, 0; revenue 1000, 5500, 0
    fig = vm.plot_trends(mo.monthly_series(client, 3), period="2026-02", lang=lang, currency="USD")
    assert [title(a) for a in fig.axes] == [vm.kpi_name(k, lang) for k in ("leads", "mqls", "customers", "revenue")]
    assert [[p.get_height() for p in a.patches] for a in fig.axes] == [[4, 6, 1], [3, 5, 0], [1, 3, 0], [1000, 5500, 0]]
    # leads per source, one bar per month and source: January email 1 (L4), organic 2, paid 1;
    # February email 1 (L8), organic 3, paid 2 (December 2025 has no data: no bars)
    fig = vm.plot_by_source(mo.by_source(client, "2026-02"), metric="leads", lang=lang)
    ax = fig.axes[0]
    assert title(ax) == {"en": "Leads · source", "es": "Leads · fuente"}[lang]
    assert [p.get_height() for p in ax.patches] == [1, 2, 1, 1, 3, 2]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["email", "organic", "paid"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == months[:2]
    # quota and revenue per team and in total, the % attained written above each revenue bar
    fig = vm.plot_quota(mo.quota_attainment(client, "2026-02"), currency="USD", lang=lang)
    ax = fig.axes[0]
    assert title(ax) == {"en": "Revenue / quota", "es": "Ingresos / cuota"}[lang]
    assert [p.get_height() for p in ax.patches] == [4000, 2000, 6000, 3000, 2500, 5500]
    assert [t.get_text() for t in ax.texts] == ["75 %", "125 %", "92 %"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "Total"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == {"en": ["Quota", "Revenue"], "es": ["Cuota", "Ingresos"]}[lang]
    plt.close("all")


# --- no contact data (tests/adversarial.py): the sales half says what it needs --------------------------
def test_no_contact_data_says_what_is_missing(tmp_path):
    import sys
    from pathlib import Path

    import smk

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from adversarial import build

    c = smk.load_client(build("no_contact_data", tmp_path / "client"))
    res = mo.analyse(c, "2026-06")
    assert "no_contacts" in res.notes and np.isnan(res.kpi("first_contact_compliance"))
    assert res.is_missing("compliance").reason == "monthly.missing.no_contacts"
    assert res.is_missing("follow_up").reason == "monthly.missing.no_follow_up"
    sales = res.commitments[res.commitments["side"] == "sales"]
    assert sales["actual"].isna().all() and (sales["status"] == "unknown").all()
    text = "\n".join(vm.agenda(res, "en", "EUR")["monthly"]["detail"])
    assert "0.0 %" not in text and "behind" not in text


def test_undated_leads_cannot_make_a_monthly_report():
    c = make_client()
    c.tables["leads"] = c.tables["leads"].assign(created_at=pd.Series(pd.NaT, index=c.leads.index, dtype=c.leads["created_at"].dtype))
    with pytest.raises(NotEnoughData) as exc:
        mo.analyse(c, "2026-02")
    assert exc.value.needs == ["dated"]


# --- the demo client: planted effects (docs/demo-data.md) -------------------------------------------
@pytest.fixture(scope="module")
def demo():
    import smk
    from smk.report import PROJECT_ROOT

    return smk.load_client(PROJECT_ROOT / "data" / "demo")


def test_demo_leads_per_month_and_august_dip(demo):
    # docs/demo-data.md §7, measured on the raw files: leads per month, August at 60 % of trend
    s = mo.monthly_series(demo, months=18).set_index("month")["leads"]
    assert s.tolist() == [172, 197, 191, 109, 215, 221, 223, 254, 241, 208, 227, 260, 254, 271, 250, 160, 258, 289]
    # the dip shows in the right month: August 2026 is the top movement, a clear fall of leads
    aug = mo.summary(demo, "2026-08")
    top = aug.movements().iloc[0]
    assert top["kpi"] == "leads" and top["diff_prev"] == 160 - 250 and top["clear"]
    # z = (160 − 250) / √(160 + 250)
    assert top["z_prev"] == pytest.approx(-90 / np.sqrt(410))
    assert vm.sentences(aug, "en", "EUR")[0] == "Leads fell −36.0 % to 160 (previous month: 250); a clear change."
    assert vm.sentences(aug, "es", "EUR")[0] == "Los leads bajaron −36,0 % hasta 160 (mes anterior: 250); un cambio claro."
    # and September recovers: +61.3 % (258 vs 160)
    sep = mo.kpis(demo, "2026-09").set_index("kpi")
    assert sep.loc["leads", "change_prev"] == pytest.approx(258 / 160 - 1) and sep.loc["leads", "z_prev"] > 1.96


def test_demo_october_sales_and_follow_up(demo):
    # quotas §10: €78,000 per team in 2026-10 (three teams); pipeline §8: 48 open deals by stage
    res = mo.analyse(demo, "2026-10")
    q = res.quota_team.set_index("group")
    assert q.loc[mo.TOTAL, "quota"] == 3 * 78000 and q.loc[["Atlas", "Boreal", "Cobalt"], "quota"].tolist() == [78000] * 3
    # §10: the traffic export has no row for events (offline): visits unknown, not zero
    src = res.sources.set_index(["month", "channel"])
    assert np.isnan(src.loc[("2026-10", "events"), "visits"]) and src.loc[("2026-10", "events"), "leads"] == 28
    p = res.pipeline.set_index("pipeline_stage")["deals"]
    assert p.to_dict() == {"Appointment Scheduled": 13, "Contract Sent": 12, "Decision Maker Bought-In": 6,
                           "Presentation Scheduled": 7, "Qualified To Buy": 10}
    # §6: Cobalt misses the first-contact SLA -> a follow-up dispute on the management agenda, and
    # no other team is flagged
    ag = vm.agenda(res, "en", "EUR")["monthly"]
    disputes = ag[ag["item"] == "Dispute: follow-up"]["detail"].tolist()
    assert disputes == ["Team Cobalt: 13.3 % of new MQLs first contacted in time (n = 75), significantly below the "
                        "other teams (Fisher exact vs the rest, q = 0.000)."]


def test_every_section_has_a_view_and_a_notebook_cell():
    import nbformat

    from smk.views.registry import sections

    assert sections(mo.MonthlyResult) == sorted(mo.SECTIONS)
    shown = [c.source for c in nbformat.read(NOTEBOOK, 4).cells if c.source.startswith("ctx.show(res, ")]
    assert shown == [f'ctx.show(res, "{name}")' for name in mo.SECTIONS]


# --- the notebook's own cells render every edge month ---------------------------------------------
NOTEBOOK = __import__("pathlib").Path(__file__).resolve().parents[1] / "notebooks" / "06_monthly_report.ipynb"


def run_notebook_cells(client, period, lang, tmp_path, monkeypatch) -> list:
    """Notebook 06's cells in-process on ``client``; everything they displayed through the context."""
    from conftest import run_notebook_cells as run_cells

    return run_cells(NOTEBOOK, client, monkeypatch, period=period, lang=lang, output_dir=tmp_path / "out")["ctx"].shown


@pytest.mark.parametrize("period, variant, lang, expect", [
    ("2026-02", "full", "en", "Sales reached 91.7 % of the month's quota"),
    ("2026-01", "full", "es", "Es el primer mes con datos"),
    ("2026-03", "full", "en", "March 2026 is not over: the data end on 2 Mar 2026 (5 % of the month)"),
    ("2026-06", "full", "es", "No hay datos de " + fmt.month("2026-06", "es")),
    ("2026-02", "bare", "en", "There is no sales quota for this month"),
    ("2026-02", "bare", "es", "No hay exportación de tráfico web"),
])
def test_notebook_renders_edge_months(period, variant, lang, expect, tmp_path, monkeypatch):
    c = make_client() if variant == "full" else make_client(quotas=False, traffic=False)
    shown = run_notebook_cells(c, period, lang, tmp_path, monkeypatch)
    text = "\n".join(repr(x) for x in shown if not hasattr(x, "savefig"))
    assert expect in text
    # every section displayed something (its content, or why it cannot be shown)
    assert len([x for x in shown if not hasattr(x, "savefig")]) >= 16 + 14
    # the headlines for the index tile were written
    assert (tmp_path / "out" / "06.headlines.json").exists()


def test_close_rate_dispute_on_the_latest_mature_cohort():
    # close window 30 days; data end 15 Feb 2026 -> the latest cohort whose leads are all ≥ 30 days old
    # is December 2025 (created by 31 Dec, + 30 d ≤ 15 Feb); baseline: Sep, Oct, Nov 2025.
    # "paid": baseline 3 × 40 leads with 12 wins each (30 %), December 40 leads with 1 win (2.5 %);
    # "organic": 30 % throughout. Wins 10 days after creation (inside the window).
    rows = []
    for mth, paid_wins in (("2025-09", 12), ("2025-10", 12), ("2025-11", 12), ("2025-12", 1)):
        for ch, wins in (("paid", paid_wins), ("organic", 12)):
            for i in range(40):
                day = pd.Timestamp(f"{mth}-{1 + i % 27:02d} 10:00")
                rows.append({"created_at": day, "channel": ch,
                             "customer_at": day + pd.Timedelta(days=10) if i < wins else pd.NaT})
    rows.append({"created_at": pd.Timestamp("2026-02-15 10:00"), "channel": "organic", "customer_at": pd.NaT})
    leads = pd.DataFrame(rows)
    leads["lead_id"] = [f"L{i}" for i in range(len(leads))]
    for col in ("created_at", "customer_at"):
        leads[col] = leads[col].dt.tz_localize(TZ)
    cfg = parse_config({"name": "d", "timezone": TZ, "tables": {"leads": {"file": "x.csv"}},
                        "analysis": {"close_window_days": 30}})
    c = Client(config=cfg, tables={"leads": leads}, ledger=Ledger(), rows_in={},
               data_end=pd.Timestamp("2026-02-15 10:00", tz=TZ))
    d = mo.quality_disputes(c, "2026-01").set_index("group")
    assert (d["metric"] == "close_rate").all() and (d["cohort"] == "2025-12").all()  # no MQL dates: no MQL-rate test
    assert d.loc["paid", "recent_rate"] == pytest.approx(1 / 40) and d.loc["paid", "baseline_rate"] == pytest.approx(0.3)
    assert d.loc["paid", "dispute"] and not d.loc["organic", "dispute"]
    # Fisher exact on [[1, 39], [36, 84]], BH over the two channels
    from scipy.stats import fisher_exact
    p_paid = fisher_exact([[1, 39], [36, 84]])[1]
    assert d.loc["paid", "pvalue"] == pytest.approx(p_paid)
