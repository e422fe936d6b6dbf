"""Winning assets, landing pages and attribution models (smk/attribution.py) on hand-made data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import smk.report
from smk.analyses import attribution as at
from smk.client import Client
from smk.io.config import ClientConfig
from smk.errors import NotEnoughData
from smk.io.ledger import Ledger
from smk.views import closerate as vcr
from smk.views import fmt
from conftest import title_of

UTC = "UTC"
DAY0 = pd.Timestamp("2025-03-01", tz=UTC)


def day(d: float) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=d)


def make_client(leads, activities=None, **analysis) -> Client:
    cfg = ClientConfig(name="test")
    cfg.analysis.min_group_size = 1
    for k, v in analysis.items():
        setattr(cfg.analysis, k, v)
    tables = {"leads": leads}
    if activities is not None:
        tables["activities"] = activities
    return Client(config=cfg, tables=tables, ledger=Ledger(), rows_in={k: len(v) for k, v in tables.items()},
                  data_end=day(60))


# Customers W1..W4 and non-customers N1, N2 (all created on day 0).
#   W1 won day 10, revenue 1000: touches a (day 1, email), b (2, paid), c (3, paid), d (5, email),
#      e (12, email: after the win, never counts)
#   W2 won day 5, revenue 500: a (1, email), b (2, paid)
#   W3 won day 4, revenue 100: c (1, referral)
#   W4 won day 3, revenue 0: no touch; lead channel organic
#   N1 open: a (1), a (3), b (4);  N2 lost: c (2)
def leads() -> pd.DataFrame:
    return pd.DataFrame({
        "lead_id": ["W1", "W2", "W3", "W4", "N1", "N2"],
        "created_at": [DAY0] * 6,
        "channel": ["email", "email", "referral", "organic", "email", "paid"],
        "customer_at": [day(10), day(5), day(4), day(3), pd.NaT, pd.NaT],
        "revenue": [1000.0, 500.0, 100.0, 0.0, np.nan, np.nan],
        "status": ["won", "won", "won", "won", "open", "lost"],
        "closed_at": [pd.NaT] * 5 + [day(2)],
    })


def activities() -> pd.DataFrame:
    rows = [("W1", 1, "a", "email"), ("W1", 2, "b", "paid"), ("W1", 3, "c", "paid"), ("W1", 5, "d", "email"),
            ("W1", 12, "e", "email"), ("W2", 1, "a", "email"), ("W2", 2, "b", "paid"), ("W3", 1, "c", "referral"),
            ("N1", 1, "a", "email"), ("N1", 3, "a", "email"), ("N1", 4, "b", "paid"), ("N2", 2, "c", "paid")]
    df = pd.DataFrame(rows, columns=["lead_id", "d", "asset", "channel"])
    df["occurred_at"] = df["d"].map(day)
    df["activity_type"] = "page_view"
    return df.drop(columns="d")


def ctx_for(client, lang, tmp_path):
    return smk.report.setup(client_dir=tmp_path, period="2025-04", lang=lang, output_dir=tmp_path, client=client,
                            apply_theme=False)


def test_newcombe_interval_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, Table II example (a): 56/70 − 48/80,
    # method 10 (score interval, no continuity correction): 0.0524 to 0.3339.
    lo, hi = at.newcombe_interval(56, 70, 48, 80)
    assert float(lo) == pytest.approx(0.0524, abs=5e-4)
    assert float(hi) == pytest.approx(0.3339, abs=5e-4)


def test_touch_credits_by_hand():
    t = pd.DataFrame({"lead_id": ["x"] * 4 + ["y"] * 2 + ["z"], "occurred_at": [4, 1, 3, 2, 1, 2, 1],
                      "key": ["d", "a", "c", "b", "a", "b", "c"]})
    cr = at.touch_credits(t).set_index(["lead_id", "key"])
    # x: a b c d in time order. first: a; last: d; linear 1/4; U: 0.4, 0.1, 0.1, 0.4
    assert cr.loc["x", "u_shaped"].tolist() == pytest.approx([0.4, 0.1, 0.1, 0.4])
    assert cr.loc["x", "first_touch"].tolist() == [1, 0, 0, 0]
    assert cr.loc["x", "last_touch"].tolist() == [0, 0, 0, 1]
    # y: two touches → U 0.5 / 0.5; z: one touch → 1 under every model
    assert cr.loc["y", "u_shaped"].tolist() == [0.5, 0.5]
    assert cr.loc["z"].iloc[0][list(at.MODELS)].tolist() == [1, 1, 1, 1]
    sums = at.touch_credits(t).groupby("lead_id")[list(at.MODELS)].sum()
    assert np.allclose(sums.to_numpy(), 1.0)


def test_attribution_to_channels_by_hand(tmp_path):
    c = make_client(leads(), activities())
    a = at.attribution(c, "channel")
    w = at.attribution_wide(a).set_index("key")
    # first touch: email (W1 a, W2 a) 2; referral (W3) 1; organic (W4, no touch → its lead channel) 1
    assert w["first_touch"].to_dict() == pytest.approx({"email": 2, "paid": 0, "referral": 1, "organic": 1})
    # last touch: W1 d email; W2 b paid; W3 referral; W4 organic
    assert w["last_touch"].to_dict() == pytest.approx({"email": 1, "paid": 1, "referral": 1, "organic": 1})
    # linear: email = W1 (a, d) 0.5 + W2 a 0.5 = 1; paid = W1 (b, c) 0.5 + W2 b 0.5 = 1
    assert w.loc["email", "linear"] == pytest.approx(1.0) and w.loc["paid", "linear"] == pytest.approx(1.0)
    # U-shaped: email = 0.4 + 0.4 (W1) + 0.5 (W2) = 1.3; paid = 0.1 + 0.1 + 0.5 = 0.7
    assert w.loc["email", "u_shaped"] == pytest.approx(1.3) and w.loc["paid", "u_shaped"] == pytest.approx(0.7)
    # every model credits exactly the 4 customers
    assert a.groupby("model")["credit_customers"].sum().to_numpy() == pytest.approx([4] * 4)
    # revenue, U-shaped: email 0.8·1000 + 0.5·500 = 1050; paid 0.2·1000 + 0.5·500 = 450; referral 100
    rev = at.attribution_wide(a, "credit_revenue").set_index("key")
    assert rev.loc["email", "u_shaped"] == pytest.approx(1050)
    assert rev.loc["paid", "u_shaped"] == pytest.approx(450)
    assert rev["u_shaped"].sum() == pytest.approx(1600)
    assert a.attrs["no_touch"] == 1
    # spread tells how much the answer depends on the model: paid 0 (first) .. 1 (last, linear)
    assert w.loc["paid", "spread"] == pytest.approx(1.0)
    # email and paid both have spread 1 (tie → by name: email): 1.0 (last touch) to 2.0 (first touch)
    assert at.model_spread(w.reset_index()) == {"same": False, "key": "email", "low": 1.0, "low_model": "last_touch",
                                                "high": 2.0, "high_model": "first_touch"}
    c = make_client(leads(), activities())
    assert vcr.attribution_text(a, ctx_for(c, "en", tmp_path)) == (
        'The model matters: email gets between 1.0 (last touch) and 2.0 (first touch) depending on the model. No '
        'model is "the true one": decisions that flip from one model to another deserve caution.')
    assert vcr.attribution_text(a, ctx_for(c, "es", tmp_path)) == (
        "El modelo importa: email recibe entre 1,0 (último contacto) y 2,0 (primer contacto) según el modelo. "
        "Ningún modelo es «el verdadero»: las decisiones que cambian de un modelo a otro merecen prudencia.")


def test_attribution_sentence_when_every_model_agrees(tmp_path):
    acts = activities()
    acts = acts[acts["lead_id"].isin(["W2", "W3", "N1"]) & ~((acts["lead_id"] == "W2") & (acts["asset"] == "b"))]
    a = at.attribution(make_client(leads(), acts), "channel")  # one touch per customer: every model agrees
    assert at.model_spread(at.attribution_wide(a)) == {"same": True}
    c = make_client(leads(), acts)
    assert vcr.attribution_text(a, ctx_for(c, "en", tmp_path)).startswith("All four models give the same split: ")
    assert vcr.attribution_text(a, ctx_for(c, "es", tmp_path)).startswith("Los cuatro modelos dan el mismo reparto: ")


def test_attribution_to_assets_ignores_touches_after_the_win():
    a = at.attribution(make_client(leads(), activities()), "asset")
    w = at.attribution_wide(a).set_index("key")
    assert "e" not in w.index  # W1 touched e after being won
    # last touch: W1 d, W2 b, W3 c, W4 (no touch)
    assert w["last_touch"].to_dict() == pytest.approx({"a": 0, "b": 1, "c": 1, "d": 1, "(no touch)": 1})


def test_conversion_assists_by_hand(tmp_path):
    s = at.conversion_assists(make_client(leads(), activities())).set_index("asset")
    # customers 4, non-customers 2
    # a: customers W1, W2 → 2/4; non-customers N1 → 1/2 (twice counts once) → difference 0
    assert s.loc["a", ["customers_touched", "non_customers_touched"]].tolist() == [2, 1]
    assert s.loc["a", "difference"] == pytest.approx(0.0)
    # c: W1, W3 → 2/4 vs N2 → 1/2; d: W1 → 1/4 vs 0/2 → +0.25
    assert s.loc["d", "share_customers"] == pytest.approx(0.25) and s.loc["d", "share_non_customers"] == 0
    assert s.loc["d", "difference"] == pytest.approx(0.25)
    assert s.loc["d", "diff_low"] < 0 < s.loc["d", "diff_high"]  # 1 of 4 vs 0 of 2 proves nothing
    assert "e" not in s.index
    assert not s["significant"].any()
    assert at.winning_assets(s.reset_index()).empty
    c = make_client(leads(), activities())
    assert vcr.assists_text(s.reset_index(), ctx_for(c, "en", tmp_path)) == (
        "No asset was touched by customers clearly more often than by non-customers.")
    assert vcr.assists_text(s.reset_index(), ctx_for(c, "es", tmp_path)) == (
        "Ningún activo fue tocado por los clientes claramente más que por los no clientes.")


def test_winning_assets_sentence_in_both_languages(tmp_path):
    # planted: 40 of 50 customers touched "demo" before winning, 10 of 100 non-customers touched it
    n_c, n_nc = 50, 100
    ids = [f"W{i}" for i in range(n_c)] + [f"N{i}" for i in range(n_nc)]
    ld = pd.DataFrame({"lead_id": ids, "created_at": [DAY0] * len(ids), "channel": "email",
                       "customer_at": [day(10)] * n_c + [pd.NaT] * n_nc, "status": ["won"] * n_c + ["open"] * n_nc})
    touched = ids[:40] + ids[n_c:n_c + 10]
    acts = pd.DataFrame({"lead_id": touched, "occurred_at": [day(1)] * len(touched), "asset": "demo",
                         "activity_type": "page_view", "channel": "email"})
    c = make_client(ld, acts)
    s = at.conversion_assists(c)
    row = s.iloc[0]
    assert (row["asset"], row["share_customers"], row["share_non_customers"]) == ("demo", 0.8, 0.1)
    assert bool(row["significant"])
    lo, hi = at.newcombe_interval(40, 50, 10, 100)
    assert (row["diff_low"], row["diff_high"]) == pytest.approx((float(lo), float(hi)))
    # 80 % vs 10 %: +70.0 pp; Newcombe: Wilson 40/50 [0.670, 0.888], 10/100 [0.055, 0.174] → [+55.0 pp, +79.8 pp]
    assert vcr.assists_text(s, ctx_for(c, "en", tmp_path)) == (
        "Winning assets (customers who touched it before buying vs non-customers): demo (80 % vs 10 %, +70.0 pp "
        "[+55.0 pp, +79.8 pp]). An assist is not proof of cause: leads already interested visit these pages.")
    assert vcr.assists_text(s, ctx_for(c, "es", tmp_path)) == (
        "Activos ganadores (clientes que lo tocaron antes de comprar vs no clientes): demo (80 % vs 10 %, +70,0 pp "
        "[+55,0 pp, +79,8 pp]). Una asistencia no prueba causa: los leads ya interesados visitan estas páginas.")


def test_landing_pages_by_hand(tmp_path):
    acts = pd.DataFrame({
        "lead_id": ["A", "A", "B", "B", "C", "C", "A"],
        "occurred_at": [day(1), day(2), day(1), day(3), day(1), day(2), day(5)],
        "activity_type": ["page_view", "form_submission", "page_view", "page_view", "page_view",
                          "form_submission", "form_submission"],
        "asset": ["lp1", "lp1", "lp1", "lp1", "lp2", "lp2", "lp2"],
    })
    ld = pd.DataFrame({"lead_id": ["A", "B", "C"], "created_at": [DAY0] * 3})
    lp = at.landing_pages(make_client(ld, acts)).set_index("asset")
    # lp1: 3 views by 2 leads, 1 submission (A) → 1/3; A's first submission was on lp1 → 1 new contact
    assert lp.loc["lp1", ["views", "viewers", "submissions", "submitters", "new_contacts"]].tolist() == [3, 2, 1, 1, 1]
    assert lp.loc["lp1", "submission_rate"] == pytest.approx(1 / 3)
    # lp2: 1 view, 2 submissions (C, A) → more submissions than views: no rate; new contact C only
    assert np.isnan(lp.loc["lp2", "submission_rate"]) and lp.loc["lp2", "new_contacts"] == 1
    # both pages have views and submissions; the best rate is lp1's 1/3, Wilson [6.1 %, 79.2 %]
    facts = at.best_landing_page(lp.reset_index())
    assert facts["paired"] == 2 and facts["best"]["asset"] == "lp1"
    lo, hi = lp.loc["lp1", "ci_low"], lp.loc["lp1", "ci_high"]
    assert (round(lo, 3), round(hi, 3)) == (0.061, 0.792)
    c = make_client(ld, acts)
    assert vcr.landing_text(lp.reset_index(), ctx_for(c, "en", tmp_path)) == (
        "2 pages have both views and submissions. The best submission rate is lp1's: 33.3 % [6.1 %, 79.2 %] of 3 views.")
    assert vcr.landing_text(lp.reset_index(), ctx_for(c, "es", tmp_path)) == (
        f"2 páginas tienen vistas y envíos. La mejor tasa de envío es la de lp1: 33,3 % {fmt.ci(lo, hi, 'es')} de 3 vistas.")
    # submissions named differently from the pages: nothing to pair
    lone = acts.assign(asset=np.where(acts["activity_type"].eq("form_submission"), "Contact form", acts["asset"]))
    lp0 = at.landing_pages(make_client(ld, lone))
    assert at.best_landing_page(lp0) == {"paired": 0, "best": None}
    assert vcr.landing_text(lp0, ctx_for(c, "en", tmp_path)).startswith(
        "The activity log does not tie form submissions to the page they were made on")
    assert vcr.landing_text(lp0, ctx_for(c, "es", tmp_path)).startswith(
        "El registro de actividad no une los envíos de formularios con la página en la que se hicieron")


def test_without_a_log_not_enough_data():
    c = make_client(leads())
    for fn in (at.attribution, at.conversion_assists, at.landing_pages):
        with pytest.raises(NotEnoughData) as exc:
            fn(c)
        assert exc.value.needs == ["activity_log"] and exc.value.reason == "closerate.missing.no_activity_log"
    no_asset = make_client(leads(), activities().drop(columns="asset"))
    with pytest.raises(NotEnoughData) as exc:
        at.conversion_assists(no_asset)
    assert exc.value.reason == "closerate.missing.no_log_column" and exc.value.params == {"column": "asset"}


def test_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = make_client(leads(), activities())
    assert title_of(vcr.plot_assists(at.conversion_assists(c), "es").axes[0]) == \
        "Activos ganadores (asistencias a la conversión)"
    fig = vcr.plot_attribution(at.attribution(c, "asset"), "en")
    assert title_of(fig.axes[0]) == "Attribution: the same customers under four models"
    # keys by linear credit: c 1.25 (W1 ¼ + W3), (no touch) 1 (W4), b ¾, a ¾, d ¼; the top one is drawn last
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["d", "b", "a", "(no touch logged)", "c"]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["First touch", "Last touch", "Linear",
                                                                             "U-shaped (40/20/40)"]
    plt.close("all")


def test_vectorised_credits_match_the_plain_groupby_version():
    """Independent recomputation: the integer-coded path used by attribution() against touch_credits()."""
    rng = np.random.default_rng(9)
    n = 3000
    t = pd.DataFrame({"lead_id": rng.integers(0, 400, n), "occurred_at": rng.integers(0, 50, n),
                      "key": rng.choice(list("abcdef"), n)})
    plain = at.touch_credits(t).sort_values(["lead_id", "occurred_at", "key"], kind="stable").reset_index(drop=True)
    kcode = pd.Series(t["key"]).map({k: i for i, k in enumerate("abcdef")}).to_numpy()
    fast = at._credits_from_codes(t["lead_id"].to_numpy(), t["occurred_at"].to_numpy(), kcode)
    assert fast["code"].tolist() == plain["lead_id"].tolist()
    for m in at.MODELS:
        assert fast[m].to_numpy() == pytest.approx(plain[m].to_numpy())


def test_touch_without_channel_takes_the_lead_channel():
    acts = activities()
    acts.loc[acts["lead_id"].eq("W3"), "channel"] = None  # W3's only touch: no channel → lead's 'referral'
    acts.loc[(acts["lead_id"] == "W1") & (acts["asset"] == "d"), "channel"] = None  # W1's last → lead's 'email'
    w = at.attribution_wide(at.attribution(make_client(leads(), acts), "channel")).set_index("key")
    assert w.loc["referral", "last_touch"] == pytest.approx(1)
    assert w.loc["email", "last_touch"] == pytest.approx(1)  # W1's last touch d, through its lead channel


def test_lead_codes():
    assert at.lead_codes(pd.Series(["a", "b", "c"]), pd.Series(["c", "zz", "a", "a"])).tolist() == [2, -1, 0, 0]
