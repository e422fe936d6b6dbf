"""Rules engine (smk.analyses.rules): the seed's example rules, every operator, decay, group caps."""
from __future__ import annotations

import pandas as pd
import pytest

from smk.io.config import ScoringConfig
from smk.errors import ConfigError
from smk.analyses.rules import (OPERATOR_CODES, OPERATORS, SEED_EXAMPLE_RULES, UnknownField, activity_of_field,
                                apply_rules, config_rules, decay_factors, evaluate, normalise_operator, parse_rule,
                                resolve_field, rules_table, value_text)


def _leads():
    return pd.DataFrame({
        "lead_id": ["a", "b", "c", "d", "e"],
        "n_page_view": [16, 15, 40, None, 0],
        "email": ["ana@gmail.com", "bo@ibm.com", None, "DAN@GMAIL.COM", "  "],
        "company": ["IBM Corp", "Acme", "ibm", "Other", None],
        "country": ["Ecuador", "Spain", "ecuador ", None, "Peru"],
    })


def test_seed_example_rules():
    # seed 000 ch. 2: Pageviews > 15 → +10; Email contains gmail → −10; Company Name contains IBM → +30
    out = apply_rules(_leads(), SEED_EXAMPLE_RULES)
    # a: 16 > 15 (+10), gmail (−10), "IBM Corp" (+30) = 30
    # b: 15 is not > 15, ibm.com is not gmail, "Acme" → 0
    # c: 40 > 15 (+10), no email, "ibm" (case-insensitive) (+30) = 40
    # d: pageviews missing (no points), "GMAIL" (−10), "Other" → −10
    # e: 0 pageviews, blank email, no company → 0
    assert out["score"].tolist() == [30.0, 0.0, 40.0, -10.0, 0.0]
    assert out.loc[0, "fired"] == ("Number of Pageviews > 15", "Email contains gmail", "Company Name contains IBM")
    assert out.loc[1, "fired"] == ()
    assert out.loc[3, "fired"] == ("Email contains gmail",)


def test_seed_rules_table_in_crm_form():
    t = rules_table(SEED_EXAMPLE_RULES)
    assert list(t.columns) == ["field", "operator", "value", "points", "group", "half_life_days"]
    assert t["field"].tolist() == ["Number of Pageviews", "Email", "Company Name"]
    assert t["points"].tolist() == [10, -10, 30]
    assert t["operator"].tolist() == [">", "contains", "contains"]  # canonical: the view says them in words
    assert t["value"].tolist() == [15.0, "gmail", "IBM"]
    fired = rules_table(SEED_EXAMPLE_RULES, fired=apply_rules(_leads(), SEED_EXAMPLE_RULES))
    # pageviews > 15: a, c → 2; gmail: a, d → 2; IBM: a, c → 2; 5 leads
    assert fired["fired"].tolist() == [2, 2, 2]
    assert fired["share"].tolist() == [0.4, 0.4, 0.4]


def test_every_operator_has_a_language_free_code_and_values_print_as_typed():
    assert set(OPERATOR_CODES) == set(OPERATORS)
    assert all(c.isidentifier() and c.islower() for c in OPERATOR_CODES.values())
    assert [value_text(v) for v in (15.0, 2.5, "gmail", ("Spain", "Peru"), 3)] == ["15", "2.5", "gmail", "Spain, Peru", "3"]
    assert parse_rule({"field": "n_page_view", "operator": ">", "value": 15, "points": 10}).text == "n_page_view > 15"
    assert parse_rule({"field": "email", "operator": "is known", "points": 1}).text == "email is known"


@pytest.mark.parametrize("alias, op", [
    ("is greater than", ">"), (">", ">"), ("is at least", ">="), ("<", "<"), ("is less than or equal to", "<="),
    ("=", "="), ("is equal to", "="), ("≠", "≠"), ("!=", "≠"), ("is not", "≠"), ("contains the word", "contains"),
    ("does not contain", "not contains"), ("not contains", "not contains"), ("is any of", "in"),
    ("is known", "is known"), ("is unknown", "is unknown"), ("contiene", "contains"), ("es mayor que", ">"),
])
def test_operator_aliases(alias, op):
    assert normalise_operator(alias) == op


def test_unknown_operator_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown operator"):
        parse_rule({"field": "email", "operator": "sounds like", "value": "x", "points": 1})


def test_every_operator():
    s = pd.Series([5.0, 10.0, None, 20.0])
    def ev(op, v):
        return evaluate(parse_rule({"field": "x", "operator": op, "value": v, "points": 1}), s).tolist()
    assert ev(">", 10) == [False, False, False, True]
    assert ev(">=", 10) == [False, True, False, True]
    assert ev("<", 10) == [True, False, False, False]
    assert ev("<=", 10) == [True, True, False, False]
    assert ev("=", 10) == [False, True, False, False]
    assert ev("≠", 10) == [True, False, False, True]  # missing never satisfies a comparison
    assert ev("is known", None) == [True, True, False, True]
    assert ev("is unknown", None) == [False, False, True, False]
    t = pd.Series(["Ecuador", "Spain", None, " ecuador "])
    def evt(op, v):
        return evaluate(parse_rule({"field": "x", "operator": op, "value": v, "points": 1}), t).tolist()
    assert evt("=", "ECUADOR") == [True, False, False, True]
    assert evt("≠", "ecuador") == [False, True, False, False]
    assert evt("contains", "cua") == [True, False, False, True]
    assert evt("not contains", "cua") == [False, True, False, False]
    assert evt("in", "Spain, Peru") == [False, True, False, False]
    assert evt("in", ["ecuador", "peru"]) == [True, False, False, True]
    assert evt("not in", ["ecuador"]) == [False, True, False, False]


def test_field_resolution():
    cols = ["lead_id", "n_page_view", "email", "company", "job_title"]
    assert resolve_field("Number of Pageviews", cols) == "n_page_view"
    assert resolve_field("Company Name", cols) == "company"
    assert resolve_field("Job Title", cols) == "job_title"
    assert resolve_field("page_view", cols) == "n_page_view"
    with pytest.raises(ConfigError, match="not a column") as err:
        resolve_field("Shoe size", cols)
    assert isinstance(err.value, UnknownField) and err.value.field == "Shoe size"


def test_activity_types_with_capitals_and_spaces():
    """Issue 17 item 9: a log type such as 'Chat Bot' gives the counter field 'n_Chat Bot' (the learned
    scorecard names counters after the log's types); rules on it must count it from the log."""
    types = {"Chat Bot", "page_view"}
    assert activity_of_field("n_Chat Bot", types) == "Chat Bot"
    assert activity_of_field("chat bot", types) == "Chat Bot"
    assert activity_of_field("n_chat_bot", types) == "Chat Bot"
    assert activity_of_field("Number of Pageviews", types) == "page_view"
    assert activity_of_field("Shoe size", types) is None
    tz = "UTC"
    leads = pd.DataFrame({"lead_id": ["a", "b", "c"]})
    acts = pd.DataFrame({"lead_id": ["a", "a", "b", "c"], "activity_type": ["Chat Bot", "Chat Bot", "page_view", "Chat Bot"],
                         "occurred_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-03-01"]).tz_localize(tz)})
    rules = [{"field": "n_Chat Bot", "operator": ">=", "value": 2, "points": 40},
             {"field": "n_Chat Bot", "operator": ">=", "value": 1, "points": 10, "half_life_days": 30}]
    out = apply_rules(leads, rules, activities=acts, as_of=pd.Timestamp("2026-01-31", tz=tz))
    # a: 2 chats before as_of → 40 + 10 × 0.5^(29/30) (last chat 2026-01-02); b: none; c: its chat is after as_of
    assert out["score"].tolist() == [pytest.approx(40 + 10 * 0.5 ** (29 / 30)), 0.0, 0.0]
    assert out.loc[0, "fired"] == ("n_Chat Bot >= 2", "n_Chat Bot >= 1")
    with pytest.raises(UnknownField, match="'n_Bot'"):
        apply_rules(leads, [{"field": "n_Bot", "operator": ">=", "value": 1, "points": 1}], activities=acts)


def test_group_caps_and_base_points():
    leads = pd.DataFrame({"lead_id": ["a", "b"], "n_demo_request": [1, 0], "n_pricing_page_view": [3, 1],
                          "industry": ["Insurance", "Retail"]})
    rules = [
        {"field": "n_demo_request", "operator": ">=", "value": 1, "points": 20, "group": "interest"},
        {"field": "n_pricing_page_view", "operator": ">=", "value": 1, "points": 15, "group": "interest"},
        {"field": "industry", "operator": "=", "value": "insurance", "points": 10, "group": "fit"},
    ]
    out = apply_rules(leads, rules, group_caps={"interest": 25}, base_points=5)
    # a: interest 20 + 15 = 35 capped at 25; fit 10; base 5 → 40
    # b: interest 15 (below the cap); fit 0; base 5 → 20
    assert out["score"].tolist() == [40.0, 20.0]
    assert out["score_interest"].tolist() == [25.0, 15.0]
    assert out["score_fit"].tolist() == [10.0, 0.0]


def test_half_life_decay_from_the_log():
    tz = "Europe/Madrid"
    leads = pd.DataFrame({"lead_id": ["a", "b", "c"]})
    acts = pd.DataFrame({
        "lead_id": ["a", "b", "b", "c"],
        "occurred_at": pd.to_datetime(["2026-01-01", "2025-12-18", "2026-01-10", "2026-01-20"]).tz_localize(tz),
        "activity_type": ["pricing_page_view"] * 4,
    })
    as_of = pd.Timestamp("2026-01-15", tz=tz)
    rule = {"field": "n_pricing_page_view", "operator": ">=", "value": 1, "points": 40, "half_life_days": 14}
    out = apply_rules(leads, [rule], activities=acts, as_of=as_of)
    # a: last visit 14 days before as_of → 40 × 0.5 = 20
    # b: latest visit 2026-01-10, 5 days → 40 × 0.5^(5/14) = 31.208...
    # c: its only visit is after as_of → not counted, no points
    assert out["score"].tolist()[0] == pytest.approx(20.0)
    assert out["score"].tolist()[1] == pytest.approx(40 * 0.5 ** (5 / 14))
    assert out["score"].tolist()[2] == 0.0
    assert out.attrs["decay"] == "applied"
    f = decay_factors(leads, acts, "pricing_page_view", 14, as_of)
    assert f.tolist()[2] == 1.0  # no event before as_of: factor 1 (and the rule does not fire)


def test_decay_without_log_is_reported_not_applied():
    leads = pd.DataFrame({"lead_id": ["a"], "n_pricing_page_view": [2]})
    rule = {"field": "n_pricing_page_view", "operator": ">=", "value": 1, "points": 40, "half_life_days": 14}
    out = apply_rules(leads, [rule])
    assert out["score"].tolist() == [40.0]
    assert out.attrs["decay"] == "no log: not applied"


def test_counts_come_from_the_log_before_as_of():
    tz = "UTC"
    leads = pd.DataFrame({"lead_id": ["a", "b"]})
    acts = pd.DataFrame({"lead_id": ["a", "a", "b"], "activity_type": ["demo_request", "page_view", "demo_request"],
                         "occurred_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-03-01"]).tz_localize(tz)})
    out = apply_rules(leads, [{"field": "Demo request", "operator": ">=", "value": 1, "points": 50}],
                      activities=acts, as_of=pd.Timestamp("2026-02-01", tz=tz))
    assert out["score"].tolist() == [50.0, 0.0]  # b's demo request is after as_of


def test_rules_from_client_config_keep_groups():
    cfg = ScoringConfig(rules=[{"Field": "Email", "Operator": "contains the word", "Value": "gmail", "Rule value": -10}],
                        fit_rules=[{"field": "industry", "operator": "in", "value": ["Insurance"], "points": 10}],
                        interest_rules=[{"field": "n_demo_request", "operator": ">=", "value": 1, "points": 30}])
    rules = config_rules(cfg)
    assert [(r.field, r.operator, r.points, r.group) for r in rules] == [
        ("Email", "contains", -10.0, ""), ("industry", "in", 10.0, "fit"), ("n_demo_request", ">=", 30.0, "interest")]


def test_bad_rule_messages():
    with pytest.raises(ConfigError, match="needs a number"):
        parse_rule({"field": "n_page_view", "operator": ">", "value": "many", "points": 1})
    with pytest.raises(ConfigError, match="missing points"):
        parse_rule({"field": "n_page_view", "operator": ">", "value": 3})
    with pytest.raises(ConfigError, match="unknown key"):
        parse_rule({"field": "x", "operator": ">", "value": 3, "points": 1, "weight": 2})
