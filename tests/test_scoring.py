"""Notebook 02: the analysis (smk.analyses.scoring: activity close rates, fit × interest, thresholds, the
demo's planted effects) and its views (smk.views.scoring: every section's exact text in both languages)."""
from __future__ import annotations

import copy

import pandas as pd
import pytest

from conftest import run_notebook_cells as run_cells

import smk.report
from smk import texts
from smk.analyses import scoring
from smk.analyses.base import Missing
from smk.analyses.outcomes import lead_outcomes
from smk.analyses.rules import Rule
from smk.views import fmt
from smk.views import scoring as view

TZ = "Europe/Madrid"
#: The separator between an interval's ends in Spanish, as smk.views.fmt writes it ("; " since the
#: decimal mark is a comma).
ES_SEP = fmt.ci(0.1, 0.2, "es")[1:-1].replace("10,0 %", "").replace("20,0 %", "")
#: The minus sign smk.views.fmt writes before a negative number.
MINUS = fmt.number(-1, "en").removesuffix("1")
END = pd.Timestamp("2026-06-30 23:59", tz=TZ)


def _ts(s):
    return pd.Timestamp(s, tz=TZ)


def _hand_made():
    """10 leads; activity A by a,b,c,d (a, b won); B by e..i (e won); lead j did nothing (j won).

    Lead a also did B, but only after it was won: that event must not count."""
    ids = list("abcdefghij")
    created = [_ts("2026-01-01")] * 10
    customer = {"a": "2026-01-20", "b": "2026-01-25", "e": "2026-02-01", "j": "2026-02-10"}
    leads = pd.DataFrame({
        "lead_id": ids, "created_at": created,
        "customer_at": [(_ts(customer[i]) if i in customer else pd.NaT) for i in ids],
    })
    leads["customer_at"] = leads["customer_at"].astype(f"datetime64[ns, {TZ}]")
    ev = [("a", "2026-01-05", "A"), ("b", "2026-01-06", "A"), ("c", "2026-01-07", "A"), ("d", "2026-01-08", "A"),
          ("e", "2026-01-09", "B"), ("f", "2026-01-10", "B"), ("g", "2026-01-11", "B"), ("h", "2026-01-12", "B"),
          ("i", "2026-01-13", "B"), ("a", "2026-03-01", "B")]
    acts = pd.DataFrame({"lead_id": [e[0] for e in ev], "occurred_at": [_ts(e[1]) for e in ev],
                         "activity_type": [e[2] for e in ev], "asset": ["x"] * len(ev)})
    return leads, acts, lead_outcomes(leads, None, data_end=END)


def test_activity_close_rates_by_hand():
    leads, acts, oc = _hand_made()
    r = scoring.activity_close_rates(leads, oc, acts, min_group_size=1).set_index("activity")
    # A: 4 leads, 2 customers → 50 %; B: 5 leads (a's later visit excluded), 1 customer → 20 %
    assert r.loc["A", ["n", "customers"]].tolist() == [4, 2]
    assert r.loc["B", ["n", "customers"]].tolist() == [5, 1]
    assert r.loc["A", "rate"] == pytest.approx(0.5)
    # Wilson 95 % for 2/4: centre 0.5, half = 1.96·sqrt(0.25/4 + 1.96²/64)/(1 + 1.96²/4) = 0.34996
    assert r.loc["A", "ci_low"] == pytest.approx(0.15004, abs=1e-4)
    assert r.loc["A", "ci_high"] == pytest.approx(0.84996, abs=1e-4)
    # average activity close rate = (0.5 + 0.2) / 2 = 0.35 (unweighted); base rate = 4 won / 10 = 0.4
    df = scoring.activity_close_rates(leads, oc, acts, min_group_size=1)
    assert df.attrs["average_rate"] == pytest.approx(0.35)
    assert df.attrs["base_rate"] == pytest.approx(0.4)
    assert r.loc["A", "lift_vs_average"] == pytest.approx(0.5 / 0.35)
    assert r.loc["B", "lift_vs_base"] == pytest.approx(0.2 / 0.4)
    assert r.loc["A", "rank"] == 1 and r.loc["B", "rank"] == 2
    assert not r["significant"].any()  # 10 leads prove nothing
    assert df.attrs["source"] == "log" and df.attrs["cutoff_applied"]


def test_small_groups_are_flagged_not_ranked():
    leads, acts, oc = _hand_made()
    r = scoring.activity_close_rates(leads, oc, acts, min_group_size=5).set_index("activity")
    # A has 4 leads < 5: flagged, unranked, excluded from the average (which is then B's 0.2)
    assert bool(r.loc["A", "too_small"]) and pd.isna(r.loc["A", "rank"])
    assert r.loc["B", "rank"] == 1
    assert scoring.activity_close_rates(leads, oc, acts, min_group_size=5).attrs["average_rate"] == pytest.approx(0.2)


def test_close_rates_from_counters():
    leads, _, oc = _hand_made()
    leads = leads.assign(n_A=[1, 1, 1, 1, 0, 0, 0, 0, 0, 0], n_B=[1, 0, 0, 0, 1, 1, 1, 1, 1, 0])
    r = scoring.activity_close_rates(leads, oc, None, min_group_size=1)
    # counters carry no dates: a's B counts (6 leads, customers a and e → 2/6)
    assert r.set_index("activity").loc["B", ["n", "customers"]].tolist() == [6, 2]
    assert r.attrs["source"] == "counters" and not r.attrs["cutoff_applied"]


def test_by_asset_within_type():
    leads, acts, oc = _hand_made()
    r = scoring.activity_close_rates(leads, oc, acts, by="asset", min_group_size=1)
    assert set(r["activity"]) == {"A · x", "B · x"}


def test_fit_interest_quadrants_and_actions():
    leads = pd.DataFrame({"lead_id": list("abcd"), "industry": ["Insurance", "Insurance", "Retail", "Retail"],
                          "n_demo_request": [1, 0, 1, 0]})
    fit = [{"field": "industry", "operator": "=", "value": "Insurance", "points": 10}]
    interest = [{"field": "n_demo_request", "operator": ">=", "value": 1, "points": 30}]
    per = scoring.fit_interest(leads, fit, interest, fit_threshold=10, interest_threshold=30)
    assert per["quadrant"].tolist() == ["high_fit_high_interest", "high_fit_low_interest",
                                        "low_fit_high_interest", "low_fit_low_interest"]
    t = scoring.quadrant_table(per, [True, False, True, False], min_group_size=1)
    assert t["quadrant"].tolist() == list(scoring.QUADRANTS)
    assert t["n"].tolist() == [1, 1, 1, 1] and t["customers"].tolist() == [1, 0, 1, 0]
    assert t["rate"].tolist() == [1.0, 0.0, 1.0, 0.0] and t["share"].tolist() == [0.25] * 4
    # without thresholds: above the median is high (median fit = 5 → Insurance high)
    per2 = scoring.fit_interest(leads, fit, interest)
    assert per2["fit_high"].tolist() == [True, True, False, False]
    assert per2.attrs["threshold_source"] == "median"


def test_fit_interest_group_caps():
    leads = pd.DataFrame({"lead_id": ["a"], "n_demo_request": [1], "n_pricing_page_view": [1]})
    interest = [{"field": "n_demo_request", "operator": ">=", "value": 1, "points": 30},
                {"field": "n_pricing_page_view", "operator": ">=", "value": 1, "points": 25}]
    per = scoring.fit_interest(leads, [], interest, group_caps={"interest": 40}, interest_threshold=40)
    # 30 + 25 = 55, capped at 40 → high interest (≥ 40)
    assert per["interest"].tolist() == [40.0] and per["interest_high"].tolist() == [True]


def test_mql_cutoff_counts_only_activity_before_the_mql_date():
    leads, acts, oc = _hand_made()
    # d becomes an MQL on 2026-01-02, before its only event (A on 2026-01-08): with cutoff="mql" that A no
    # longer counts, so A has a, b, c → 3 leads, 2 customers (a, b)
    oc = oc.copy()
    oc.loc[oc["lead_id"] == "d", "mql_at"] = _ts("2026-01-02")
    r = scoring.activity_close_rates(leads, oc, acts, cutoff="mql", min_group_size=1).set_index("activity")
    assert r.loc["A", ["n", "customers"]].tolist() == [3, 2]


def test_threshold_table_by_hand():
    scores = pd.DataFrame({"points": [10, 20, 30, 40], "label": [False, True, False, True]})
    t = scoring.threshold_table(scores, leads_month=100, min_group_size=1).set_index("threshold")
    # t = 30: leads with 30, 40 → 2 MQLs (50 % of leads → 50 a month), 1 customer → 50 %, capture 1/2
    assert t.loc[30.0, ["mqls", "customers"]].tolist() == [2, 1]
    assert t.loc[30.0, "close_rate"] == 0.5 and t.loc[30.0, "capture"] == 0.5
    assert t.loc[30.0, "mqls_per_month"] == pytest.approx(50.0)
    assert t.loc[10.0, "capture"] == 1.0


def test_sales_capacity_and_recommendation():
    cap = scoring.sales_capacity(reps=3, calling_hours_per_month=60, attempts_per_hour=6, attempts_per_lead=8)
    assert cap["capacity"] == pytest.approx(3 * 60 * 6 / 8)  # 135 MQLs a month
    scores = pd.DataFrame({"points": [10, 20, 30, 40], "label": [False, True, False, True]})
    t = scoring.threshold_table(scores, leads_month=200, min_group_size=1)
    # per month: t=10 → 200, 20 → 150, 30 → 100, 40 → 50; capacity 135 → lowest threshold that fits = 30
    rec = scoring.recommend_threshold(t, capacity=cap["capacity"])
    assert rec["threshold"] == 30.0 and rec["basis"] == "capacity"
    # target 60 %: close rates 50 %, 66.7 %, 50 %, 100 % → lowest threshold reaching it = 20
    assert scoring.recommend_threshold(t, target_close_rate=0.6)["threshold"] == 20.0
    # both: the higher (30)
    assert scoring.recommend_threshold(t, capacity=135, target_close_rate=0.6)["basis"] == "both"
    # capacity does not bind (every lead fits): highest threshold still capturing ≥ 90 % = 20 (100 %)
    rec = scoring.recommend_threshold(t, capacity=1000)
    assert rec["threshold"] == 20.0 and rec["basis"] == "capture"
    assert scoring.recommend_threshold(t) is None


# ------------------------------------------------------------------------------------------------
# The demo's planted effects (smk.io.synth: demo requests and pricing-page views close far above average)
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import smk
    from smk.io import synth

    d = tmp_path_factory.mktemp("demo")
    synth.generate(d, n_leads=4000)
    return smk.load_client(d)


def test_demo_planted_activities_are_significant_and_ranked_first(demo):
    r = scoring.close_rates(demo)
    top = r.head(2)
    assert set(top["activity"]) == {"demo_request", "pricing_page_view"}
    assert top["significant"].all() and (top["direction"] == "above").all()
    assert (top["lift_vs_average"] > 1.8).all()
    assert r.attrs["source"] == "log"


def test_demo_summary_shape_counters_find_the_same_effects(tmp_path):
    import smk
    from smk.io import synth

    synth.generate(tmp_path, n_leads=4000, shape="summary")
    c = smk.load_client(tmp_path)
    r = scoring.close_rates(c)
    assert r.attrs["source"] == "counters" and not r.attrs["cutoff_applied"]
    top = r.head(2)
    assert set(top["activity"]) == {"demo_request", "pricing_page_view"}
    # only 4 counters, two of them planted: the seed's average is pulled up, the base rate is not
    assert (top["lift_vs_base"] > 2).all()
    assert top["significant"].all() and (top["direction"] == "above").all()


def test_demo_end_to_end(demo):
    sc = scoring.learn(demo)
    assert sc.split_kind == "time" and sc.too_recent > 0
    rules = {r.text: r.points for r in sc.rules}
    assert rules.get("n_demo_request >= 1", 0) > 0 and rules.get("n_pricing_page_view >= 1", 0) > 0
    assert sc.auc["auc"] > 0.7
    table, rec, cap = scoring.thresholds(demo, sc)
    assert rec is not None and rec["threshold"] in set(table["threshold"])
    # capacity arithmetic from client.yml: owners × 60 h × 6 attempts/h ÷ 8 attempts per lead
    n_owners = demo.leads["owner"].dropna().nunique()
    assert cap["capacity"] == pytest.approx(n_owners * 60 * 6 / 8)
    per, q = scoring.quadrants(demo, sc)
    rates = q.set_index("quadrant")["rate"]
    assert rates["high_fit_high_interest"] > rates["low_fit_low_interest"]


# ------------------------------------------------------------------------------------------------
# The result (smk.analyses.scoring.analyse) and the demo notebook's sections, in both languages
# ------------------------------------------------------------------------------------------------
SECTIONS = ("cautions", "activities", "assets", "quadrants", "client_rules", "scorecard", "excluded", "calibration",
            "evaluation", "gains", "leakage", "thresholds", "definition", "explorer")


@pytest.fixture(scope="module")
def demo_result(demo):
    return scoring.analyse(demo)


def _variant(client, **tables):
    """A copy of the client with some tables replaced (None removes one)."""
    c = copy.copy(client)
    c.tables = dict(client.tables)
    for name, df in tables.items():
        if df is None:
            c.tables.pop(name)
        else:
            c.tables[name] = df
    return c


def _render(res, client, lang, tmp_path, sections=SECTIONS):
    """{section: [plain text of each Html shown, '<figure>' for each figure]} through the notebook context."""
    ctx = smk.report.setup(tmp_path, lang=lang, client=client, output_dir=tmp_path / lang)
    out = {}
    for s in sections:
        ctx.shown.clear()
        ctx.show(res, s)
        out[s] = ["<figure>" if hasattr(o, "savefig") else repr(o) for o in ctx.shown]
    return out


def test_demo_result_is_compute_only_and_matches_the_notebook(demo, demo_result):
    res = demo_result
    assert res.missing == {} and res.cautions == ()
    assert res.window_days == 90 and res.dated and res.quadrant_rules == "learned"
    # the model is clearly better than chance (DeLong interval above 0.5, AUC ≥ the 0.60 floor)
    assert res.model_quality == "usable" and res.usable and res.scorecard.auc["ci_low"] > 0.5
    # the outcome data cover every creation month: nobody left out
    assert res.coverage_start is None and res.uncovered_leads == 0
    # the learned scorecard in CRM form (canonical fields, operators and values; the view names them)
    top = res.scorecard_rules.iloc[0]
    assert (top["field"], top["operator"], top["value"], top["points"], top["group"], top["n"]) == \
        ("n_demo_request", ">=", 1.0, 88, "interest", 266)
    assert len(res.scorecard_rules) == 16 and res.scorecard_rules["points"].tolist() == [r.points for r in res.scorecard.rules]
    # no rules in client.yml: no example rules applied (issue 16 item 9); the learned ones, on every lead
    assert res.rules_source == "learned"
    assert res.client_rules["field"].tolist() == res.scorecard_rules["field"].tolist()
    assert res.client_rules["fired"].tolist()[:3] == [476, 659, 3837]
    acts = demo.activities  # recomputed: leads with at least one demo request in the log
    assert acts.loc[acts["activity_type"].astype(str) == "demo_request", "lead_id"].nunique() == 476
    assert res.client_rules["share"].iloc[0] == pytest.approx(476 / 4000)
    # sales-side fields and personal contact data are listed, never rules (issue 18 item 5, issue 17 item 2)
    lk = res.scorecard.leakage.set_index("feature")
    assert lk.loc[["owner", "team"], "reason"].tolist() == ["sales_side"] * 2
    assert lk.loc[["email", "phone"], "reason"].tolist() == ["pii"] * 2
    assert not {"owner", "team", "email", "phone"} & set(res.scorecard.coefficients["field"])
    assert set(lk.index) == {"owner", "team", "email", "phone"}  # nothing else flagged on the demo
    assert res.quadrants["n"].tolist() == [644, 757, 958, 935]
    assert res.recommendation["threshold"] == 10.0 and res.recommendation["basis"] == "capture"
    # no words anywhere in the tables: codes only
    assert set(res.quadrants["quadrant"]) == set(scoring.QUADRANTS)
    assert not {"label_en", "label_es", "action_en", "action_es"} & set(res.quadrants.columns)
    assert not {"reason_en", "reason_es"} & (set(res.scorecard.excluded.columns) | set(res.scorecard.leakage.columns))


def test_demo_headlines_in_both_languages(demo_result):
    h = demo_result.headlines()
    assert [i.label for i in h] == ["scoring.headline.lift.demo_request", "scoring.headline.lift.pricing_page_view",
                                    "scoring.headline.auc_recent", "scoring.headline.threshold",
                                    "scoring.headline.mqls_per_month"]
    assert h[0].value == pytest.approx(demo_result.activities.iloc[0]["lift_vs_average"])
    assert h[2].value == pytest.approx(demo_result.scorecard.auc["auc"]) and h[2].kind == "number:2"
    assert h[3].value == 10.0 and h[4].value == pytest.approx(demo_result.recommendation["mqls_per_month"])
    shown = {lang: [(texts.t(i.label, lang), texts.t(i.display, lang, **i.params) if i.display else None) for i in h]
             for lang in texts.LANGS}
    assert shown["en"] == [("Lift: Demo request", "×3.0"), ("Lift: Pricing page view", "×2.4"),
                           ("Scoring model AUC (recent leads)", None), ("Recommended MQL threshold", "10 points"),
                           ("MQLs per month at that threshold", None)]
    assert shown["es"] == [("Lift: Solicitud de demo", "×3,0"), ("Lift: Visita a la página de precios", "×2,4"),
                           ("AUC del modelo (leads recientes)", None), ("Umbral MQL recomendado", "10 puntos"),
                           ("MQL por mes con ese umbral", None)]


def test_demo_sections_in_both_languages(demo, demo_result, tmp_path):
    en = _render(demo_result, demo, "en", tmp_path)
    es = _render(demo_result, demo, "es", tmp_path)
    figures = {s: v.count("<figure>") for s, v in en.items()}
    assert figures == {"cautions": 0, "activities": 1, "assets": 0, "quadrants": 1, "client_rules": 0, "scorecard": 0,
                       "excluded": 0, "calibration": 1, "evaluation": 0, "gains": 2, "leakage": 0, "thresholds": 1,
                       "definition": 0, "explorer": 0}
    assert en["cautions"] == [] and en["explorer"] == []  # nothing to caution; the slider only in JupyterLab
    assert en["activities"][0].splitlines()[:2] == [
        "Activity | Leads who did it | Customers | Close rate | 95 % CI | Lift vs average | Lift vs base rate | "
        "q-value (BH) | Verdict",
        "Demo request | 376 | 70 | 18.6 % | [15.0 %, 22.9 %] | 3.0 | 4.8 | 0.000 | significantly above average"]
    assert es["activities"][0].splitlines()[1] == (
        f"Solicitud de demo | 376 | 70 | 18,6 % | [15,0 %{ES_SEP}22,9 %] | 3,0 | 4,8 | 0,000 | "
        "significativamente por encima del promedio")
    assert en["activities"][-1] == (
        "The average activity close rate is 6.2 % (the mean of the activities' own rates, as the guide computes it); "
        "3.9 % of all 3,294 leads became customers within 90 days. Significantly above average: Demo request "
        "(18.6 %, ×3.0), Pricing page view (14.9 %, ×2.4). These belong in the MQL definition.")
    assert es["activities"][-1] == (
        "La tasa de cierre promedio de las actividades es 6,2 % (la media de las tasas de cada actividad, como la "
        "calcula la guía); el 3,9 % de los 3.294 leads se convirtió en cliente en 90 días. Significativamente por "
        "encima del promedio: Solicitud de demo (18,6 %, ×3,0), Visita a la página de precios (14,9 %, ×2,4). "
        "Estas van en la definición de MQL.")
    assert en["quadrants"][0].splitlines()[1] == (
        "High fit, high interest | 644 | 20 % | 63 | 9.8 % | [7.7 %, 12.3 %] | "
        "Sales follows up immediately (usually within 24 hours)")
    assert es["quadrants"][0].splitlines()[4] == (
        f"Poco valor, poco interés | 935 | 28 % | 6 | 0,6 % | [0,3 %{ES_SEP}1,4 %] | Eliminarlos de las listas")
    assert en["quadrants"][-1] == (
        "High fit and high interest leads close at 9.8 % [7.7 %, 12.3 %]; low fit and low interest at 0.6 %. Here fit "
        "and interest come from the learned scorecard's profile and behaviour rules; 'high' means above the median "
        "unless client.yml sets the thresholds.")
    # no rules configured: said so, and the learned rules applied to every lead, named as the CRM names them
    assert es["client_rules"][0].splitlines()[:3] == [
        "Campo | Operador | Valor | Puntos | Leads que cumplen | Proporción de leads",
        "Solicitud de demo (número) | es al menos | 1 | 88 | 476 | 11,9 %",
        "Visita a la página de precios (número) | es al menos | 1 | 42 | 659 | 16,5 %"]
    assert f"Original Source | is | SOCIAL_MEDIA | {MINUS}45 | 485 | 12.1 %" in en["client_rules"][0]
    assert en["client_rules"][-1] == (
        "client.yml has no scoring rules configured (scoring.rules). Until it has, these are the rules learned from "
        "the data (section 4), applied to every lead. Median score 54, highest 260.")
    assert es["client_rules"][-1] == (
        "client.yml no tiene reglas de puntuación configuradas (scoring.rules). Mientras no las tenga, estas son las "
        "reglas aprendidas de los datos (sección 4), aplicadas a cada lead. Puntuación mediana 54, máxima 260.")
    # the scorecard in the CRM's own names (client.yml mapping) and values
    assert en["scorecard"][0].splitlines()[1] == "Demo request (count) | is at least | 1 | 88 | Interest | 266 | 21.4 % | 2.47 | 3.65"
    assert f"Original Source | is | SOCIAL_MEDIA | {MINUS}45 | Fit | 297 | 1.7 % | {MINUS}2.56 | {MINUS}0.57" in en["scorecard"][0]
    assert es["scorecard"][0].splitlines()[1] == (
        "Solicitud de demo (número) | es al menos | 1 | 88 | Interés | 266 | 21,4 % | 2,47 | 3,65")
    assert es["scorecard"][-1] == (
        "16 reglas, aprendidas con una regresión logística sobre 2.306 leads (los más antiguos por fecha de creación). "
        "Los puntos son proporcionales al log-odds: cada 20 puntos duplican las probabilidades (odds) de convertirse "
        "en cliente en 90 días (scoring.points_to_double_odds). Se pueden escribir en el CRM tal cual.")
    # sales-side fields and personal contact data are listed with the reason, by the CRM's own names
    assert en["excluded"][0].splitlines()[1:6] == [
        "Contact owner | recorded by sales while working the lead (attempts, calls, owner, team): it measures the "
        "sales work, not the lead | 0.61",
        "HubSpot Team | recorded by sales while working the lead (attempts, calls, owner, team): it measures the sales "
        "work, not the lead | 0.57",
        "Email | personal contact data (e-mail, phone): never a scoring rule | 0.50",
        "Phone Number | personal contact data (e-mail, phone): never a scoring rule | 0.50",
        "Email open (at least once) | no clear effect once the other rules are counted (left out to keep the "
        "scorecard short) | –"]
    assert en["excluded"][-1] == (
        "Left out of the model, with the reason: 2 sales-side fields (the sales work, not the lead), 2 fields of "
        "personal contact data, 45 without a clear effect once the others are counted.")
    assert es["excluded"][-1] == (
        "Fuera del modelo, con su motivo: 2 campos de ventas (el trabajo de ventas, no el lead), 2 campos de datos "
        "personales de contacto, 45 sin efecto claro una vez contadas las demás.")
    assert es["calibration"][0].splitlines()[1] == f"0,0 % – 0,3 % | 198 | 0,1 % | 1,0 % | [0,3 %{ES_SEP}3,6 %]"
    assert en["evaluation"] == [
        "AUC 0.79 [0.69, 0.90] (DeLong 95 % interval): a customer outscores a non-customer 79 % of the time. The model "
        "was trained on leads created before 6 Apr 2026 and tested on the 988 created since. 706 leads younger than "
        "90 days are left out: they have not had the chance to close."]
    assert es["evaluation"] == [
        f"AUC 0,79 [0,69{ES_SEP}0,90] (intervalo DeLong del 95 %): un cliente supera en puntos a un no cliente el 79 % de las "
        "veces. El modelo fue entrenado con los leads creados antes del 6 abr 2026 y probado con los 988 creados desde "
        "entonces. Se excluyen 706 leads con menos de 90 días: aún no han tenido ocasión de cerrar."]
    # the third decile's row of the table (issue 16 item 10: it said 68 %, the second decile's)
    assert en["gains"][0].splitlines()[3] == "3 | 99 | 2 | 71 | 2.0 % | [0.6 %, 7.1 %] | 0.7 | 75 %"
    assert en["gains"][-1] == ("Among the leads the model has not seen, the top 10 % by score close at 15.2 % (×5.3 the "
                               "average), and the top 30 % hold 75 % of the customers.")
    assert es["gains"][-1] == ("Entre los leads que el modelo no ha visto, el 10 % con más puntos cierra al 15,2 % (×5,3 "
                               "el promedio), y el 30 % superior reúne el 75 % de los clientes.")
    assert en["leakage"] == [  # no empty table; what the checks looked for, and that they prove nothing clean
        "None of these checks found a field recorded after the outcome: none is listed in scoring.exclude_features or "
        "has a sales-side name; none is filled in only for leads already won or lost; none holds dates after the "
        "lead's creation; none predicts the outcome suspiciously well on its own or far better than the rest. Checks "
        "cannot prove a field clean: ask how and when each field of the scorecard is filled in."]
    assert en["thresholds"][0].splitlines()[6] == "10 | 191 | 79 % | 3.3 % | [2.3 %, 4.8 %] | 93 %"
    assert es["thresholds"][-1] == (
        "Ventas puede trabajar unos 495 MQL al mes (11 comerciales × 60 horas de llamadas × 6,0 intentos por hora ÷ 8 "
        "intentos por lead). Umbral recomendado: 10 puntos, el umbral más alto que aún conserva el 90 % de los clientes "
        "(ventas podría trabajar todos los leads, así que el umbral solo quita trabajo que no trae clientes).")
    assert en["definition"] == [
        "A lead is a marketing-qualified lead (MQL) when its score reaches 10 points. Points come mostly from: Demo "
        "request (at least once) +88; First conversion is Free Trial Signup +53; Pricing page view (at least once) "
        "+42; Page view (at least once) +32; First conversion is Webinar: Closing the Loop +25. Points are taken away "
        f"for: Job title is Student {MINUS}63; Job title is VP Sales {MINUS}51; Original source is SOCIAL_MEDIA {MINUS}45. At this "
        "threshold marketing would hand sales about 191 MQLs a month; about 3.3 % of them become customers within "
        "90 days, and they include 93 % of all customers."]


def test_a_leaky_field_becomes_a_named_caution(demo, tmp_path):
    from smk.analyses.outcomes import won_within

    oc = lead_outcomes(demo)
    # a sales-side flag with an innocent name that is the outcome itself (won within 90 days)
    c = _variant(demo, leads=demo.leads.assign(crm_flag=won_within(oc, 90).map({True: "A", False: "B"}).to_numpy()))
    res = scoring.analyse(c)
    assert "crm_flag" in set(res.scorecard.leakage["feature"])
    assert "crm_flag" not in set(res.scorecard.coefficients["field"])
    assert res.cautions == (scoring.Caution("scoring.cautions.leakage_auc", {"feature": "crm_flag", "reason": "auc",
                                                                           "auc": 1.0}),)
    assert _render(res, c, "en", tmp_path, ["cautions"])["cautions"] == [
        "Note: Possible leakage: 'crm_flag' predicts the outcome almost perfectly on its own (AUC ≥ 0.95): probably "
        "recorded after it (AUC alone 1.00); it was left out of the model. Check how and when this field is filled in."]
    assert _render(res, c, "es", tmp_path, ["cautions"])["cautions"] == [
        "Nota: Posible fuga de información: 'crm_flag' predice el resultado casi perfectamente por sí sola (AUC ≥ "
        "0,95): probablemente se registra después (AUC sola 1,00); se dejó fuera del modelo. Revise cómo y cuándo se "
        "completa este campo."]
    leak = _render(res, c, "es", tmp_path, ["leakage"])["leakage"]
    assert leak[0].splitlines() == [
        "Campo o regla | Motivo | AUC sola | Decisión",
        "crm_flag | predice el resultado casi perfectamente por sí sola (AUC ≥ 0,95): probablemente se registra después "
        "| 1,00 | fuera del modelo"]
    assert leak[1] == ("Fuera por probable fuga de información (lo completa ventas después del resultado): crm_flag. Un "
                       "modelo que lo usara parecería excelente y no serviría para leads nuevos.")


def test_an_activity_type_with_capitals_and_spaces(demo, tmp_path):
    """Issue 17 item 9: 'Chat Bot' in the log became the rule field 'n_Chat Bot' and crashed notebook 02."""
    acts = demo.activities
    renamed = acts["activity_type"].astype(str).replace({"demo_request": "Chat Bot"}).astype("category")
    c = _variant(demo, activities=acts.assign(activity_type=renamed))
    res = scoring.analyse(c)
    assert res.missing == {}
    assert res.scorecard.rules[0].text == "n_Chat Bot >= 1" and res.scorecard.rules[0].points == 88  # as demo_request
    assert res.quadrants["n"].tolist() == [644, 757, 958, 935]  # the quadrants count the renamed activity too
    en = _render(res, c, "en", tmp_path)
    assert en["scorecard"][0].splitlines()[1] == "Chat Bot (count) | is at least | 1 | 88 | Interest | 266 | 21.4 % | 2.47 | 3.65"
    assert en["definition"][0].split(". ")[1] == "Points come mostly from: Chat Bot (at least once) +88; First conversion is Free Trial Signup +53; Pricing page view (at least once) +42; Page view (at least once) +32; First conversion is Webinar: Closing the Loop +25"
    # its headline names it in the value (the label is a catalogue text)
    h = res.headlines()[0]
    assert (h.label, texts.t(h.label, "es"), texts.t(h.display, "es", **h.params)) == \
        ("scoring.headline.lift_rank.1", "Lift: actividad principal", "Chat Bot: ×3,0")


def test_no_rule_learned(demo, tmp_path):
    """Issue 17 item 9: a model that keeps no rule crashed notebook 02 ("Length mismatch")."""
    c = _variant(demo, activities=None,
                 leads=demo.leads.drop(columns=["industry", "country", "job_title", "channel", "offer", "employees"]))
    res = scoring.analyse(c)
    assert res.scorecard is not None and res.scorecard.rules == [] and len(res.scorecard_rules) == 0
    why = Missing(reason="scoring.missing.no_rules", params={"days": 90})
    assert {s: res.missing[s] for s in scoring.RULE_SECTIONS} == {s: why for s in scoring.RULE_SECTIONS}
    assert res.missing["activities"] == Missing(needs=("activities",))
    assert res.missing["quadrants"] == Missing(reason="scoring.missing.no_quadrant_rules")
    # no rules in client.yml and none learned: nothing applied, no example rules (issue 16 item 9)
    assert "client_rules" not in res.missing and res.rules_source == "none" and res.client_rules is None
    assert res.headlines() == []
    en, es = _render(res, c, "en", tmp_path), _render(res, c, "es", tmp_path)
    assert en["scorecard"] == [
        "No rule has a clear effect on becoming a customer within 90 days once the others are counted, so the model "
        "gives no points: there is no scorecard to type into the CRM and no threshold to recommend."]
    assert es["thresholds"] == [
        "No hay datos suficientes: Ninguna regla tiene un efecto claro en convertirse en cliente en 90 días una vez "
        "contadas las demás, así que el modelo no asigna puntos: no hay tabla de puntuación para escribir en el CRM ni "
        "umbral que recomendar."]
    assert en["client_rules"] == [
        "client.yml has no scoring rules configured (scoring.rules), and the data give no learned rules that rank "
        "leads clearly better than chance (sections 4 and 6), so there are no rules to apply yet."]
    assert es["client_rules"] == [
        "client.yml no tiene reglas de puntuación configuradas (scoring.rules) y los datos no dan reglas aprendidas "
        "que ordenen los leads claramente mejor que el azar (secciones 4 y 6), así que aún no hay reglas que aplicar."]
    assert es["excluded"][-1] == ("Fuera del modelo, con su motivo: 2 campos de ventas (el trabajo de ventas, no el "
                                  "lead), 2 campos de datos personales de contacto.")


def test_too_few_customers_to_learn(demo, tmp_path):
    c = _variant(demo, leads=demo.leads.head(300))
    res = scoring.analyse(c)
    assert res.scorecard is None and res.thresholds is None and res.recommendation is None
    why = Missing(reason="scoring.missing.not_learned", params={"customers": 5, "others": 205, "min_events": 10})
    assert {s: res.missing[s] for s in scoring.MODEL_SECTIONS} == {s: why for s in scoring.MODEL_SECTIONS}
    assert res.missing["quadrants"] == Missing(reason="scoring.missing.no_quadrant_rules")
    # no activity is significantly above the average after BH: the tile says none stands out (it used to
    # show the two best-ranked ones anyway); no model, no threshold
    assert not res.activities["significant"].any() or (res.activities["direction"] != "above").all()
    h = res.headlines()
    assert [(i.label, i.value, texts.t(i.label, "en"), texts.t(i.display, "en"), texts.t(i.display, "es")) for i in h] == [
        ("scoring.headline.lift_none", None, "Lift: activities", "no activity stands out", "ninguna actividad destaca")]
    en, es = _render(res, c, "en", tmp_path), _render(res, c, "es", tmp_path)
    assert en["evaluation"] == [
        "Not enough data: The scoring model could not be learned: it needs at least 10 customers and 10 other leads "
        "old enough in the training window (customers: 5; other leads: 205)."]
    assert es["evaluation"] == [
        "No hay datos suficientes: No se pudo aprender el modelo de puntuación: necesita al menos 10 clientes y 10 "
        "leads más con antigüedad suficiente en la ventana de entrenamiento (clientes: 5; otros leads: 205)."]
    assert en["activities"][-1].endswith("No activity closes significantly above the average. 1 with too few leads to "
                                         "judge is listed last, unranked.")
    assert es["activities"][-1].endswith("Ninguna actividad cierra significativamente por encima del promedio. 1 con "
                                         "muy pocos leads para juzgar aparece al final, sin puesto.")


# ------------------------------------------------------------------------------------------------
# Sentences, branch by branch (smk.views.scoring)
# ------------------------------------------------------------------------------------------------
def test_mql_definition_in_both_languages():
    rules = [Rule("n_demo_request", ">=", 1.0, 68, group="interest"), Rule("job_title", "=", "Student", -49, group="fit")]
    rec = {"threshold": 60.0, "mqls_per_month": 140.4, "close_rate": 0.083, "capture": 0.91, "basis": "capacity"}
    assert view.mql_definition(rec, rules, "en", window_days=90) == (
        "A lead is a marketing-qualified lead (MQL) when its score reaches 60 points. Points come mostly from: Demo "
        f"request (at least once) +68. Points are taken away for: Job title is Student {MINUS}49. At this threshold marketing "
        "would hand sales about 140 MQLs a month; about 8.3 % of them become customers within 90 days, and they "
        "include 91 % of all customers.")
    assert view.mql_definition(rec, rules[:1], "es", window_days=90) == (
        "Un lead es un lead calificado por marketing (MQL) cuando su puntuación llega a 60 puntos. Los puntos vienen "
        "sobre todo de: Solicitud de demo (al menos una vez) +68. Con este umbral, marketing entregaría a ventas unos "
        "140 MQL al mes; cerca del 8,3 % se convierte en cliente en 90 días, y entre ellos está el 91 % de todos los "
        "clientes.")
    one = {**rec, "threshold": 1.0}
    assert view.mql_definition(one, rules[1:], "es", window_days=30).startswith(
        "Un lead es un lead calificado por marketing (MQL) cuando su puntuación llega a 1 punto. Restan puntos: Cargo "
        f"es Student {MINUS}49. Con este umbral")
    assert view.mql_definition(None, rules, "en", window_days=90) == (
        "No threshold can be recommended yet: set scoring.target_close_rate or costs.reps in client.yml.")


def test_rules_in_words():
    names, values = {"offer": "First Conversion"}, {"offer": {"free_trial": "Free Trial Signup"}}
    cases = [Rule("n_demo_request", ">=", 1.0, 1), Rule("n_email_open", ">=", 5.0, 1), Rule("offer", "=", "free_trial", 1),
             Rule("employees", ">=", 12.5, 1), Rule("country", "is unknown", None, 1),
             Rule("industry", "in", ("Retail", "Energy"), 1), Rule("n_Chat Bot", ">=", 1.0, 1)]
    assert [view.describe_rule(r, "en", names, values) for r in cases] == [
        "Demo request (at least once)", "Email open (5 times or more)", "First Conversion is Free Trial Signup",
        "Number of employees is at least 12.50", "Country is unknown", "Industry is any of Retail, Energy",
        "Chat Bot (at least once)"]
    assert [view.describe_rule(r, "es", None, values) for r in cases] == [
        "Solicitud de demo (al menos una vez)", "Apertura de email (5 veces o más)", "Primera conversión es Free Trial Signup",
        "Número de empleados es al menos 12,50", "País es desconocido", "Industria es uno de Retail, Energy",
        "Chat Bot (al menos una vez)"]
    assert [view.operator_words(op, "es") for op in (">", "≠", "not in", "is known")] == [
        "es mayor que", "no es", "no es ninguno de", "es conocido"]


def _rates(rows, average=0.06, base=0.04, leads=1234, window_days=90):
    d = pd.DataFrame(rows, columns=["activity", "rate", "lift_vs_average", "direction", "too_small"])
    d.attrs.update(average_rate=average, base_rate=base, n_leads=leads, window_days=window_days)
    return d


def test_activity_sentences_for_none_one_and_many():
    one = _rates([("demo_request", 0.2, 3.3, "above", False), ("chat", 0.05, 0.8, "", True)])
    assert view.activities_text(one, 90, "en") == (
        "The average activity close rate is 6.0 % (the mean of the activities' own rates, as the guide computes it); "
        "4.0 % of all 1,234 leads became customers within 90 days. Significantly above average: Demo request (20.0 %, "
        "×3.3). It belongs in the MQL definition. 1 with too few leads to judge is listed last, unranked.")
    assert view.activities_text(one, 90, "es").endswith(
        "Significativamente por encima del promedio: Solicitud de demo (20,0 %, ×3,3). Esta va en la definición de "
        "MQL. 1 con muy pocos leads para juzgar aparece al final, sin puesto.")
    none = _rates([("chat", 0.05, 0.8, "below", False), ("event", 0.05, 0.8, "", True), ("Chat Bot", 0.05, 0.8, "", True)])
    assert view.activities_text(none, 30, "en").endswith(
        "within 30 days. No activity closes significantly above the average. 2 with too few leads to judge are listed "
        "last, unranked.")
    assert view.activities_text(none, 30, "es").endswith(
        "en 30 días. Ninguna actividad cierra significativamente por encima del promedio. 2 con muy pocos leads para "
        "juzgar aparecen al final, sin puesto.")
    assert view.activities_text(_rates([]), 90, "es") == "Ningún lead hizo alguna actividad antes de su resultado."
    # without creation dates there is no N-day window: no "within 90 days" (issue 16 item 8)
    undated = _rates([("demo_request", 0.2, 3.3, "above", False)], window_days=None)
    assert view.activities_text(undated, 90, "en") == (
        "The average activity close rate is 6.0 % (the mean of the activities' own rates, as the guide computes it); "
        "4.0 % of all 1,234 leads became customers. Significantly above average: Demo request (20.0 %, ×3.3). It "
        "belongs in the MQL definition.")
    assert view.activities_text(undated, 90, "es").startswith(
        "La tasa de cierre promedio de las actividades es 6,0 % (la media de las tasas de cada actividad, como la "
        "calcula la guía); el 4,0 % de los 1.234 leads se convirtió en cliente. Significativamente")


def test_quadrant_sentences_when_a_corner_is_empty():
    q = pd.DataFrame({"quadrant": list(scoring.QUADRANTS), "n": [0, 5, 5, 40], "rate": [float("nan"), 0.2, 0.2, 0.025],
                      "ci_low": [float("nan"), 0.0, 0.0, 0.004], "ci_high": [float("nan"), 0.6, 0.6, 0.13]})
    assert view.quadrants_text(q, "config", "en") == (
        "No lead is both high fit and high interest; low fit and low interest leads close at 2.5 %. Here fit and "
        "interest come from scoring.fit_rules and scoring.interest_rules; 'high' means above the median unless "
        "client.yml sets the thresholds.")
    assert view.quadrants_text(q, "learned", "es") == (
        "Ningún lead es a la vez de gran valor y gran interés; los de poco valor y poco interés cierran al 2,5 %. Aquí "
        "el valor y el interés vienen de las reglas de perfil y de comportamiento del modelo aprendido; «alto» "
        "significa por encima de la mediana salvo que client.yml fije los umbrales.")
    q2 = q.assign(n=[10, 5, 5, 0], rate=[0.5, 0.2, 0.2, float("nan")], ci_low=[0.24, 0, 0, float("nan")],
                  ci_high=[0.76, 0.6, 0.6, float("nan")])
    assert view.quadrants_text(q2, "config", "en").startswith(
        "High fit and high interest leads close at 50.0 % [24.0 %, 76.0 %]; no lead is low fit and low interest.")
    assert view.quadrants_text(q2, "config", "es").startswith(
        f"Los leads de gran valor y gran interés cierran al 50,0 % [24,0 %{ES_SEP}76,0 %]; ningún lead es de poco valor y "
        "poco interés.")


def test_excluded_sentence_uses_plural_forms():
    ex = pd.DataFrame({"reason": ["name", "collinear", "not_significant", "sparse"]})
    assert view.excluded_text(ex, "en") == (
        "Left out of the model, with the reason: 1 field that looks filled in after the outcome, 1 feature that "
        "repeats another one, 1 without a clear effect once the others are counted.")
    assert view.excluded_text(ex, "es") == (
        "Fuera del modelo, con su motivo: 1 campo que parece completarse después del resultado, 1 variable que repite "
        "otra, 1 sin efecto claro una vez contadas las demás.")
    # only the reasons that occur (no "0 …"); calendar parts, sales-side fields and personal data by name
    two = pd.DataFrame({"reason": ["auc", "post_outcome", "calendar_dates", "calendar_creation", "sales_side", "pii",
                                   "collinear", "collinear", "diverges"]})
    assert view.excluded_text(two, "es") == (
        "Fuera del modelo, con su motivo: 2 campos que parecen completarse después del resultado, 2 fechas o partes "
        "del calendario (no son atributos del lead), 1 campo de ventas (el trabajo de ventas, no el lead), 1 campo de "
        "datos personales de contacto, 2 variables que repiten otra, 1 regla que el modelo no puede estimar.")
    assert view.excluded_text(pd.DataFrame({"reason": ["sparse"]}), "en") == (
        "Nothing was left out of the model except values with too few leads to estimate.")


def test_evaluation_without_dates_reads_right(demo_result):
    """The undated branch was "The model was the data have no creation dates…" / "El modelo fue los datos…"."""
    import dataclasses

    sc = dataclasses.replace(demo_result.scorecard, split_kind="random (no dates)", too_recent=1)
    assert view.evaluation_text(sc, 90, "en") == (
        "AUC 0.79 [0.69, 0.90] (DeLong 95 % interval): a customer outscores a non-customer 79 % of the time. The data "
        "have no creation dates, so the model was tested on 988 leads picked at random (fixed seed) instead of the most "
        "recent ones. 1 lead younger than 90 days is left out: it has not had the chance to close.")
    assert view.evaluation_text(sc, 90, "es") == (
        f"AUC 0,79 [0,69{ES_SEP}0,90] (intervalo DeLong del 95 %): un cliente supera en puntos a un no cliente el 79 % de las "
        "veces. Los datos no tienen fechas de creación, así que el modelo se probó con 988 leads elegidos al azar "
        "(semilla fija) en lugar de los más recientes. Se excluye 1 lead con menos de 90 días: aún no ha tenido "
        "ocasión de cerrar.")
    assert view.scorecard_text(sc, 90, "en").startswith(
        "16 rules, learned by logistic regression on 2,306 leads (a random 70 %: the data have no dates). ")


def test_recommendation_sentences_for_each_basis():
    cap = {"capacity": 135.0, "reps": 3, "calling_hours_per_month": 60, "attempts_per_hour": 6, "attempts_per_lead": 8}
    rec = {"threshold": 30.0, "basis": "capacity"}
    assert view.recommendation_text(rec, cap, "en") == (
        "Sales can work about 135 MQLs a month (3 reps × 60 calling hours × 6.0 attempts per hour ÷ 8 attempts per "
        "lead). Recommended threshold: 30 points, the lowest threshold whose volume fits that capacity.")
    assert view.recommendation_text({"threshold": 1.0, "basis": "target_close_rate"}, {"capacity": None}, "es") == (
        "Umbral recomendado: 1 punto, el umbral más bajo cuyos MQL cierran a la tasa objetivo.")
    assert view.recommendation_text({"threshold": 45.0, "basis": "configured"}, {}, "en") == (
        "Recommended threshold: 45 points, the threshold set in client.yml (scoring.mql_threshold).")
    assert view.recommendation_text({"threshold": 20.0, "basis": "both"}, {}, "es") == (
        "Umbral recomendado: 20 puntos, el umbral más bajo que cabe en la capacidad y alcanza la tasa de cierre objetivo.")
    assert view.recommendation_text(None, cap, "es") == (
        "Aún no se puede recomendar un umbral: indique scoring.target_close_rate o costs.reps en client.yml.")


def test_every_catalogue_value_of_the_seed_in_both_languages():
    """The guide's quadrant actions and the activity and operator names are complete in both languages."""
    assert [texts.t(f"scoring.actions.{q}", "en") for q in scoring.QUADRANTS] == [
        "Sales follows up immediately (usually within 24 hours)", "Marketing nurtures them",
        "Worth a sales contact (non-traditional buyer)", "Drop from lists"]
    assert [texts.t(f"scoring.actions.{q}", "es") for q in scoring.QUADRANTS] == [
        "Ventas da seguimiento inmediato (normalmente en menos de 24 horas)", "Marketing los nutre",
        "Vale la pena un contacto de ventas (cliente no tradicional)", "Eliminarlos de las listas"]
    from smk.analyses.rules import OPERATOR_CODES
    from smk.analyses.scorecard import REASONS
    from smk.io.schema import ACTIVITY_TYPES

    for lang in texts.LANGS:
        assert all(texts.has(f"scoring.activity_names.{a}", lang) and texts.has(f"scoring.headline.lift.{a}", lang)
                   for a in ACTIVITY_TYPES)
        assert all(texts.has(f"scoring.operators.{c}", lang) for c in OPERATOR_CODES.values())
        assert all(texts.has(f"scoring.reasons.{r}", lang) for r in REASONS)


def test_caution_texts_in_both_languages():
    params = {"feature": "Lead Grade", "reason": "separation", "auc": 0.874, "level": "A+", "n": 1234, "k": 1234,
              "share": 1.0}
    assert texts.t("scoring.cautions.leakage_separation", "en", **view.caution_values(params, "en")) == (
        "Possible leakage: every one of the 1,234 leads whose 'Lead Grade' is 'A+' was won (perfect separation; AUC "
        "alone 0.87); the field was left out of the model. Check how and when this field is filled in.")
    assert texts.t("scoring.cautions.leakage_separation", "es", **view.caution_values(params, "es")) == (
        "Posible fuga de información: se ganaron los 1.234 leads cuyo 'Lead Grade' es 'A+' (separación perfecta; AUC "
        "sola 0,87); el campo se dejó fuera del modelo. Revise cómo y cuándo se completa este campo.")
    # a field filled in only for leads already won or lost
    post = {"feature": "fiscal_q", "reason": "post_outcome", "auc": 0.78, "n": 1188, "k": 1188, "share": 1.0,
            "other": 0.0}
    assert texts.t("scoring.cautions.leakage_post_outcome", "en", **view.caution_values(post, "en")) == (
        "Possible leakage: 'fiscal_q' is filled in only once the outcome is known (1,188 of the 1,188 leads with a "
        "value are won or lost, against 0 % of the leads without one); it was left out of the model. Check how and "
        "when this field is filled in.")
    # a doubtful field kept in the scorecard: the evidence in words, and what to do
    review = {"feature": "talk_min", "reason": "dominant", "auc": 0.8166, "other": 0.6003}
    assert texts.t("scoring.cautions.review", "en", **view.caution_values(review, "en")) == (
        "For review: the scorecard uses 'talk_min', which predicts far better than any other field (AUC alone 0.82, "
        "against 0.60 for the next best). If this field is filled in after the outcome, add it to "
        "scoring.exclude_features and run the notebook again; until then, read the AUC and the threshold below with "
        "that in mind.")
    assert texts.t("scoring.cautions.review", "es", **view.caution_values(review, "es")) == (
        "Para revisar: el modelo de puntos usa 'talk_min', que predice mucho mejor que cualquier otro campo (AUC sola "
        "0,82, frente a 0,60 del siguiente). Si este campo se completa después del resultado, agréguelo a "
        "scoring.exclude_features y vuelva a ejecutar el cuaderno; mientras tanto, lea el AUC y el umbral de más "
        "abajo teniéndolo en cuenta.")
    # outcome data that start later than the leads: how many are left out, from which month (plural forms)
    for n, en in ((1, "the 1 lead created before is left out"), (1602, "the 1,602 leads created before are left out")):
        cov = view.caution_values({"leads": n, "start": pd.Timestamp("2026-01-01")}, "en")
        assert texts.t("scoring.cautions.coverage", "en", **cov) == (
            f"The outcome data (deals, won and lost marks) cover leads created from {fmt.month('2026-01', 'en')} on: "
            f"{en} of every rate, test and model in this notebook, because {'its' if n == 1 else 'their'} outcome is "
            "unknown, not lost.")
    assert texts.t("scoring.cautions.counters_undated", "es") == (
        "La actividad viene de contadores por lead, que no tienen fechas: la actividad posterior a convertirse en "
        "cliente no se puede separar y también se cuenta.")


def test_counters_without_dates_are_a_caution(tmp_path):
    import smk
    from smk.io import synth

    synth.generate(tmp_path, n_leads=4000, shape="summary")
    c = smk.load_client(tmp_path)
    res = scoring.analyse(c)
    assert res.cautions == (scoring.Caution("scoring.cautions.counters_undated"),)
    assert res.missing["assets"] == Missing(needs=("activity_log",))
    assert _render(res, c, "en", tmp_path, ["cautions"])["cautions"] == [
        "Note: Activity comes from per-lead counters, which carry no dates: activity after a lead became a customer "
        "cannot be told apart and is counted too."]


# ------------------------------------------------------------------------------------------------
# The notebook's own cells on edge-case clients (in-process, as test_monthly does for 06)
# ------------------------------------------------------------------------------------------------
NOTEBOOK = __import__("pathlib").Path(__file__).resolve().parents[1] / "notebooks" / "02_mql_scoring.ipynb"


def run_notebook_cells(client, lang, tmp_path, monkeypatch) -> list:
    """Notebook 02's cells in-process on ``client``; what they displayed through the context."""
    return run_cells(NOTEBOOK, client, monkeypatch, lang=lang, output_dir=tmp_path / "out")["ctx"].shown

@pytest.mark.parametrize("variant, lang, expect", [
    ("chat_bot", "en", "Points come mostly from: Chat Bot (at least once) +88"),
    ("no_rule", "es", "Ninguna regla tiene un efecto claro en convertirse en cliente en 90 días"),
    ("few_customers", "en", "The scoring model could not be learned: it needs at least 10 customers"),
    ("no_activity", "es", "este análisis necesita actividades de marketing"),
])
def test_notebook_renders_edge_clients(demo, variant, lang, expect, tmp_path, monkeypatch):
    profile = ["industry", "country", "job_title", "channel", "offer", "employees"]
    acts = demo.activities
    c = {"chat_bot": lambda: _variant(demo, activities=acts.assign(activity_type=acts["activity_type"].astype(str).replace(
             {"demo_request": "Chat Bot"}).astype("category"))),
         "no_rule": lambda: _variant(demo, activities=None, leads=demo.leads.drop(columns=profile)),
         "few_customers": lambda: _variant(demo, leads=demo.leads.head(300)),
         "no_activity": lambda: _variant(demo, activities=None)}[variant]()
    shown = run_notebook_cells(c, lang, tmp_path, monkeypatch)
    text = "\n".join(repr(x) for x in shown if not hasattr(x, "savefig"))
    assert expect in text
    # every heading and section displayed something (its content, or why it cannot be shown)
    assert len([x for x in shown if not hasattr(x, "savefig")]) >= 13 + 13
    assert (tmp_path / "out" / "02.headlines.json").exists()


def test_threshold_slider_in_jupyterlab(demo, demo_result, tmp_path):
    from smk.views import registry

    values = {}
    for lang in texts.LANGS:
        ctx = smk.report.setup(tmp_path, lang=lang, client=demo, output_dir=tmp_path / lang)
        ctx.interactive = True
        intro, box = registry.find(scoring.ScoringResult, "explorer")(demo_result, ctx)
        slider, out = box.children
        assert slider.value == 10.0  # starts at the recommendation
        first = out.value
        slider.value = 40.0
        values[lang] = (slider.description, first, out.value)
    assert values["en"] == ("Threshold",
                            "<p><strong>191</strong> MQLs per month · close rate <strong>3.3 %</strong> [2.3 %, 4.8 %] · "
                            "captures <strong>93 %</strong> of customers</p>",
                            "<p><strong>132</strong> MQLs per month · close rate <strong>4.4 %</strong> [3.0 %, 6.5 %] · "
                            "captures <strong>86 %</strong> of customers</p>")
    assert values["es"][0] == "Umbral" and values["es"][2] == (
        f"<p><strong>132</strong> MQL al mes · tasa de cierre <strong>4,4 %</strong> [3,0 %{ES_SEP}6,5 %] · capta el "
        "<strong>86 %</strong> de los clientes</p>")
