"""Real data: Olist marketing funnel (../shared/datasets/olist/), close rate by origin and days from first
contact to won, through smk.load_client, checked against an independent pandas recomputation.

The MQL file's ``first_contact_date`` is dd-mm-yyyy (re-saved by a spreadsheet); ``won_date`` is ISO.
Every closed deal in this dataset is won. client.yml has no way to give a table a constant column
(deals.stage = "won"), so the deals are read with pandas here and added to the loaded client.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smk
from smk.analyses import closerate as cr

OLIST = (Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "olist").resolve()
MQL = OLIST / "olist_marketing_qualified_leads_dataset.csv"
DEALS = OLIST / "olist_closed_deals_dataset.csv"

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def olist_files():
    if not (MQL.exists() and DEALS.exists()):
        reason = f"Olist dataset not found at {OLIST} (real-data test; see ../shared/datasets/README.md)"
        print(reason)
        pytest.skip(reason)
    return MQL, DEALS


@pytest.fixture(scope="module")
def client(olist_files, tmp_path_factory):
    mql, deals_file = olist_files
    folder = tmp_path_factory.mktemp("olist")
    shutil.copyfile(mql, folder / mql.name)  # a client folder holds its exports (paths outside it are refused)
    (folder / "client.yml").write_text(
        "name: olist\n"
        "timezone: UTC\n"
        "tables:\n"
        "  leads:\n"
        f"    file: {mql.name}\n"
        "    columns: {lead_id: mql_id, created_at: first_contact_date, channel: origin}\n"
        "    date_format: \"%d-%m-%Y\"\n",
        encoding="utf-8")
    c = smk.load_client(folder)
    raw = pd.read_csv(deals_file, dtype=str)
    closed = pd.to_datetime(raw["won_date"], format="ISO8601").dt.tz_localize(c.tz)
    deals = pd.DataFrame({"deal_id": raw["mql_id"], "lead_id": raw["mql_id"], "closed_at": closed,
                          "stage": "won", "_source_row": np.arange(2, len(raw) + 2)})
    data_end = max(c.data_end, closed.max())
    return dataclasses.replace(c, tables={**c.tables, "deals": deals}, data_end=data_end)


@pytest.fixture(scope="module")
def independent(olist_files):
    """Plain pandas, no smk: join on mql_id, rate per origin, days from first contact to won."""
    mql, deals_file = olist_files
    m = pd.read_csv(mql, dtype=str)
    d = pd.read_csv(deals_file, dtype=str)
    m["first"] = pd.to_datetime(m["first_contact_date"], format="%d-%m-%Y")
    d["won"] = pd.to_datetime(d["won_date"], format="ISO8601")
    j = m.merge(d[["mql_id", "won"]], on="mql_id", how="left")
    j["origin"] = j["origin"].fillna("(missing)")
    rates = j.groupby("origin")["won"].agg(n="size", k="count")
    days = (j["won"] - j["first"]).dt.total_seconds() / 86400
    won = j["won"].notna()
    median_by_origin = days[won].clip(lower=0).groupby(j.loc[won, "origin"]).median()
    return {"rates": rates, "days": days.dropna(), "n": len(m), "k": int(won.sum()),
            "median_by_origin": median_by_origin}


def test_loader_reads_the_mqls(client, independent):
    assert len(client.leads) == independent["n"] == 8000
    assert client.leads["created_at"].min() == pd.Timestamp("2017-06-14", tz="UTC")
    assert client.leads["created_at"].max() == pd.Timestamp("2018-05-31", tz="UTC")


def test_close_rate_by_origin_matches_independent_recomputation(client, independent):
    r = cr.close_rates(client, "channel", within_days=None)
    ours = r.set_index("group")[["n", "successes"]]
    ref = independent["rates"].rename(columns={"k": "successes"})
    pd.testing.assert_frame_equal(ours.sort_index(), ref.sort_index(), check_dtype=False, check_names=False)
    assert r.attrs["overall_rate"] == pytest.approx(842 / 8000)
    assert r.attrs["independence"]["pvalue"] < 0.001  # origins differ (e.g. organic vs social)
    print("\nOlist close rate by origin (customers so far / MQLs):")
    print(r[["group", "n", "successes", "rate", "ci_low", "ci_high", "direction"]].to_string(index=False))


def test_median_days_first_contact_to_won(client, independent):
    cyc = cr.sales_cycle(client).iloc[0]
    days = independent["days"]
    # one deal is won 1.2 days before its first contact date: smk clips durations at 0; the median of
    # 842 values is unaffected by clipping the smallest one
    assert (days < 0).sum() == 1
    assert cyc["n_won"] == independent["k"] == 842
    assert cyc["median_days"] == pytest.approx(days.median(), abs=1e-6)
    assert cyc["q1_days"] == pytest.approx(days.clip(lower=0).quantile(0.25), abs=1e-6)
    assert cyc["q3_days"] == pytest.approx(days.quantile(0.75), abs=1e-6)
    by = cr.sales_cycle(client, "channel").set_index("group")
    ref = independent["median_by_origin"]
    assert by.loc[ref.index, "median_days"].to_numpy() == pytest.approx(ref.to_numpy(), abs=1e-6)
    print(f"\nOlist median days first contact → won: {cyc['median_days']:.2f} "
          f"(Q1 {cyc['q1_days']:.2f}, Q3 {cyc['q3_days']:.2f}); adjusted for open leads {cyc['adj_median_days']}; "
          f"KM median (open censored, assumes they all win) {cyc['km_median_days']}")
    print(by[["n_won", "median_days", "q1_days", "q3_days", "adj_median_days", "km_median_days"]].to_string())


def test_censored_curves_on_real_data(client):
    nf = cr.naive_vs_fair(client).set_index("group")
    # no lost deals in this dataset: won ÷ (won + lost) is 100 % wherever there is a win
    assert (nf.loc[nf["won"] > 0, "decided_rate"] == 1).all()
    # Aalen–Johansen with no competing event is 1 − KM
    assert np.allclose(nf["cif_window"], nf["km_window"])
    # with N = 90 every MQL is old enough (last MQL 2018-05-31, data end 2018-11-14)
    assert (nf["window_n"] == nf["leads"]).all()


def test_whole_analysis_and_every_section_render_on_real_data(client, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import smk.report
    from smk.views import closerate as vcr

    res = cr.analyse(client)
    # MQLs with an origin and nothing else: no offer, no segment, no MQL date column, no activity log
    assert set(res.missing) == {"offer", "cycle_offer", "cycle_segment", "cycle_mql", "assists", "landing",
                                "attribution_channel", "attribution_asset"}
    assert res.headlines()[-1].value == pytest.approx(res.cycle_all["median_days"].iloc[0])
    for lang in ("en", "es"):
        ctx = smk.report.setup(client_dir=tmp_path, period="2018-05", lang=lang, output_dir=tmp_path, client=client,
                               apply_theme=False)
        for name in cr.SECTIONS:
            ctx.show(res, name)
        words = " ".join(repr(x) for x in ctx.shown if not hasattr(x, "savefig"))
        # the sales cycle sentence with the Olist figures (median 14.6 days, 842 customers)
        assert vcr.cycle_text(res.cycle_all, res.cycle_channel, ctx) in words
        assert ("among the 842 customers" if lang == "en" else "entre los 842 clientes") in words
