"""Notebook 05 on an undated export with per-lead attempt counters (issue 18 item 5).

A finished telemarketing campaign exported as one row per contact: calls made, whether the contact
subscribed and (in the second version) the amount, and no date of any kind (client.yml ``undated: true``).
Every figure is worked by hand in the comments below and asserted exactly (rates as fractions,
Wilson bounds to 1e-5).

The campaign, 32 contacts (costs: $60 an hour ÷ 2 calls an hour = $30 a call; min_group_size 7):

    calls made   contacts   subscribed   amounts of the subscribers
        0            2          0
        1           10          4         100, 200, 300, 400   (mean 250)
        2            8          3         200, 300, 400        (mean 300)
        3            6          1         400
        4            4          1         400
        5            2          0
    total           32          9         2,700 → $300 per customer

Wilson 95 % (z = 1.959964, z² = 3.841459): centre = (p̂ + z²/2n)/(1 + z²/n),
half = z·sqrt(p̂(1 − p̂)/n + z²/4n²)/(1 + z²/n). Worked once for 4/10: 1 + 0.384146 = 1.384146;
centre = (0.4 + 0.192073)/1.384146 = 0.427753; half = 1.959964·sqrt(0.024 + 0.009604)/1.384146 =
1.959964·0.183313/1.384146 = 0.259573 → [0.168180, 0.687326]. The others the same way:
3/8 → 0.415551 ± 0.278707 = [0.136844, 0.694258]; 1/6 → 0.296778 ± 0.266725 = [0.030053, 0.563503];
1/4 → 0.372473 ± 0.326885 = [0.045587, 0.699358]; 0/2 → 0.328810 ± 0.328810 = [0, 0.657620];
4/30 → 0.174955 ± 0.121858 = [0.053097, 0.296813]; 3/20 → 0.206394 ± 0.154025 = [0.052369, 0.360419];
1/12 → 0.184373 ± 0.169507 = [0.014865, 0.353880].
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import run_notebook_cells, write_client  # noqa: E402

import smk  # noqa: E402
import smk.report  # noqa: E402
from smk.analyses import attempts as A  # noqa: E402
from smk.analyses.base import Missing  # noqa: E402
from smk.client.capabilities import capabilities  # noqa: E402
from smk.errors import NotEnoughData  # noqa: E402
from smk.views import attempts as V  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_contact_attempts.ipynb"

#: (calls made, subscribed, amount) per contact, in the export's order
CONTACTS = ([(0, "no", "")] * 2
            + [(1, "yes", a) for a in ("100", "200", "300", "400")] + [(1, "no", "")] * 6
            + [(2, "yes", a) for a in ("200", "300", "400")] + [(2, "no", "")] * 5
            + [(3, "yes", "400")] + [(3, "no", "")] * 5
            + [(4, "yes", "400")] + [(4, "no", "")] * 3
            + [(5, "no", "")] * 2)

YML = """\
name: Campaign
currency: USD
lang: en
period: 2024-06
costs:
  rep_hourly_cost: 60
  attempts_per_hour: 2
analysis:
  min_group_size: 7
tables:
  leads:
    file: calls.csv
    undated: true
    columns:
      lead_id: Contact
      n_attempts: Calls
      won: Subscribed
{revenue}"""


def campaign_dir(folder: Path, *, amounts: bool) -> Path:
    rows = [f"C{i + 1:02d},{n},{won},{amount if amounts else ''}" for i, (n, won, amount) in enumerate(CONTACTS)]
    csv = "Contact,Calls,Subscribed,Amount\n" + "\n".join(rows) + "\n"
    yml = YML.format(revenue="      revenue: Amount\n" if amounts else "")
    return write_client(folder, yml, {"calls.csv": csv})


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """Without amounts: no customer can be valued."""
    folder = campaign_dir(tmp_path_factory.mktemp("campaign"), amounts=False)
    client = smk.load_client(folder)
    return folder, client, A.analyse(client)


@pytest.fixture(scope="module")
def campaign_money(tmp_path_factory):
    """With the subscribers' amounts."""
    folder = campaign_dir(tmp_path_factory.mktemp("campaign_money"), amounts=True)
    client = smk.load_client(folder)
    return folder, client, A.analyse(client)


def requires() -> list[str]:
    """Notebook 05's metadata ``smk.requires`` (what smk.run.runner checks before executing it)."""
    return list(nbformat.read(NOTEBOOK, 4).metadata["smk"]["requires"])


def context(client, folder: Path, lang: str):
    return smk.report.setup(client_dir=folder, period="2024-06", lang=lang, output_dir=folder / f"out-{lang}",
                            client=client, apply_theme=False)


def shown(res, client, folder: Path, lang: str, *sections: str) -> list[str]:
    ctx = context(client, folder, lang)
    for name in sections:
        ctx.show(res, name)
    plt.close("all")
    return [repr(x) for x in ctx.shown]


# --------------------------------------------------------------------------------------------
# the data: undated, every contact counts, notebook 05 runs
# --------------------------------------------------------------------------------------------
def test_undated_counters_client_runs_05(campaign):
    folder, client, res = campaign
    assert len(client.leads) == 32 and pd.isna(client.data_end)
    caps = capabilities(client)
    assert caps["dated"] is False and caps["attempts"] and caps["outcomes"] and not caps["attempt_log"]
    # notebook 05 asks only for what this export has (the runner's check: every `requires` capability)
    assert requires() == ["attempts", "outcomes"]
    assert [c for c in requires() if not caps[c]] == []
    # no dates: nobody is too recent, every contact counts with its outcome as exported
    assert res.dated is False and res.paths["old_enough"].all()
    assert res.paths.attrs == {"source": "counters", "has_connects": False, "dated": False}
    assert res.source == "counters" and res.notes == ("counters", "undated")
    # speed to lead and cadence need dates: declared missing, with why
    assert res.speed is None and res.cadence is None
    assert res.missing == {
        "speed": Missing(needs=("dated", "attempt_log"), reason="attempts.missing.speed_undated"),
        "cadence": Missing(needs=("dated", "attempt_log"), reason="attempts.missing.cadence_undated")}


def test_undated_export_without_counter_is_not_enough_data(tmp_path):
    """An undated export with outcomes but no attempts counter (X Education's shape): 05 cannot run, and
    what it lacks is the attempts, no longer the dates."""
    folder = write_client(tmp_path / "x", """\
        name: X
        currency: USD
        period: 2024-06
        tables:
          leads:
            file: leads.csv
            undated: true
            columns: {lead_id: id, won: won}
        """, {"leads.csv": "id,won\na,1\nb,0\n"})
    client = smk.load_client(folder)
    caps = capabilities(client)
    assert [c for c in requires() if not caps[c]] == ["attempts"]
    with pytest.raises(NotEnoughData) as exc:
        A.analyse(client)
    assert exc.value.needs == ["attempts"]


# --------------------------------------------------------------------------------------------
# the figures, by hand
# --------------------------------------------------------------------------------------------
def test_guide_table_by_hand(campaign):
    """Contacts grouped by calls made (the 2 never called are not a group)."""
    _, _, res = campaign
    t = res.naive
    assert t["attempts"].tolist() == [1, 2, 3, 4, 5]
    assert t["n_leads"].tolist() == [10, 8, 6, 4, 2]
    assert t["n_won"].tolist() == [4, 3, 1, 1, 0]
    assert t["close_rate"].tolist() == pytest.approx([4 / 10, 3 / 8, 1 / 6, 1 / 4, 0.0], abs=1e-12)
    assert t["ci_low"].tolist() == pytest.approx([0.168180, 0.136844, 0.030053, 0.045587, 0.0], abs=1e-5)
    assert t["ci_high"].tolist() == pytest.approx([0.687326, 0.694258, 0.563503, 0.699358, 0.657620], abs=1e-5)
    # fewer than 7 contacts: 6, 4 and 2
    assert t["too_small"].tolist() == [False, False, True, True, True]
    assert t.attrs["never_attempted"] == 2
    # no amounts and no costs.value_per_customer: no customer can be valued
    assert res.value_source == "none" and np.isnan(res.avg_revenue)
    assert t["avg_revenue"].isna().all() and t["profitability"].isna().all()


def test_per_attempt_probability_by_hand(campaign):
    """P(sale at attempt k) among the contacts that reached attempt k without a sale: the counter
    includes the successful call and calling stopped at the sale, so a subscriber called k times
    subscribed at call k, and a contact called n times reached calls 1 … n.

    reached k:  k1 = 30 (every called contact), k2 = 8 + 6 + 4 + 2 = 20, k3 = 6 + 4 + 2 = 12, k4 = 6, k5 = 2
    sales at k: 4, 3, 1, 1, 0 → 4/30 = 0.1333, 3/20 = 0.15, 1/12 = 0.0833, 1/6 = 0.1667, 0/2 = 0
    """
    _, _, res = campaign
    h = res.hazard
    assert h["at_risk"].tolist() == [30, 20, 12, 6, 2]
    assert h["closes"].tolist() == [4, 3, 1, 1, 0]
    assert h["close_hazard"].tolist() == pytest.approx([4 / 30, 3 / 20, 1 / 12, 1 / 6, 0.0], abs=1e-12)
    assert h["close_low"].tolist() == pytest.approx([0.053097, 0.052369, 0.014865, 0.030053, 0.0], abs=1e-5)
    assert h["close_high"].tolist() == pytest.approx([0.296813, 0.360419, 0.353880, 0.563503, 0.657620], abs=1e-5)
    assert h["connect_rate"].isna().all()  # counters have no call outcomes
    # the chance of a sale with up to k calls: 1 − Π(1 − h): 4/30; 1 − (26/30)(17/20) = 0.263333;
    # 1 − 0.736667·(11/12) = 0.324722; 1 − 0.675278·(5/6) = 0.437269; then unchanged (h5 = 0)
    assert res.value["cum_close"].tolist() == pytest.approx([4 / 30, 0.263333, 0.324722, 0.437269, 0.437269],
                                                            abs=1e-6)


def test_cap_by_hand(campaign):
    """A cap at k calls keeps the sales at calls ≤ k and saves the calls beyond k.

    calls made in all: 10·1 + 8·2 + 6·3 + 4·4 + 2·5 = 70; sales 9.
    k  sales kept            calls with the cap = Σ min(n, k)        saved
    1  4 → 4/9 = 44.4 %      30 (every called contact once)          40 → 57.1 %
    2  7 → 7/9 = 77.8 %      10 + 20·2 = 50                          20 → 28.6 %
    3  8 → 8/9 = 88.9 %      10 + 16 + 12·3 = 62                      8 → 11.4 %
    4  9 → 100 %             10 + 16 + 18 + 6·4 = 68                  2 →  2.9 %
    5  9 → 100 %             70                                       0
    The smallest cap keeping at least 90 % of the sales: 3 keeps 88.9 %, so 4.
    """
    _, _, res = campaign
    c = res.cap
    assert c["attempts"].tolist() == [1, 2, 3, 4, 5]
    assert c["sales"].tolist() == [4, 3, 1, 1, 0]
    assert c["cum_sales"].tolist() == [4, 7, 8, 9, 9]
    assert c["captured_share"].tolist() == pytest.approx([4 / 9, 7 / 9, 8 / 9, 1.0, 1.0], abs=1e-12)
    assert c["calls"].tolist() == [30, 50, 62, 68, 70]
    assert c["calls_saved"].tolist() == [40, 20, 8, 2, 0]
    assert c["calls_saved_share"].tolist() == pytest.approx([40 / 70, 20 / 70, 8 / 70, 2 / 70, 0.0], abs=1e-12)
    assert c.attrs == {"recommended": 4, "quantile": 0.9, "sales": 9, "calls": 70, "leads": 30}
    assert res.cap_recommended == 4


def test_recommended_attempts_without_a_customer_value(campaign):
    """No value per customer: no attempt can be priced, so there is no SLA recommendation
    (recommend_sla, what 04 and 06 read, stays None) and the page's rule is the coverage cap, K = 4."""
    _, client, res = campaign
    assert res.recommendation is None and A.recommend_sla(client) is None
    assert res.recommended == 0  # the money rule finds nothing (every value is 0 × revenue)
    assert res.attempts_rule() == (4, "coverage")
    # index tile: K, and the share of calls the cap saves (2/70 = 2.857 %)
    heads = res.headlines()
    assert [(h.label, h.value, h.kind) for h in heads] == [
        ("attempts.headline.attempts", 4, "int"), ("attempts.headline.calls_saved", pytest.approx(2 / 70), "pct:0")]


def test_with_amounts_by_hand(campaign_money):
    """With the amounts: $300 per customer (2,700 / 9), $30 a call.

    The guide's table: average amount of each group's customers 250, 300, 400, 400, – ; cost of
    calling k times 30k = 30, 60, 90, 120, 150; profitability 250/30 = 8.333, 300/60 = 5, 400/90 =
    4.444, 400/120 = 3.333, – . It levels off (within 10 % of its range) among the groups with ≥ 7
    contacts (k 1 and 2: range 3.333, band 0.333): from k = 2 on (8.333 is 3.333 away from 5).

    Value of attempt k = P(sale at k) × $300 = 40, 45, 25, 50, 0; it pays when above $30: k 1, 2 and 4,
    but k 4 (6 reached) and k 5 (2) have fewer than 7 contacts: K = 2, worth $45.
    On the Wilson bounds × $300: lower 15.93, 15.71, 4.46 → none pays → 0; upper 89.0, 108.1, 106.2 → 3.
    """
    _, client, res = campaign_money
    assert res.value_source == "revenue" and res.avg_revenue == 300.0 and res.cost == 30.0
    t = res.naive
    assert t["avg_revenue"].tolist()[:4] == [250.0, 300.0, 400.0, 400.0] and np.isnan(t["avg_revenue"].iloc[4])
    assert t["calling_cost"].tolist() == [30.0, 60.0, 90.0, 120.0, 150.0]
    assert t["profitability"].tolist()[:4] == pytest.approx([250 / 30, 5.0, 400 / 90, 400 / 120], abs=1e-12)
    assert res.levels_off == 2
    v = res.value
    assert v["value"].tolist() == pytest.approx([40.0, 45.0, 25.0, 50.0, 0.0], abs=1e-9)
    assert v["pays"].tolist() == [True, True, False, True, False]
    assert v["too_small"].tolist() == [False, False, False, True, True]
    assert (res.recommended, res.recommended_low, res.recommended_high) == (2, 0, 3)
    assert res.value_last == pytest.approx(45.0)
    # the recommendation: K = 2 from the value; H and D stay client.yml's numbers but need dates
    rec = res.recommendation
    assert rec.attempts == 2 and rec.basis == {"first_contact_hours": "undated", "within_days": "undated"}
    assert rec.from_data == {"attempts": True, "first_contact_hours": False, "within_days": False}
    assert A.recommend_sla(client) is rec
    assert res.attempts_rule() == (2, "value")
    # the cap at the recommended 2 keeps 7/9 of the sales and saves 20/70 of the calls
    assert res.cap_at(2)["captured_share"] == pytest.approx(7 / 9) and res.cap_at(2)["calls_saved"] == 20
    heads = res.headlines()
    assert [(h.label, h.value) for h in heads] == [
        ("attempts.headline.attempts", 2), ("attempts.headline.calls_saved", pytest.approx(20 / 70)),
        ("attempts.headline.value_last", pytest.approx(45.0))]
    # seeded bootstrap (200 resamples, seed 0): not worked by hand, pinned
    assert (res.boot["low"], res.boot["high"]) == BOOT_RANGE


BOOT_RANGE = (1, 4)


def test_value_per_customer_prices_attempts_without_amounts(campaign):
    """costs.value_per_customer = $300 (the same as the amounts' mean) gives the same money figures on
    the export without amounts: every group with a customer is worth $300, profitability 300/30k =
    10, 5, 3.333, 2.5; values 40, 45, 25, 50, 0 → K = 2."""
    _, client, _ = campaign
    res = A.analyse(client, value_per_customer=300)
    assert res.value_source == "config" and res.avg_revenue == 300.0
    assert res.naive["avg_revenue"].tolist()[:4] == [300.0] * 4 and np.isnan(res.naive["avg_revenue"].iloc[4])
    assert res.naive["profitability"].tolist()[:4] == pytest.approx([10.0, 5.0, 10 / 3, 2.5], abs=1e-12)
    assert res.value["value"].tolist() == pytest.approx([40.0, 45.0, 25.0, 50.0, 0.0], abs=1e-9)
    assert res.recommendation.attempts == 2 and res.attempts_rule() == (2, "value")
    assert res.recommendation.avg_revenue == 300.0


def test_value_per_customer_read_from_client_config(tmp_path):
    """The same through client.yml's costs once the config carries it (set on the loaded config here:
    the key belongs to smk.io.config.CostConfig)."""
    client = smk.load_client(campaign_dir(tmp_path / "c", amounts=False))
    client.config.costs.value_per_customer = 300.0
    assert A.configured_value_per_customer(client) == 300.0
    res = A.analyse(client)
    assert res.value_source == "config" and res.recommended == 2


# --------------------------------------------------------------------------------------------
# the words, both languages
# --------------------------------------------------------------------------------------------
DATA_EN = (
    "Only per-lead attempt counts are available (no attempts log): the guide's method runs; the per-attempt sale "
    "probability assumes the counter includes the successful attempt and that calling stopped at the sale; "
    "connect rates per attempt and the cadence (D) need the log with dates and outcomes. The export has no "
    "dates: every lead counts with its outcome as exported (a finished campaign; leads still being worked "
    "would make the later attempts look worse than they are). Speed to lead (H), the cadence (D days) and the "
    "connect rates need a dated attempts log: those sections say so below instead of showing figures.")
DATA_ES = (
    "Solo hay el número de intentos por lead (sin registro de intentos): el método de la guía se calcula; la "
    "probabilidad de venta por intento supone que el contador incluye el intento exitoso y que se dejó de "
    "llamar al concretarse la venta; las tasas de contacto por intento y la cadencia (D) necesitan el registro "
    "con fechas y resultados. La exportación no tiene fechas: cada lead cuenta con su resultado tal como se "
    "exportó (una campaña terminada; si aún se estuviera trabajando a algunos leads, los últimos intentos "
    "parecerían peores de lo que son). La velocidad de respuesta (H), la cadencia (D días) y las tasas de "
    "contacto necesitan un registro de intentos con fechas: esas secciones lo indican más abajo en lugar de "
    "mostrar cifras.")
CAUTION = {
    "en": "Note: From per-lead counters, P(sale at k) = customers whose counter is k ÷ leads whose counter is at "
          "least k. This assumes the counter includes the successful attempt and that calling stopped at the "
          "sale: if reps kept calling customers after the sale, the later attempts look better than they were.",
    "es": "Nota: Con contadores por lead, P(venta en k) = clientes cuyo contador es k ÷ leads cuyo contador es al "
          "menos k. Esto supone que el contador incluye el intento exitoso y que se dejó de llamar al concretarse "
          "la venta: si los vendedores siguieron llamando a los clientes después de la venta, los últimos "
          "intentos parecen mejores de lo que fueron."}


def test_sections_without_a_value_en(campaign):
    folder, client, res = campaign
    data, t_naive, _fig, naive_txt = shown(res, client, folder, "en", "data", "naive")
    assert data == DATA_EN
    # close rates alone: no revenue, cost or profitability columns
    assert t_naive.splitlines() == [
        "Attempts | Leads | Customers | Close rate | 95 % CI | Too small to judge",
        "1 | 10 | 4 | 40.0 % | [16.8 %, 68.7 %] | no",
        "2 | 8 | 3 | 37.5 % | [13.7 %, 69.4 %] | no",
        "3 | 6 | 1 | 16.7 % | [3.0 %, 56.4 %] | yes",
        "4 | 4 | 1 | 25.0 % | [4.6 %, 69.9 %] | yes",
        "5 | 2 | 0 | 0.0 % | [0.0 %, 65.8 %] | yes"]
    assert naive_txt == (
        "No customer can be valued (no revenue in the data and no value per customer was set), so "
        "the guide's cost and profitability columns cannot be computed: the table and the chart show the close "
        "rate of each group with its 95 % interval. Read it with care: it is biased (next section).")
    _fig, compare = shown(res, client, folder, "en", "compare")
    assert compare == (
        "Leads called once closed at 40.0 %, yet the first attempt brought a sale to only 13.33 % of the leads "
        "that received it: reps stop calling a lead once it answers, so the groups mix the value of an attempt "
        "with when reps stop. The corrected line counts every lead that reached attempt k without a sale, so it "
        "measures what attempt k adds.")
    assert shown(res, client, folder, "en", "by_type") == ["No lead type has enough leads for its own line."]
    t_value, caution, value_txt = shown(res, client, folder, "en", "value")
    assert t_value.splitlines() == [
        "Attempts | Leads reaching attempt k unreached | Sales credited to k | P(sale at k) | 95 % CI | "
        "Too small to judge",
        "1 | 30 | 4 | 13.33 % | [5.31 %, 29.68 %] | no",
        "2 | 20 | 3 | 15.00 % | [5.24 %, 36.04 %] | no",
        "3 | 12 | 1 | 8.33 % | [1.49 %, 35.39 %] | no",
        "4 | 6 | 1 | 16.67 % | [3.01 %, 56.35 %] | yes",
        "5 | 2 | 0 | 0.00 % | [0.00 %, 65.76 %] | yes"]
    assert caution == CAUTION["en"]
    assert value_txt == (
        "No customer can be valued (no revenue in the export and no value per customer was set): an "
        "attempt cannot be priced against its cost, so the table shows the sale probability of each attempt and "
        "the cap below chooses the number of attempts.")
    intro, t_cap, _fig, cap_txt = shown(res, client, folder, "en", "cap")
    assert intro.startswith("What a cap of k attempts per lead would have kept and saved:")
    assert t_cap.splitlines() == [
        "Cap (attempts) | Sales kept | % of sales kept | Calls with the cap | Calls saved | % of calls saved",
        "1 | 4 | 44.4 % | 30 | 40 | 57.1 %",
        "2 | 7 | 77.8 % | 50 | 20 | 28.6 %",
        "3 | 8 | 88.9 % | 62 | 8 | 11.4 %",
        "4 | 9 | 100.0 % | 68 | 2 | 2.9 %",
        "5 | 9 | 100.0 % | 70 | 0 | 0.0 %"]
    assert cap_txt == (
        "No customer can be valued (no revenue in the export and no value per customer was set), so an "
        "attempt cannot be priced against its cost: the recommended cap is the smallest that keeps at least 90 % "
        "of the sales, 4 attempts. A cap at 4 attempts keeps 100.0 % of the sales (9 of 9) and saves 2.9 % of the "
        "calls (2 of 70). The attempts beyond it brought no sale in 2 calls.")
    speed, cadence = shown(res, client, folder, "en", "speed", "cadence")
    assert speed.startswith(
        "Not enough data: Speed to lead needs when each lead arrived and when it was first attempted, and this "
        "export has no dates.")
    assert cadence.startswith(
        "Not enough data: The cadence (within how many days, D) needs the date of every attempt, and this export "
        "has no dates.")
    line, table = shown(res, client, folder, "en", "recommendation")
    assert line == "At most 4 attempts per lead."
    assert table.splitlines() == [
        "SLA element | Recommended | Evidence",
        "First attempt within | needs dates | H needs when each lead arrived and when it was first attempted: a "
        "dated attempts log (or creation and first-contact dates per lead). This export has no dates.",
        "Attempts per lead | 4 | K = 4: no customer can be valued, so K is the smallest cap that keeps at least "
        "90 % of the sales; it keeps 100.0 % of them and saves 2.9 % of the calls (assuming the counter includes "
        "the successful attempt and calling stopped at the sale).",
        "Attempts made within | needs dates | D needs the date of every attempt: a dated attempts log. This export "
        "has no dates."]


def test_sections_without_a_value_es(campaign):
    folder, client, res = campaign
    data, t_naive, _fig, naive_txt = shown(res, client, folder, "es", "data", "naive")
    assert data == DATA_ES
    assert t_naive.splitlines()[:2] == ["Intentos | Leads | Clientes | Tasa de cierre | IC 95 % | Muy pequeño para juzgar",
                                        "1 | 10 | 4 | 40,0 % | [16,8 %; 68,7 %] | no"]
    assert naive_txt == (
        "No es posible valorar a un cliente (los datos no tienen ingresos y no se fijó un valor por cliente), "
        "así que las columnas de costo y rentabilidad de la guía no pueden calcularse: "
        "la tabla y el gráfico muestran la tasa de cierre de cada grupo con su intervalo del 95 %. Léala con "
        "cuidado: está sesgada (siguiente sección).")
    _fig, compare = shown(res, client, folder, "es", "compare")
    assert compare == (
        "Los leads llamados una vez cerraron un 40,0 %, pero el primer intento trajo una venta solo al 13,33 % de "
        "los leads que lo recibieron: los vendedores dejan de llamar cuando el lead contesta, así que los grupos "
        "mezclan el valor de un intento con el momento en que se deja de llamar. La línea corregida cuenta a "
        "todos los leads que llegaron al intento k sin venta, así que mide lo que aporta el intento k.")
    assert shown(res, client, folder, "es", "by_type") == ["Ningún tipo de lead tiene leads suficientes para su propia línea."]
    _t, caution, value_txt = shown(res, client, folder, "es", "value")
    assert caution == CAUTION["es"]
    assert value_txt == (
        "No es posible valorar a un cliente (la exportación no tiene ingresos y no se fijó un valor por cliente): "
        "un intento no puede compararse con su costo, así que la tabla muestra la "
        "probabilidad de venta de cada intento y el tope de más abajo elige el número de intentos.")
    _intro, t_cap, _fig, cap_txt = shown(res, client, folder, "es", "cap")
    assert t_cap.splitlines()[0] == ("Tope (intentos) | Ventas conservadas | % de ventas conservadas | Llamadas con el tope | "
                                     "Llamadas ahorradas | % de llamadas ahorradas")
    assert t_cap.splitlines()[3] == "3 | 8 | 88,9 % | 62 | 8 | 11,4 %"
    assert cap_txt == (
        "No es posible valorar a un cliente (la exportación no tiene ingresos y no se fijó un valor por cliente), "
        "así que un intento no puede compararse con su costo: el tope recomendado es "
        "el más bajo que conserva al menos el 90 % de las ventas, 4 intentos. Un tope de 4 intentos conserva el "
        "100,0 % de las ventas (9 de 9) y ahorra el 2,9 % de las llamadas (2 de 70). Los intentos posteriores no "
        "trajeron ninguna venta en 2 llamadas.")
    speed, cadence = shown(res, client, folder, "es", "speed", "cadence")
    assert speed.startswith(
        "No hay datos suficientes: La velocidad de respuesta necesita saber cuándo llegó cada lead y cuándo se le "
        "intentó contactar por primera vez, y esta exportación no tiene fechas.")
    assert cadence.startswith(
        "No hay datos suficientes: La cadencia (en cuántos días, D) necesita la fecha de cada intento, y esta "
        "exportación no tiene fechas.")
    line, table = shown(res, client, folder, "es", "recommendation")
    assert line == "Como máximo 4 intentos por lead."
    assert table.splitlines() == [
        "Elemento del ANS | Recomendado | Evidencia",
        "Primer intento antes de | requiere fechas | H necesita saber cuándo llegó cada lead y cuándo se le intentó "
        "contactar por primera vez: un registro de intentos con fechas (o fechas de creación y de primer contacto "
        "por lead). Esta exportación no tiene fechas.",
        "Intentos por lead | 4 | K = 4: no es posible valorar a un cliente, así que K es el tope más bajo que "
        "conserva al menos el 90 % de las ventas; conserva el 100,0 % de ellas y ahorra el 2,9 % de las llamadas "
        "(suponiendo que el contador incluye el intento exitoso y que se dejó de llamar al concretarse la venta).",
        "Intentos realizados en | requiere fechas | D necesita la fecha de cada intento: un registro de intentos "
        "con fechas. Esta exportación no tiene fechas."]


def test_sections_with_amounts_both_languages(campaign_money):
    folder, client, res = campaign_money
    _t, _fig, naive_en = shown(res, client, folder, "en", "naive")
    assert naive_en.startswith(
        "Cost per attempt: $30.00 = $60.00 ÷ 2.0 (rep hourly cost ÷ attempts per hour). The guide's profitability "
        "line levels off at 2 attempts (from there on it stays within 10 % of its range).")
    _t, _fig, caution, value_en, method_en = shown(res, client, folder, "en", "value")
    assert caution == CAUTION["en"]
    assert value_en == (
        "Recommended: 2 attempts. Attempt 2 is the last whose expected value ($45) exceeds its cost ($30.00). The "
        "uncertainty of the data moves the number little: the 95 % interval bounds give 0–3 attempts, and redoing "
        "the calculation on samples of the leads gives 1–4 attempts.")
    # the resampling's figures (200 resamples, seed 0, 90 % range) in the method box, not in the sentence
    assert method_en == (
        "Method: Samples of the leads: a bootstrap with 200 resamples (seed 0); the 90 % range of the recommended "
        "numbers is given. Per-attempt probabilities: a life table (discrete-time hazard) with Wilson 95 % "
        "intervals.")
    assert shown(res, client, folder, "es", "value")[-1] == (
        "Método: Muestras de los leads: bootstrap con 200 remuestreos (semilla 0); se da el rango del 90 % de los "
        "números recomendados. Probabilidades por intento: tabla de vida (riesgo en tiempo discreto) con "
        "intervalos de Wilson del 95 %.")
    cap = {"en": "The recommendation above is 2 attempts (the last whose expected value exceeds its cost). The "
                 "smallest cap that keeps at least 90 % of the sales is 4 attempts. A cap at 2 attempts keeps 77.8 % "
                 "of the sales (7 of 9) and saves 28.6 % of the calls (20 of 70). The attempts beyond it brought 2 "
                 "sales in 20 calls.",
           "es": "La recomendación de arriba es 2 intentos (el último cuyo valor esperado supera su costo). El tope "
                 "más bajo que conserva al menos el 90 % de las ventas es 4 intentos. Un tope de 2 intentos conserva "
                 "el 77,8 % de las ventas (7 de 9) y ahorra el 28,6 % de las llamadas (20 de 70). Los intentos "
                 "posteriores trajeron 2 ventas en 20 llamadas."}
    line = {"en": "At most 2 attempts per lead.", "es": "Como máximo 2 intentos por lead."}
    k_row = {"en": "Attempts per lead | 2 | K = 2: attempt 2 still brings $45 of expected revenue (P(sale at "
                   "attempt 2) 15.00 % among leads not reached before × $300 per customer) against $30.00 per "
                   "attempt, and no later attempt with enough leads pays; the 95 % interval bounds give 0–3 "
                   "attempts, and redoing the calculation on samples of the leads gives 1–4 attempts. Capping at 2 "
                   "keeps 77.8 % of the sales and saves 28.6 % of the calls.",
             "es": "Intentos por lead | 2 | K = 2: el intento 2 todavía aporta $45 de ingreso esperado (P(venta en "
                   "el intento 2) 15,00 % entre los leads no contactados antes × $300 por cliente) frente a $30,00 "
                   "por intento, y ningún intento posterior con suficientes leads se paga; los límites de los "
                   "intervalos del 95 % dan 0–3 intentos, y al repetir el cálculo con muestras de los leads el "
                   "resultado es 1–4 intentos. Un tope de 2 conserva el 77,8 % de las ventas y ahorra el 28,6 % de "
                   "las llamadas."}
    # no lead type column: one "type", which is the company-wide line itself, so no line per type
    assert res.by_type_recommended == {} and len(res.by_type) == 0
    for lang in ("en", "es"):
        assert shown(res, client, folder, lang, "cap")[-1] == cap[lang]
        got_line, table = shown(res, client, folder, lang, "recommendation")
        assert got_line == line[lang]
        assert table.splitlines()[2] == k_row[lang]


def test_value_per_customer_is_said(campaign):
    folder, client, _ = campaign
    res = A.analyse(client, value_per_customer=300)
    assert shown(res, client, folder, "en", "naive")[0] == (
        "The data has no revenue: every customer is valued at $300 in this page's money figures, the value per "
        "customer agreed for this analysis.")
    assert shown(res, client, folder, "es", "naive")[0] == (
        "Los datos no tienen ingresos: en las cifras de dinero de esta página cada cliente se valora en $300, el "
        "valor por cliente acordado para este análisis.")


# --------------------------------------------------------------------------------------------
# the notebook's own cells, in-process
# --------------------------------------------------------------------------------------------
def run_cells(client, folder: Path, lang: str, monkeypatch) -> tuple[str, dict]:
    out = folder / f"nb-{lang}"
    ns = run_notebook_cells(NOTEBOOK, client, monkeypatch, period="2024-06", lang=lang, output_dir=out)
    text = "\n".join(repr(x) for x in ns["ctx"].shown)
    return text, json.loads((out / "05.headlines.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang, expect, tiles", [
    ("en", ["At most 4 attempts per lead.", "Not enough data: Speed to lead needs",
            "Not enough data: The cadence (within how many days, D)", "The attempts beyond it brought no sale in 2 calls."],
     [("Recommended attempts", "4"), ("Calls saved by the recommended cap", "3 %")]),
    ("es", ["Como máximo 4 intentos por lead.", "No hay datos suficientes: La velocidad de respuesta necesita",
            "No hay datos suficientes: La cadencia (en cuántos días, D)"],
     [("Intentos recomendados", "4"), ("Llamadas ahorradas con el tope recomendado", "3 %")]),
])
def test_notebook_on_the_campaign(campaign, lang, expect, tiles, monkeypatch):
    folder, client, _ = campaign
    text, heads = run_cells(client, folder, lang, monkeypatch)
    for e in expect:
        assert e in text
    assert "Traceback" not in text
    assert [(i["label"], i["display"]) for i in heads["items"]] == tiles


# --------------------------------------------------------------------------------------------
# dated clients keep today's page
# --------------------------------------------------------------------------------------------
def test_dated_counters_cap_reaches_every_call():
    """A dated counters client (test_attempts.counters_client: 100 leads called once, 10 won; 100 twice,
    10 won; 100 three times, 5 won): the cap section shows; a cap at the recommended 3 is the most any
    lead received. Calls 100 + 200 + 300 = 600; cap 1 → 300 calls (50 % saved), 10/25 = 40 % kept;
    cap 2 → 500 (16.7 %), 20/25 = 80 %; cap 3 → 600, 100 %: the 90 % cap is 3."""
    from test_attempts import counters_client

    res = A.analyse(counters_client(), rep_hourly_cost=60, attempts_per_hour=6)
    assert res.dated and res.notes == ("counters", "no_timing")
    assert res.cap["captured_share"].tolist() == pytest.approx([0.4, 0.8, 1.0])
    assert res.cap["calls_saved_share"].tolist() == pytest.approx([0.5, 100 / 600, 0.0])
    assert res.cap_recommended == 3 and res.attempts_rule() == (3, "value")
    assert V.cap_text(res, "en") == (
        "The recommendation above is 3 attempts (the last whose expected value exceeds its cost). The smallest cap "
        "that keeps at least 90 % of the sales is 3 attempts. A cap at 3 attempts is the most any lead received: it "
        "keeps every sale and saves no call.")
    assert V.cap_text(res, "es") == (
        "La recomendación de arriba es 3 intentos (el último cuyo valor esperado supera su costo). El tope más bajo "
        "que conserva al menos el 90 % de las ventas es 3 intentos. Un tope de 3 intentos es lo máximo que recibió "
        "cualquier lead: conserva todas las ventas y no ahorra ninguna llamada.")
    # dated: the SLA line keeps client.yml's H and D as before (no "needs dates")
    assert V.sla_line(res.recommendation, "en") == "First attempt within 4 h, 3 attempts within 14 days."


def test_demo_page_unchanged_by_the_cap(tmp_path):
    """The demo (a dated attempts log) shows nothing in the cap cell and keeps its figures; its
    stored outputs are checked by nbval."""
    from smk.io import synth

    path = ROOT / "data" / "demo"
    if not (path / "client.yml").exists():
        path = tmp_path / "demo"
        synth.generate(path)
    client = smk.load_client(path)
    res = A.analyse(client, n_boot=20)
    assert res.dated and res.source == "log" and res.value_source == "revenue" and res.notes == ("log",)
    ctx = context(client, tmp_path, "en")
    assert V.cap(res, ctx) == []
    assert res.attempts_rule() == (8, "value") and res.missing == {}
    assert [h.label for h in res.headlines()] == ["attempts.headline.attempts", "attempts.headline.window",
                                                  "attempts.headline.value_last"]
