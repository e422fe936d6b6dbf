"""Tests for smk.analyses.alignment (notebook 01: alignment audit).

Hand-made survey and CRM tables with every expected number worked out by hand in comments,
an independent brute-force recomputation of the permutation p-values, the demo client's planted
weaknesses (when data/demo exists), and the widget-free answer saving.
"""
from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from smk.analyses import alignment as al  # noqa: E402
from smk.client import Client  # noqa: E402
from smk.io.config import parse_config  # noqa: E402
from smk.io.ledger import Ledger  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TZ = "UTC"


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz=TZ)


def make_client(survey: pd.DataFrame | None, leads: pd.DataFrame | None = None, *, deals=None, attempts=None,
                data_end: str = "2026-06-30 23:00", extra_config: dict | None = None) -> Client:
    cfg = {"name": "Test", "tables": {"leads": {"file": "leads.csv"}, "survey": {"file": "survey.csv"}}}
    cfg.update(extra_config or {})
    config = parse_config(cfg)
    if leads is None:
        # a neutral CRM: one recent MQL with a source -> no weak indicator, the verdict is the survey's
        leads = pd.DataFrame({"lead_id": ["X1"], "created_at": [ts("2026-06-01")], "mql_at": [ts("2026-06-02")],
                              "channel": ["email"]})
    tables = {"leads": leads}
    if survey is not None:
        s = survey.copy()
        s["_source_row"] = np.arange(2, len(s) + 2)
        tables["survey"] = s
    if deals is not None:
        tables["deals"] = deals
    if attempts is not None:
        tables["contact_attempts"] = attempts
    return Client(config=config, tables=tables, ledger=Ledger(), rows_in={k: len(v) for k, v in tables.items()},
                  data_end=ts(data_end))


def answers(rows: list[tuple[str, str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["respondent", "team", "question_id", "answer"])


# Hand-made survey. Respondent-level dimension scores:
#   follow_up     sales s1=4 s2=5 s3=4 (mean 13/3=4.3333) | marketing m1=2 m2=1 m3=2 (5/3=1.6667) | mgmt g1=3
#   meetings      sales s1=(3+4)/2=3.5 s2=(2+2)/2=2 s3=(3+3)/2=3 (8.5/3=2.8333)
#                 marketing m1=(4+4)/2=4 m2=(3+5)/2=4 m3=(5+4)/2=4.5 (12.5/3=4.1667) | mgmt g1=(3+3)/2=3
#   lead_quality  sales s1=1 s2=2 s3=3 (2.0) | marketing m1=4 m2=5 (4.5; m3 did not answer) | mgmt g1=3
HAND = answers([
    ("s1", "sales", "follow_up", 4), ("s2", "sales", "follow_up", 5), ("s3", "sales", "follow_up", 4),
    ("m1", "marketing", "follow_up", 2), ("m2", "marketing", "follow_up", 1), ("m3", "marketing", "follow_up", 2),
    ("g1", "management", "follow_up", 3),
    ("s1", "sales", "meetings_frequency", 3), ("s1", "sales", "meetings_quality", 4),
    ("s2", "sales", "meetings_frequency", 2), ("s2", "sales", "meetings_quality", 2),
    ("s3", "sales", "meetings_frequency", 3), ("s3", "sales", "meetings_quality", 3),
    ("m1", "marketing", "meetings_frequency", 4), ("m1", "marketing", "meetings_quality", 4),
    ("m2", "marketing", "meetings_frequency", 3), ("m2", "marketing", "meetings_quality", 5),
    ("m3", "marketing", "meetings_frequency", 5), ("m3", "marketing", "meetings_quality", 4),
    ("g1", "management", "meetings_frequency", 3), ("g1", "management", "meetings_quality", 3),
    ("s1", "sales", "lead_quality", 1), ("s2", "sales", "lead_quality", 2), ("s3", "sales", "lead_quality", 3),
    ("m1", "marketing", "lead_quality", 4), ("m2", "marketing", "lead_quality", 5),
    ("g1", "management", "lead_quality", 3),
])


def brute_force_u_pvalue(x, y) -> float:
    """Independent recomputation: enumerate every split of the pooled scores, U with midranks,
    two-sided p = 2·min(P(U ≥ u_obs), P(U ≤ u_obs)), capped at 1."""
    pooled = list(x) + list(y)
    n, k = len(pooled), len(x)

    def u_of(idx):
        ranks = pd.Series(pooled).rank(method="average").to_numpy()
        return ranks[list(idx)].sum() - k * (k + 1) / 2

    u_obs = u_of(range(k))
    us = [u_of(c) for c in itertools.combinations(range(n), k)]
    ge = sum(u >= u_obs - 1e-9 for u in us) / len(us)
    le = sum(u <= u_obs + 1e-9 for u in us) / len(us)
    return min(1.0, 2 * min(ge, le))


# ---------------------------------------------------------------------------------------------
# question bank
# ---------------------------------------------------------------------------------------------
DEMO_IDS = ["meetings_frequency", "meetings_quality", "heads_relationship", "shared_definitions", "sla_exists",
            "closed_loop", "lead_quality", "follow_up", "shared_goals", "shared_roles", "shared_tools"]


def test_default_bank_has_the_demo_ids_in_both_languages():
    bank = al.question_bank()
    assert bank["id"].tolist() == DEMO_IDS
    assert bank["text_en"].str.len().gt(20).all() and bank["text_es"].str.len().gt(20).all()
    assert (bank["text_en"] != bank["text_es"]).all()
    # meetings_frequency and meetings_quality share a dimension: 10 dimensions for 11 questions
    dims = al.dimensions(bank)
    assert len(dims) == 10
    assert dims.set_index("dimension").loc["meetings", "n_questions"] == 2
    assert set(dims["notebook"]) <= set(al.NOTEBOOKS)
    assert dims.set_index("dimension").loc["follow_up", "notebook"] == "05"
    assert dims.set_index("dimension").loc["definitions", "notebook"] == "02"


def test_client_can_add_and_replace_questions():
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": {"questions": [
        {"id": "follow_up", "dimension": "follow_up", "text_en": "Sales calls back fast.", "text_es": "Ventas llama rápido."},
        {"id": "partner_program", "dimension": "partners", "text_en": "Partners get leads.", "text_es": "Los socios reciben leads.",
         "label_en": "Partners", "label_es": "Socios", "notebook": "04"},
    ]}})
    bank = al.question_bank(cfg.survey)
    assert len(bank) == 12  # 11 default, follow_up replaced in place of a new row, 1 new
    assert bank.set_index("id").loc["follow_up", "text_en"] == "Sales calls back fast."
    p = bank.set_index("id").loc["partner_program"]
    assert (p["dimension"], p["label_es"], p["notebook"]) == ("partners", "Socios", "04")
    cfg2 = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": {"replace": True, "questions": [
        {"id": "q1", "dimension": "d1", "text_en": "One", "text_es": "Uno"}]}})
    bank2 = al.question_bank(cfg2.survey)
    assert bank2["id"].tolist() == ["q1"] and bank2.loc[0, "label_en"] == "d1" and bank2.loc[0, "notebook"] is None


def test_client_question_without_text_is_a_config_error():
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}, "survey": {"questions": [
        {"id": "q1", "dimension": "d1", "text_en": "One"}]}})
    with pytest.raises(al.ConfigError, match="text_es"):
        al.question_bank(cfg.survey)


# ---------------------------------------------------------------------------------------------
# cleaning / ledger
# ---------------------------------------------------------------------------------------------
def test_bad_answers_go_to_the_ledger_once():
    s = answers([
        ("a", "sales", "follow_up", 4),            # row 2 ok
        ("a", "sales", "coffee_quality", 5),       # row 3 unknown question
        ("b", "marketing", "follow_up", 6),        # row 4 out of range
        ("c", "marketing", "follow_up", 0),        # row 5 out of range
        ("d", "marketing", "lead_quality", 3.5),   # row 6 not a whole number -> out of range
        ("a", "sales", "follow_up", 2),            # row 7 same respondent + question again -> duplicate
        ("e", "management", "shared_goals", 5),    # row 8 ok
    ])
    client = make_client(s)
    clean = al.clean_survey(client)
    assert clean["_source_row"].tolist() == [2, 8]
    assert clean["answer"].tolist() == [4, 5]
    assert clean["dimension"].tolist() == ["follow_up", "goals"]
    led = client.ledger.to_frame()
    got = sorted(zip(led["source_row"].astype(int), led["reason"]))
    assert got == [(3, "unknown_question"), (4, "out_of_range"), (5, "out_of_range"), (6, "out_of_range"),
                   (7, "duplicate_id")]
    assert set(led["table"]) == {"survey"} and set(led["file"]) == {"survey.csv"}
    # idempotent: a second call (e.g. audit() after clean_survey()) records nothing new
    again = al.clean_survey(client)
    assert len(client.ledger) == 5
    pd.testing.assert_frame_equal(clean, again)
    shown = al.set_aside_answers(client, "es")
    assert shown["Fila en el archivo"].tolist() == [3, 4, 5, 6, 7]
    assert shown.loc[0, "Motivo"] == "pregunta desconocida en el banco de preguntas" and shown.loc[0, "Valor"] == "coffee_quality"
    # invariant: rows read == rows kept + rows set aside
    assert len(s) == len(clean) + len(client.ledger.set_aside("survey"))


def test_no_survey_gives_empty_answers_and_no_verdict():
    client = make_client(None)
    a = al.audit(client)
    assert a.answers.empty and a.dimension_table.empty and a.priorities.empty
    assert a.verdict.level is None
    assert "No valid answers" in al.narrative(a, "en")["verdict"]
    assert "No hay respuestas" in al.narrative(a, "es")["verdict"]


# ---------------------------------------------------------------------------------------------
# scores and gaps on the hand-made survey
# ---------------------------------------------------------------------------------------------
@pytest.fixture()
def hand_audit():
    return al.audit(make_client(HAND))


def test_team_scores_by_hand(hand_audit):
    sc = hand_audit.scores.set_index(["dimension", "team"])
    assert sc.loc[("follow_up", "sales"), "mean"] == pytest.approx(13 / 3)
    assert sc.loc[("follow_up", "marketing"), "mean"] == pytest.approx(5 / 3)
    assert sc.loc[("meetings", "sales"), "mean"] == pytest.approx(8.5 / 3)
    assert sc.loc[("meetings", "marketing"), "mean"] == pytest.approx(12.5 / 3)
    assert sc.loc[("lead_quality", "marketing"), "n"] == 2
    assert bool(sc.loc[("lead_quality", "marketing"), "too_few"]) and not bool(sc.loc[("follow_up", "sales"), "too_few"])
    # pooled 'all' row for follow_up: (4+5+4+2+1+2+3)/7 = 21/7 = 3
    assert sc.loc[("follow_up", "all"), "mean"] == pytest.approx(3.0) and sc.loc[("follow_up", "all"), "n"] == 7
    # t-interval, sales follow_up [4,5,4]: mean 4.3333, s = sqrt(((1/3)²·2 + (2/3)²)/2) = sqrt(1/3) = 0.57735,
    # se = 0.57735/√3 = 1/3, t(0.975, 2) = 4.302653 -> half = 1.434218 -> [2.899115, 5.767551 -> clipped 5]
    assert sc.loc[("follow_up", "sales"), "ci_low"] == pytest.approx(13 / 3 - 4.302653 / 3, abs=1e-5)
    assert sc.loc[("follow_up", "sales"), "ci_high"] == 5.0
    # one respondent (management): no interval
    assert math.isnan(sc.loc[("follow_up", "management"), "ci_low"])


def test_balanced_scores_and_gaps_by_hand(hand_audit):
    t = hand_audit.dimension_table.set_index("dimension")
    assert list(t.index) == ["meetings", "lead_quality", "follow_up"]  # questionnaire order, answered dims only
    # balanced score = mean of team means: follow_up (13/3 + 5/3 + 3)/3 = 3.0;
    # meetings (8.5/3 + 12.5/3 + 3)/3 = 10/3; lead_quality (2 + 4.5 + 3)/3 = 9.5/3
    assert t.loc["follow_up", "score"] == pytest.approx(3.0)
    assert t.loc["meetings", "score"] == pytest.approx(10 / 3)
    assert t.loc["lead_quality", "score"] == pytest.approx(9.5 / 3)
    g = hand_audit.gaps.set_index("dimension")
    assert g.loc["follow_up", "gap"] == pytest.approx(13 / 3 - 5 / 3)   # +2.6667
    assert g.loc["meetings", "gap"] == pytest.approx(8.5 / 3 - 12.5 / 3)  # −1.3333
    assert g.loc["lead_quality", "gap"] == pytest.approx(2 - 4.5)       # −2.5
    # follow_up: every sales score above every marketing score -> U = 3·3 = 9; ties (4,4 / 2,2) -> exact
    # permutation: of C(6,3) = 20 splits only {4,5,4} gives U = 9 and only {2,1,2} gives U = 0, so
    # p = 2 · 1/20 = 0.1. meetings: sales all below -> U = 0, ties (4,4) -> p = 0.1 the same way.
    # lead_quality: no ties, [1,2,3] vs [4,5], U = 0 -> scipy exact: 2 · 1/C(5,2) = 0.2.
    assert g.loc["follow_up", "u"] == 9 and g.loc["follow_up", "pvalue"] == pytest.approx(0.1)
    assert g.loc["follow_up", "method"] == "permutation_exact"
    assert g.loc["meetings", "u"] == 0 and g.loc["meetings", "pvalue"] == pytest.approx(0.1)
    assert g.loc["lead_quality", "pvalue"] == pytest.approx(0.2) and g.loc["lead_quality", "method"] == "exact"
    # rank-biserial effect 2U/(n1 n2) − 1: follow_up +1, meetings −1
    assert g.loc["follow_up", "effect"] == 1 and g.loc["meetings", "effect"] == -1
    # BH over p = (0.1 meetings, 0.2 lead_quality, 0.1 follow_up), m = 3: sorted 0.1, 0.1, 0.2 ->
    # 0.1·3/1 = 0.3, 0.1·3/2 = 0.15, 0.2·3/3 = 0.2 -> running min from the top: 0.15, 0.15, 0.2
    assert g.loc["meetings", "qvalue"] == pytest.approx(0.15)
    assert g.loc["follow_up", "qvalue"] == pytest.approx(0.15)
    assert g.loc["lead_quality", "qvalue"] == pytest.approx(0.2)
    # marketing has 2 respondents on lead_quality: caution; nothing is significant at q < 0.05
    assert bool(g.loc["lead_quality", "caution"]) and not bool(g.loc["follow_up", "caution"])
    assert not g["significant"].any()


def test_gap_test_matches_brute_force_enumeration():
    rng = np.random.default_rng(7)
    for _ in range(6):
        x = rng.integers(1, 6, size=rng.integers(2, 6)).astype(float)
        y = rng.integers(1, 6, size=rng.integers(2, 6)).astype(float)
        got = al.gap_test(x, y)
        assert got["pvalue"] == pytest.approx(brute_force_u_pvalue(x, y), abs=1e-9), (x, y)


def test_gap_test_no_ties_equals_scipy_exact_and_one_respondent_is_not_tested():
    # [1,2] vs [3,4,5]: U = 0, C(5,2) = 10 splits, p = 2/10
    assert al.gap_test([1, 2], [3, 4, 5])["pvalue"] == pytest.approx(0.2)
    one = al.gap_test([4], [1, 2, 3])
    assert math.isnan(one["pvalue"]) and one["method"] == "none"


def test_verdict_and_priorities_by_hand(hand_audit):
    v = al.maturity(hand_audit.dimension_table, evidence=None)
    # S = (10/3 + 9.5/3 + 3)/3 = 3.1667 -> 2.6 <= S < 3.4 -> level 3 (Cooperating); no dimension < 2.5
    assert v.score == pytest.approx((10 / 3 + 9.5 / 3 + 3) / 3)
    assert (v.level, v.name_en, v.name_es) == (3, "Cooperating", "Cooperando")
    # two weak indicators from the data: one level down
    ev = pd.DataFrame({"dimension": ["follow_up", "closed_loop"], "status": ["weak", "weak"],
                       "fact_en": ["f1", "f2"], "fact_es": ["h1", "h2"]})
    assert al.maturity(hand_audit.dimension_table, ev).level == 2
    # priority = (5 − score) + |gap| + weak indicators:
    #   follow_up 2 + 2.6667 = 4.6667; lead_quality (5 − 3.1667) + 2.5 = 4.3333; meetings 1.6667 + 1.3333 = 3
    p = al.priorities(hand_audit.dimension_table, hand_audit.dims)
    assert p["dimension"].tolist() == ["follow_up", "lead_quality", "meetings"]
    assert p["priority_score"].tolist() == pytest.approx([14 / 3, 13 / 3, 3.0])
    assert p["notebook"].tolist() == ["05", "02", "06"]
    assert "sales rates it 2.7 points higher than marketing" in p.loc[0, "why_en"]
    assert "marketing la puntúa 2,5 puntos más que ventas" in p.loc[1, "why_es"]
    # with a weak follow-up indicator... and a weak meeting indicator meetings jumps: 3 + 1 = 4 < 4.33
    p2 = al.priorities(hand_audit.dimension_table, hand_audit.dims, ev)
    assert p2.loc[0, "priority_score"] == pytest.approx(14 / 3 + 1) and "f1" in p2.loc[0, "why_en"]


def test_level_edges():
    assert [al.level_from_score(s) for s in (1.0, 1.79, 1.8, 2.6, 3.39, 3.4, 4.2, 5.0)] == [1, 1, 2, 3, 3, 4, 5, 5]


def test_weak_pillar_caps_level_at_three():
    table = pd.DataFrame({"dimension": ["a", "b", "c"], "label_en": ["A", "B", "C"], "label_es": ["A", "B", "C"],
                          "score": [5.0, 5.0, 2.0], "sales": [5, 5, 2], "marketing": [5, 5, 2],
                          "management": [np.nan] * 3, "n_all": [8, 8, 8]})
    # S = 4.0 -> level 4, but C scores 2.0 < 2.5 -> 3
    v = al.maturity(table)
    assert v.level == 3 and any("at most level 3" in s for s in v.steps_en)


def test_headlines_and_narrative(hand_audit):
    h = al.headlines(hand_audit, "en")
    assert [i["label_en"] for i in h] == ["Maturity level", "Weakest dimension", "Largest perception gap"]
    assert (h[0]["value"], h[0]["display"]) == (3, "3/5 · Cooperating")
    assert (h[1]["value"], h[1]["display"]) == (3.0, "Follow-up (3.0/5)")
    # largest |gap|: follow_up 2.67 > lead_quality 2.5 > meetings 1.33
    assert (h[2]["value"], h[2]["display"]) == (2.67, "Follow-up: sales 4.3 · marketing 1.7")
    hs = al.headlines(hand_audit, "es")
    assert hs[0]["display"] == "3/5 · Cooperando" and hs[2]["display"] == "Seguimiento de leads: ventas 4,3 · marketing 1,7"
    assert hs[0]["label_es"] == "Nivel de madurez"
    gt = al.gap_table(hand_audit, "es").set_index("Dimensión")
    assert gt.loc["Seguimiento de leads", "Brecha (ventas − marketing)"] == "+2,7"
    assert gt.loc["Calidad de los leads", "Brecha (ventas − marketing)"] == "−2,5"
    assert gt.loc["Calidad de los leads", "Precaución"] == "pocos encuestados"
    assert al._signed(-0.02, "en") == "0.0"
    n = al.narrative(hand_audit, "es")
    assert n["respondents"].startswith("7 personas respondieron (ventas 3, marketing 3, dirección 1)")
    assert "no es estadísticamente significativa" in n["largest_gap"]


# ---------------------------------------------------------------------------------------------
# tiny surveys render with cautions
# ---------------------------------------------------------------------------------------------
def test_one_respondent_renders_with_cautions():
    s = answers([("solo", "sales", q, 3) for q in DEMO_IDS])
    a = al.audit(make_client(s))
    assert a.verdict.level == 3  # every dimension 3.0 -> S = 3.0 -> level 3
    assert any("Only 1 respondent" in c for c in a.verdict.cautions_en)
    assert any("Solo respondieron estos equipos: ventas" in c for c in a.verdict.cautions_es)
    assert a.gaps["caution"].all() and a.gaps["pvalue"].isna().all()
    assert "needs answers from both sales and marketing" in al.narrative(a, "en")["largest_gap"]
    for lang in ("en", "es"):
        assert len(al.score_table(a, lang)) == 10 and len(al.gap_table(a, lang)) == 10
        assert len(al.headlines(a, lang)) == 2  # no gap headline
        assert "Only 1 respondent" in repr(al.verdict_box(a, "en")) and al.say(a, "largest_gap", lang=lang).text
        ax = al.plot_dimension_scores(a, lang=lang)
        assert len(ax.get_yticklabels()) == 10
        import matplotlib.pyplot as plt
        plt.close("all")


def test_one_team_renders_with_cautions():
    s = answers([(r, "marketing", q, v) for r, v in (("m1", 4), ("m2", 5), ("m3", 4)) for q in DEMO_IDS])
    a = al.audit(make_client(s))
    # every dimension: (4+5+4)/3 = 4.3333 -> level 5 from the score; marketing only -> at most 3
    assert a.verdict.level == 3 and any("from one side" in s for s in a.verdict.steps_en)
    assert any("perception gaps cannot be measured" in c for c in a.verdict.cautions_en)
    assert a.gaps["n_sales"].eq(0).all() and a.gaps["caution"].all()
    assert al.largest_gap(a) is None
    assert len(al.priorities(a.dimension_table, a.dims)) == 3


# ---------------------------------------------------------------------------------------------
# evidence from the data (hand-made CRM)
# ---------------------------------------------------------------------------------------------
def crm():
    # data_end 2026-06-30 23:00 -> June is complete; window Jan..Jun.
    created = {"L1": "2026-01-10", "L2": "2026-01-20", "L3": "2026-02-10", "L4": "2026-03-10", "L5": "2026-04-10",
               "L6": "2026-06-25", "L7": "2026-03-20", "L8": "2026-05-05", "L9": "2026-05-06", "L10": "2026-06-05"}
    leads = pd.DataFrame({"lead_id": list(created), "created_at": [ts(v) for v in created.values()]})
    is_mql = leads["lead_id"].isin(["L1", "L2", "L3", "L4", "L5", "L6"])
    leads["mql_at"] = (leads["created_at"] + pd.Timedelta(days=1)).where(is_mql, pd.NaT)
    leads["channel"] = ["email"] * 8 + [None, None]
    mql = leads.set_index("lead_id")["mql_at"]
    attempts = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L6", "L7"],
                             "attempted_at": [mql["L1"] + pd.Timedelta(hours=2), mql["L2"] + pd.Timedelta(hours=10),
                                              mql["L3"] + pd.Timedelta(hours=30), mql["L6"] + pd.Timedelta(hours=1),
                                              ts("2026-03-21")]})
    deals = pd.DataFrame({"deal_id": ["D1", "D2", "D3", "D4"], "lead_id": ["L1", "L7", None, "L2"],
                          "stage": ["won", "won", "lost", "lost"],
                          "closed_at": [ts("2026-03-01"), ts("2026-05-01"), ts("2026-04-01"), ts("2026-04-15")],
                          "amount": [1000.0, 2000.0, 0.0, 0.0]})
    return leads, attempts, deals


def test_data_evidence_by_hand():
    leads, attempts, deals = crm()
    client = make_client(HAND, leads, deals=deals, attempts=attempts)
    ev = al.data_evidence(client).set_index("indicator")
    # MQLs at least 14 days old at data_end: L1..L5 (L6 is 5 days old); contacted L1, L2, L3 -> 3/5
    assert ev.loc["mql_contacted", "value"] == pytest.approx(0.6) and ev.loc["mql_contacted", "n"] == 5
    assert ev.loc["mql_contacted", "status"] == "weak"
    assert ev.loc["mql_contacted", "fact_en"].startswith("40.0 % of MQLs at least 14 days old were never contacted (2 of 5)")
    # first contact within 4 h of the MQL date, same 5 MQLs: L1 (2 h) only; L2 10 h, L3 30 h, L4/L5 never -> 1/5
    assert ev.loc["contacted_within_sla", "value"] == pytest.approx(0.2)
    assert ev.loc["contacted_within_sla", "status"] == "weak"
    # hours from MQL to first attempt among contacted MQLs: L1 2, L2 10, L3 30, L6 1 -> median (2+10)/2 = 6 > SLA 4
    assert ev.loc["hours_to_first_contact", "value"] == pytest.approx(6.0)
    assert ev.loc["hours_to_first_contact", "status"] == "weak"
    # MQLs >= 90 days old (created by 2026-04-01 23:00): L1..L4, won L1 -> 1/4; other old leads: L7 (won) 1/1
    # lift = 0.25 / 1.0 = 0.25 < 1.5 -> weak
    assert ev.loc["mql_conversion", "value"] == pytest.approx(0.25) and ev.loc["mql_conversion", "status"] == "weak"
    assert "MQLs convert 0.2× as often" in ev.loc["mql_conversion", "fact_en"]
    # sales cycle: L1 Jan 10 -> Mar 1 = 21+28+1 = 50 days; L7 Mar 20 -> May 1 = 11+30+1 = 42 days; median 46
    assert ev.loc["sales_cycle", "value"] == pytest.approx(46.0) and ev.loc["sales_cycle", "status"] == "info"
    # 6 of 10 leads have an MQL date
    assert ev.loc["mql_recorded", "value"] == pytest.approx(0.6)
    # 8 of 10 leads have a channel -> 80 % < 90 % -> weak; 3 of 4 deals linked -> 75 % -> weak
    assert ev.loc["source_recorded", "value"] == pytest.approx(0.8) and ev.loc["source_recorded", "status"] == "weak"
    assert ev.loc["deals_linked", "value"] == pytest.approx(0.75) and ev.loc["deals_linked", "status"] == "weak"
    # volume per month Jan..Jun = 2, 1, 2, 1, 2, 2 -> before 5/3, recent 5/3 -> change 0 -> ok
    assert ev.loc["lead_volume", "value"] == pytest.approx(0.0) and ev.loc["lead_volume", "status"] == "ok"
    # Wilson interval on the contacted share: k=3, n=5
    lo, hi = al.wilson_interval(3, 5)
    assert ev.loc["mql_contacted", "ci_low"] == pytest.approx(lo) and ev.loc["mql_contacted", "ci_high"] == pytest.approx(hi)


def test_evidence_sentences_confirm_and_contradict():
    leads, attempts, deals = crm()
    a = al.audit(make_client(HAND, leads, deals=deals, attempts=attempts))
    ev = a.evidence.set_index("indicator")
    # follow_up: sales rates it 4.3 (>= 3.5) but 40 % of MQLs were never contacted -> contradicts
    assert ev.loc["mql_contacted", "relation"] == "contradicts"
    assert ev.loc["mql_contacted", "sentence_en"] == (
        "Sales rates follow-up 4.3/5, but 40.0 % of MQLs at least 14 days old were never contacted (2 of 5).")
    assert ev.loc["mql_contacted", "sentence_es"].startswith("Ventas puntúa «seguimiento de leads» con 4,3/5, pero el 40,0 %")
    # closed_loop has no survey answer in HAND -> 'no survey'
    assert ev.loc["deals_linked", "relation"] == "no survey"
    # 6 weak indicators -> the level drops one: S = 3.1667 -> 3, minus 1 -> 2
    assert a.verdict.level == 2 and any("one level down" in s for s in a.verdict.steps_en)
    # follow_up gets +3 (three weak indicators), lead_quality +1: order unchanged, scores 7.6667, 5.3333
    assert a.priorities["dimension"].tolist()[:2] == ["follow_up", "lead_quality"]
    assert a.priorities["priority_score"].tolist()[:2] == pytest.approx([14 / 3 + 3, 13 / 3 + 1])
    for lang in ("en", "es"):
        t = al.evidence_table(a, lang)
        assert len(t) == len(a.evidence) and t.iloc[:, -1].str.endswith(".").all()


def test_low_score_confirmed_by_data():
    ev = pd.DataFrame([{"indicator": "mql_contacted", "dimension": "follow_up", "value": 0.5, "kind": "pct",
                        "ci_low": np.nan, "ci_high": np.nan, "n": 10, "status": "weak",
                        "fact_en": "50.0 % of MQLs were never contacted", "fact_es": "el 50,0 % de los MQL nunca fue contactado"}])
    summary = pd.DataFrame({"dimension": ["follow_up"], "label_en": ["Follow-up"], "label_es": ["Seguimiento"],
                            "score": [2.0], "sales": [2.0], "marketing": [2.0], "management": [np.nan]})
    out = al.compare_evidence(ev, summary)
    assert out.loc[0, "relation"] == "confirms"
    assert out.loc[0, "sentence_en"] == ("50.0 % of MQLs were never contacted: this confirms the low score for "
                                         "follow-up (2.0/5).")


# ---------------------------------------------------------------------------------------------
# saving answers (the widget form's back end)
# ---------------------------------------------------------------------------------------------
def test_save_answers_creates_file_in_canonical_names(tmp_path):
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {"file": "data/survey.csv"}}})
    path = al.save_answers(cfg, [
        {"respondent": "ana", "team": "sales", "question_id": "follow_up", "answer": 4, "answered_at": "2026-06-01 10:00"},
        {"respondent": "ana", "team": "sales", "question_id": "lead_quality", "answer": 2},
    ], client_dir=tmp_path)
    assert path == tmp_path / "data" / "survey.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [["respondent", "team", "question_id", "answer", "answered_at"],
                    ["ana", "sales", "follow_up", "4", "2026-06-01 10:00"],
                    ["ana", "sales", "lead_quality", "2", ""]]


def test_save_answers_appends_in_client_vocabulary(tmp_path):
    (tmp_path / "encuesta.csv").write_text("Fecha;Nombre;Equipo;Pregunta;Respuesta\n"
                                           "2026-05-01;luis;Ventas;follow_up;3", encoding="utf-8")  # no final newline
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {
        "file": "encuesta.csv",
        "columns": {"respondent": "Nombre", "team": "Equipo", "question_id": "Pregunta", "answer": "Respuesta",
                    "answered_at": "Fecha"},
        "values": {"team": {"Ventas": "sales", "Mercadeo": "marketing", "Gerencia": "management"}}}}})
    al.save_answers(cfg, pd.DataFrame([{"respondent": "=cmd()", "team": "marketing", "question_id": "shared_goals",
                                        "answer": 5.0}]), client_dir=tmp_path)
    lines = (tmp_path / "encuesta.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["Fecha;Nombre;Equipo;Pregunta;Respuesta", "2026-05-01;luis;Ventas;follow_up;3",
                     ";'=cmd();Mercadeo;shared_goals;5"]


@pytest.mark.parametrize("bad, match", [
    ({"answer": 6}, "whole numbers from 1 to 5"),
    ({"answer": 2.5}, "whole numbers from 1 to 5"),
    ({"question_id": "coffee"}, "unknown question"),
    ({"team": "finance"}, "team must be one of"),
    ({"respondent": " "}, "respondent is empty"),
])
def test_save_answers_refuses_bad_answers_and_writes_nothing(tmp_path, bad, match):
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {"file": "s.csv"}}})
    good = {"respondent": "ana", "team": "sales", "question_id": "follow_up", "answer": 4}
    with pytest.raises(ValueError, match=match):
        al.save_answers(cfg, [good, {**good, **bad}], client_dir=tmp_path)
    assert not (tmp_path / "s.csv").exists()


def test_save_answers_writes_time_in_client_zone_and_format(tmp_path):
    cfg = parse_config({"name": "T", "timezone": "Europe/Madrid", "tables": {"leads": {"file": "l.csv"}, "survey": {
        "file": "s.csv", "date_format": "%d/%m/%Y %H:%M"}}})
    al.save_answers(cfg, [{"respondent": "ana", "team": "sales", "question_id": "follow_up", "answer": 3,
                           "answered_at": pd.Timestamp("2026-06-01 08:00", tz="UTC")}], client_dir=tmp_path)
    # 08:00 UTC = 10:00 in Madrid (CEST, UTC+2), written day first as client.yml says
    assert list(csv.reader((tmp_path / "s.csv").open()))[1][-1] == "01/06/2026 10:00"


def test_saved_answers_load_back(tmp_path):
    import smk

    (tmp_path / "leads.csv").write_text("lead_id,created_at\nA,2026-01-05 10:00\n", encoding="utf-8")
    (tmp_path / "client.yml").write_text(
        "name: T\ntimezone: Europe/Madrid\ntables:\n  leads: {file: leads.csv}\n"
        "  survey:\n    file: s.csv\n    columns: {respondent: Nombre, team: Equipo, question_id: Pregunta, "
        "answer: Nota, answered_at: Fecha}\n    values:\n      team: {Ventas: sales, Mercadeo: marketing, Gerencia: management}\n",
        encoding="utf-8")
    cfg = smk.load_config(tmp_path)
    al.save_answers(cfg, [{"respondent": "ana", "team": "marketing", "question_id": "follow_up", "answer": 2,
                           "answered_at": pd.Timestamp("2026-06-01 08:00", tz="UTC")}])
    client = smk.load_client(tmp_path)
    s = client.survey
    assert s[["respondent", "team", "question_id"]].iloc[0].tolist() == ["ana", "marketing", "follow_up"]
    assert int(s["answer"].iloc[0]) == 2
    assert s["answered_at"].iloc[0] == pd.Timestamp("2026-06-01 08:00", tz="UTC")


def test_save_answers_needs_a_survey_table():
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}}})
    with pytest.raises(al.ConfigError, match="tables.survey"):
        al.save_answers(cfg, [], client_dir=".")


def test_questionnaire_form_builds_and_saves(tmp_path):
    pytest.importorskip("ipywidgets")
    cfg = parse_config({"name": "T", "tables": {"leads": {"file": "l.csv"}, "survey": {"file": "s.csv"}}})
    cfg.path = tmp_path / "client.yml"
    client = Client(config=cfg, tables={"leads": pd.DataFrame({"lead_id": [], "created_at": []})}, ledger=Ledger(),
                    rows_in={}, data_end=ts("2026-06-30"))
    form = al.questionnaire_form(client, lang="es", answered_at=lambda: pd.Timestamp("2026-06-02 09:30"))
    name, team = form.children[0].children
    name.value, team.value = "eva", "marketing"
    form.children[1].children[1].value = 5  # first question: meetings_frequency
    form.children[-2].click()
    assert "1 respuestas guardadas" in form.children[-1].value
    rows = list(csv.reader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert rows[1] == ["eva", "marketing", "meetings_frequency", "5", "2026-06-02 09:30"]


# ---------------------------------------------------------------------------------------------
# demo client (planted weaknesses)
# ---------------------------------------------------------------------------------------------
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def demo_audit(tmp_path_factory):
    """The demo client (data/demo) once it is built; before that, the same generator's default client."""
    import smk

    if (DEMO / "client.yml").exists():
        client = smk.load_client(DEMO)
    else:
        synth = pytest.importorskip("smk.io.synth", reason="demo client and generator not available yet")
        out = tmp_path_factory.mktemp("demo")
        synth.generate(out)
        client = smk.load_client(out)
    if client.survey is None:
        pytest.skip("demo client has no survey table")
    return client, al.audit(client)


def test_demo_planted_weaknesses_are_priorities(demo_audit):
    client, a = demo_audit
    top = a.priorities["dimension"].tolist()
    # smk/synth.py SURVEY_QUESTIONS (docs/demo-data.md): follow-up and shared definitions planted low,
    # lead quality planted as a gap (sales 1.6 vs marketing 4.3)
    assert set(top) == {"follow_up", "definitions", "lead_quality"}
    g = a.gaps.set_index("dimension")
    assert g.loc["lead_quality", "gap"] < -1.5 and bool(g.loc["lead_quality", "significant"])
    assert al.largest_gap(a)["dimension"] == "lead_quality"
    # the slow team (Cobalt misses the 4 h first-contact SLA) shows in the evidence for follow-up
    ev = a.evidence.set_index("indicator")
    assert ev.loc["contacted_within_sla", "status"] == "weak" and "Cobalt" in ev.loc["contacted_within_sla", "fact_en"]
    # the planted bad answers are in the ledger (out of range by the loader or here; unknown question here)
    led = client.ledger.set_aside("survey")
    assert {"out_of_range", "unknown_question"} <= set(led["reason"])
    assert "favourite_colour" in set(led.loc[led["reason"] == "unknown_question", "value"])
    assert a.verdict.level in (2, 3)
