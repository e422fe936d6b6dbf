"""Real data: X Education lead-scoring export (../shared/datasets/xeducation/Leads.csv).

Scores it end to end and reports the test AUC with and without the columns sales fill in after the
outcome (Tags, Lead Quality, Last Activity, Last Notable Activity, the Asymmetrique indices and
scores, Lead Profile). The export has no dates, so the scorecard must fall back to a labelled random
split with a fixed seed and label "won" without a window.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import require_dataset

from smk.analyses.outcomes import lead_outcomes
from smk.analyses.scorecard import learn_scorecard
SALES_ENTERED = ["Tags", "Lead Quality", "Last Activity", "Last Notable Activity", "Asymmetrique Activity Index",
                 "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
                 "Lead Profile"]

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def xeducation():
    # the loader needs created_at, which this export does not have (examples/xeducation/client.yml), so
    # the test reads it with pandas and maps the canonical columns itself
    raw = pd.read_csv(require_dataset("xeducation") / "Leads.csv")
    raw = raw.loc[:, [c for c in raw.columns if not c.startswith("Unnamed")]]
    # 'Select' is the form's "left empty" placeholder
    raw = raw.mask(raw.apply(lambda s: s.astype("string").str.strip().str.lower().eq("select").fillna(False)))
    leads = raw.rename(columns={"Prospect ID": "lead_id", "Converted": "won", "TotalVisits": "n_page_view"})
    leads = leads.drop(columns=["Lead Number"])
    leads["won"] = leads["won"].astype(bool)
    leads["n_page_view"] = pd.to_numeric(leads["n_page_view"], errors="coerce").astype("Int64")
    leads["created_at"] = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")  # the export has no dates
    outcomes = lead_outcomes(leads, None, data_end=pd.Timestamp("2020-01-01"))
    return leads, outcomes


def test_xeducation_auc_with_and_without_leaky_columns(xeducation):
    leads, outcomes = xeducation
    assert len(leads) == 9240
    assert outcomes["won"].sum() == 3561  # 38.5 % converted

    clean = learn_scorecard(leads, outcomes, None, window_days=90, exclude_features=SALES_ENTERED, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        leaky = learn_scorecard(leads, outcomes, None, window_days=90, allow_leaky=True, leakage="flag", seed=0)

    print(f"\nX Education: test AUC without sales-entered columns {clean.auc['auc']:.3f} "
          f"[{clean.auc['ci_low']:.3f}, {clean.auc['ci_high']:.3f}] ({len(clean.rules)} rules); "
          f"with them {leaky.auc['auc']:.3f} [{leaky.auc['ci_low']:.3f}, {leaky.auc['ci_high']:.3f}] "
          f"({len(leaky.rules)} rules); split: {clean.split_kind}")

    # no dates: an explicit random split with a fixed seed, label = won, nobody "too recent"
    assert clean.split_kind == "random (no dates)" and leaky.split_kind == "random (no dates)"
    assert clean.label_kind == "won (no dates)" and clean.too_recent == 0
    assert (clean.scores["split"] == "test").sum() == round(0.3 * 9240)

    # the honest model still ranks leads well; the leaky one looks much better than it can be
    assert 0.75 < clean.auc["auc"] < 0.93
    assert leaky.auc["auc"] > 0.95
    assert leaky.auc["auc"] - clean.auc["auc"] > 0.07
    assert leaky.auc["ci_low"] > clean.auc["ci_high"]  # intervals do not even overlap

    # the guard names Tags (by name, whatever the configuration) and the clean model never uses it
    guard = leaky.leakage.set_index("feature")
    assert "Tags" in guard.index and guard.loc["Tags", "reason"] == "name"
    assert guard.loc["Tags", "auc"] > 0.85  # Tags alone separates converted leads very well
    assert {"Lead Quality", "Last Notable Activity", "Last Activity"} <= set(guard.index)
    assert "Tags" in set(leaky.coefficients["field"])
    assert not set(clean.coefficients["field"]) & set(SALES_ENTERED)
    assert set(SALES_ENTERED) <= set(clean.excluded["feature"])

    # with no configuration at all the name heuristics alone still keep Tags out
    default = learn_scorecard(leads, outcomes, None, window_days=90, seed=0)
    assert "Tags" not in set(default.coefficients["field"])
    assert default.leakage.set_index("feature").loc["Tags", "reason"] == "name"

    # calibration on the random test split: every band's predicted mean within 5 pp of observed
    cal = clean.calibration
    assert (np.abs(cal["predicted"] - cal["observed"]) < 0.05).all()
