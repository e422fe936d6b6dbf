"""smk.analyses.features: counts per lead from a log, checked against a plain pandas recomputation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smk.analyses.features import activity_counts, positions

TZ = "Europe/Madrid"


def _log(seed: int = 5, n_leads: int = 60, n_events: int = 900):
    rng = np.random.default_rng(seed)
    leads = pd.DataFrame({"lead_id": pd.array([f"L{i:03d}" for i in range(n_leads)], dtype="str")})
    t0 = pd.Timestamp("2026-03-01", tz=TZ)
    ids = [f"L{i:03d}" for i in rng.integers(0, n_leads + 5, n_events)]  # some unknown leads (L060…)
    types = rng.choice(["page_view", "demo_request", "webinar", None], n_events, p=[0.5, 0.2, 0.25, 0.05])
    assets = rng.choice(["/pricing", "/blog/a", None], n_events)
    when = pd.Series(t0 + pd.to_timedelta(rng.integers(0, 90 * 24, n_events), unit="h"))
    when[rng.random(n_events) < 0.03] = pd.NaT
    acts = pd.DataFrame({"lead_id": pd.array(ids, dtype="str"), "occurred_at": when,
                         "activity_type": pd.array(types, dtype="str"), "asset": pd.array(assets, dtype="str")})
    cut_ids = leads["lead_id"].sample(40, random_state=1)
    before = pd.Series(t0 + pd.to_timedelta(rng.integers(0, 90, len(cut_ids)), unit="D"),
                       index=pd.Index(cut_ids.to_numpy(), name="lead_id"))
    before.iloc[:5] = pd.NaT  # a missing cut-off: every event counts
    return leads, acts, before


def _expected(leads, acts, key_cols, before=None):
    ev = acts.dropna(subset=list(key_cols))
    ev = ev[ev["lead_id"].isin(set(leads["lead_id"]))]
    key = ev[key_cols[0]].astype(object)
    for c in key_cols[1:]:
        key = key + " · " + ev[c].astype(object)
    ev = ev.assign(_key=key.to_numpy())
    kinds = sorted(ev["_key"].unique())
    if before is not None:
        cut = ev["lead_id"].map(before)
        ev = ev[cut.isna() | (ev["occurred_at"] < cut)]
    out = pd.DataFrame(0, index=pd.Index(leads["lead_id"], name="lead_id"), columns=kinds, dtype="int64")
    for (lead, k), n in ev.groupby(["lead_id", "_key"]).size().items():
        out.loc[lead, k] = n
    return out


def test_counts_match_pandas_with_and_without_cutoffs():
    leads, acts, before = _log()
    for b in (None, before):
        got = activity_counts(leads, acts, before=b)
        exp = _expected(leads, acts, ("activity_type",), b)
        assert got.attrs["source"] == "log"
        pd.testing.assert_frame_equal(got, exp, check_names=False, check_index_type=False)
        assert got.to_numpy().sum() > 0


def test_counts_by_type_and_asset_combination():
    leads, acts, before = _log(seed=9)
    got = activity_counts(leads, acts, by=("activity_type", "asset"), before=before)
    exp = _expected(leads, acts, ("activity_type", "asset"), before)
    assert "demo_request · /pricing" in got.columns
    pd.testing.assert_frame_equal(got, exp, check_names=False, check_index_type=False)


def test_kinds_cut_off_entirely_keep_their_column():
    leads, acts, _ = _log(seed=2)
    early = pd.Series(pd.Timestamp("2000-01-01", tz=TZ), index=pd.Index(leads["lead_id"], name="lead_id"))
    got = activity_counts(leads, acts, before=early)
    assert sorted(got.columns) == sorted(acts.dropna(subset=["activity_type"])
                                         .loc[lambda d: d["lead_id"].isin(set(leads["lead_id"])), "activity_type"].unique())
    assert got.to_numpy().sum() == 0


def test_positions_marks_absent_keys():
    pos = positions(pd.Series(["b", "x", "a", None], dtype="str"), pd.Index(["a", "b"]))
    assert pos.tolist() == [1, -1, 0, -1]


def test_row_patterns_match_numpy_unique_rows():
    from smk.analyses.features import row_patterns

    rng = np.random.default_rng(0)
    for A in (rng.random((500, 7)) < 0.3, rng.random((800, 45)) < 0.5, rng.integers(0, 4, (500, 3)).astype(float), np.zeros((5, 0))):
        A = A.astype(float)
        uniq, inv = row_patterns(A)
        np.testing.assert_array_equal(uniq[inv], A)  # every row is its pattern
        assert len(uniq) == len(np.unique(A, axis=0)) if A.shape[1] else len(uniq) == 1


def test_client_cache_hands_out_copies_and_follows_replaced_tables():
    import smk
    from smk.analyses.outcomes import lead_outcomes

    client = smk.load_client("data/demo")
    first = lead_outcomes(client)
    first.loc[:, "status"] = "changed by the caller"
    again = lead_outcomes(client)
    assert (again["status"] != "changed by the caller").all()  # the cached table was not touched
    pd.testing.assert_frame_equal(again, lead_outcomes(client.leads, client.deals, data_end=client.data_end))
    client.tables["leads"] = client.leads.iloc[:100]  # a replaced table: computed again
    fewer = lead_outcomes(client)
    assert len(fewer) == 100 < len(again)
    pd.testing.assert_frame_equal(fewer, lead_outcomes(client.leads, client.deals, data_end=client.data_end))


def test_activity_done_is_counts_above_zero():
    from smk.analyses.features import activity_done, did_activity

    leads, acts, before = _log(seed=4)
    for by in ("activity_type", ("activity_type", "asset")):
        got = activity_done(leads, acts, by=by, before=before)
        exp = did_activity(activity_counts(leads, acts, by=by, before=before))
        pd.testing.assert_frame_equal(got, exp)
        assert got.to_numpy().any() and not got.to_numpy().all()
    no_log = leads.assign(n_page_view=[i % 3 for i in range(len(leads))])
    pd.testing.assert_frame_equal(activity_done(no_log), did_activity(activity_counts(no_log)))


def test_loaded_event_labels_are_categoricals_with_the_same_values():
    import smk
    from smk.io.readers import read_raw

    client = smk.load_client("data/demo")
    acts = client.activities
    for col in ("activity_type", "asset"):
        assert isinstance(acts[col].dtype, pd.CategoricalDtype)
        cats = list(acts[col].cat.categories)
        assert cats == sorted(cats)
    raw = read_raw(client.sources["activities"]).frame
    # the same multiset of labels as a text column would hold (value maps applied by the loader)
    assert acts["activity_type"].notna().all() and len(acts["activity_type"].cat.categories) >= 5
    assert acts["asset"].astype(object).isin(set(raw[client.config.tables["activities"].columns.get("asset", "asset")]
                                                 .str.strip())).where(acts["asset"].notna(), True).all()


DIRTY_LOG_YML = """name: Labels
timezone: UTC
tables:
  leads:
    file: l.csv
  activities:
    file: a.csv
    values:
      activity_type: {"Page View": page_view, "page view": page_view, "Demo Request": demo_request}
"""
DIRTY_LOG_FILES = {
    "l.csv": "lead_id,created_at\n1,2026-01-01\n2,2026-01-02\n3,2026-01-03\n",
    "a.csv": ("lead_id,occurred_at,activity_type,asset\n"
              "1,2026-01-02,Page View,/pricing\n2,2026-01-03, page view ,/blog\n3,2026-01-04,Demo Request,\n"
              "1,2026-01-05,zz_other,N/A\n2,2026-01-06,,/pricing\n3,2026-01-07,Page View,/Blog\n"),
}


@pytest.mark.parametrize("source", ["demo", "dirty"])
def test_loader_categoricals_equal_text_columns_made_categorical(source, make_client, monkeypatch):
    """The loader builds the categoricals from distinct values and codes; they must be exactly the
    text columns it would otherwise build, made categorical by pandas (value maps, trimming,
    placeholders and missing values included)."""
    import smk
    import smk.client.loader

    client_dir = "data/demo" if source == "demo" else make_client(DIRTY_LOG_YML, DIRTY_LOG_FILES)
    fast = smk.load_client(client_dir)
    monkeypatch.setattr(smk.client.loader, "CATEGORICAL", ())
    text = smk.load_client(client_dir)
    for col in ("activity_type", "asset"):
        assert not isinstance(text.activities[col].dtype, pd.CategoricalDtype)
        pd.testing.assert_series_equal(fast.activities[col], text.activities[col].astype("category"))
    if source == "dirty":
        assert list(fast.activities["activity_type"].cat.categories) == ["demo_request", "page_view", "zz_other"]
        assert fast.activities["asset"].isna().sum() == 2  # blank and the N/A placeholder


def test_text_column_categorical_from_raw_and_from_codes():
    import pyarrow as pa

    from smk.client.loader import _Text

    raw = pa.array(["b", None, "a", "b", "c"], type=pa.large_string())
    keep = np.array([True, True, False, True, True])
    for col in (_Text(raw, np.arange(5), raw=raw), _Text(pa.array(["b", None, "a", "B", "c"]), np.array([0, 1, 2, 0, 4]))):
        for k in (None, keep):
            got = col.categorical(k)
            exp = col.take(k, k).astype("category")
            pd.testing.assert_series_equal(got, exp)
