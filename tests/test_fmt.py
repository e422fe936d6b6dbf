"""smk.views.fmt and the tick formatters of smk.views.theme: exact strings in both languages."""
import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from smk.views import fmt, theme  # noqa: E402

MINUS = "\u2212"


def test_numbers_in_both_languages():
    assert fmt.number(1234.5, "en", 1) == "1,234.5"
    assert fmt.number(1234.5, "es", 1) == "1.234,5"
    assert fmt.number(2215.94, "es", 1) == "2.215,9"
    assert fmt.pct(0.123, "es") == "12,3 %"
    assert fmt.pct(0.123, "en") == "12.3 %"
    assert fmt.money(1600, "USD", "en") == "$1,600"
    assert fmt.money(1600, "USD", "es") == "$1.600"
    assert fmt.money(-1500, "EUR", "es") == "−€1.500"
    assert fmt.pp(-0.02, "en") == "−2.0 pp"
    assert fmt.pp(0.021, "es") == "+2,1 pp"
    assert fmt.number(None) == fmt.MISSING and fmt.pct(float("nan"), "es") == fmt.MISSING


def test_one_minus_sign_and_no_negative_zero():
    assert fmt.MINUS == MINUS
    assert fmt.number(-3, "en") == MINUS + "3"
    assert fmt.number(-1234.56, "es", 2) == MINUS + "1.234,56"
    assert "-" not in fmt.number(-7.5, "es", 1) + fmt.pct(-0.25, "en") + fmt.money(-3, "USD", "en")
    # a value that rounds to zero is written without a sign, in every helper
    assert fmt.number(-0.04, "es", 1) == "0,0"
    assert fmt.number(-0.4, "en", 0) == "0"
    assert fmt.pct(-0.0004, "es") == "0,0 %"
    assert fmt.money(-0.2, "EUR", "es") == "€0"
    assert fmt.pp(-0.0001, "es") == "0,0 pp"
    assert fmt.pp(0.0, "en") == "0.0 pp"
    assert fmt.signed_change(-0.0004, "es") == "0,0 %"
    assert fmt.signed_change(0.216, "es") == "+21,6 %"
    assert fmt.signed_change(-0.05, "en") == MINUS + "5.0 %"
    assert fmt.signed_number(1.66, "es", 1) == "+1,7"
    assert fmt.signed_number(-2.6, "en", 1) == MINUS + "2.6"
    assert fmt.signed_number(-0.01, "es", 1) == "0,0"


def test_intervals_semicolon_with_a_decimal_comma():
    assert fmt.ci(0.003, 0.036, "es") == "[0,3 %; 3,6 %]"
    assert fmt.ci(0.003, 0.036, "en") == "[0.3 %, 3.6 %]"
    assert fmt.ci(538.3, 2661.7, "es", kind="money", decimals=0, currency="USD") == "[$538; $2.662]"
    assert fmt.ci(538.3, 2661.7, "en", kind="money", decimals=0, currency="USD") == "[$538, $2,662]"
    assert fmt.ci(2.5, 3.75, "es", kind="number", decimals=2) == "[2,50; 3,75]"
    # a difference of two shares: its interval in percentage points, signed
    assert fmt.ci(-0.012, 0.034, "es", kind="pp") == "[−1,2 pp; +3,4 pp]"
    assert fmt.ci(-0.012, 0.034, "en", kind="pp") == "[−1.2 pp, +3.4 pp]"
    assert fmt.ci(-1.26, 0.5, "es", kind="signed", decimals=1) == "[−1,3; +0,5]"
    assert fmt.ci(None, 0.1, "es") == "[–; 10,0 %]"


def test_p_and_q_values():
    assert fmt.pvalue(0.0004, "es") == "< 0,001"
    assert fmt.pvalue(0.0, "en") == "< 0.001"
    assert fmt.pvalue(0.0123, "es") == "0,012"
    assert fmt.pvalue(0.001, "en") == "0.001"
    assert fmt.pvalue(None, "es") == fmt.MISSING


def test_months_dates_and_moments():
    # a month in running text
    assert fmt.month("2026-10", "es") == "octubre de 2026"
    assert fmt.month("2026-10", "en") == "October 2026"
    assert fmt.month(pd.Period("2026-03", freq="M"), "es") == "marzo de 2026"
    # a month in a table, a tick or a title
    assert fmt.month("2026-01", "es", short=True) == "ene 2026"
    assert fmt.month("2026-03", "en", short=True) == "Mar 2026"
    assert fmt.month_name("2026-12", "es") == "diciembre"
    assert fmt.date(pd.Timestamp("2026-08-05"), "es") == "5 ago 2026"
    assert fmt.date("2026-12-04", "en") == "4 Dec 2026"
    assert fmt.day_month("2026-10-31", "es") == "31 oct"
    assert fmt.day_month("2026-10-31", "en") == "31 Oct"
    assert fmt.timestamp(pd.Timestamp("2026-12-04 14:33", tz="UTC"), "es") == "4 dic 2026, 14:33 UTC"
    assert fmt.timestamp(pd.Timestamp("2026-12-04 14:33:59", tz="UTC"), "en") == "4 Dec 2026, 14:33 UTC"
    assert fmt.timestamp(pd.Timestamp("2026-12-04 14:33"), "es") == "4 dic 2026, 14:33"
    assert fmt.timestamp(pd.Timestamp("2026-12-04 14:33"), "es", tz="UTC") == "4 dic 2026, 14:33 UTC"
    assert fmt.timestamp(pd.Timestamp("2026-07-04 12:00", tz="UTC"), "es", tz="Europe/Madrid") == "4 jul 2026, 14:00 CEST"
    assert fmt.date(pd.NaT, "es") == fmt.MISSING and fmt.timestamp(None, "es") == fmt.MISSING
    assert fmt.duration_hours(0.5) == "30 min" and fmt.duration_hours(50, "es") == "2,1 días"


# --- chart ticks --------------------------------------------------------------------------------

def labels(formatter, values):
    return formatter.format_ticks(list(values))


def test_tick_decimals_come_from_the_spacing():
    assert theme.tick_decimals([0, 0.5, 1, 1.5, 2, 2.5]) == 1
    assert theme.tick_decimals([0.025, 0.075, 0.125], scale=100) == 1
    assert theme.tick_decimals([0, 500, 1000, 1500, 2000, 2500]) == 0
    assert theme.tick_decimals([0.1 * i for i in range(6)]) == 1  # 0.30000000000000004 is 0.3
    assert theme.tick_decimals([0, 0.25, 0.5], minimum=0) == 2
    assert theme.tick_decimals([1, 2, 3], minimum=1) == 1


def test_tick_labels_like_the_tables_no_repeated_or_misrounded_ticks():
    assert labels(theme.formatter("number", "es"), [0, 0.5, 1, 1.5, 2, 2.5]) == ["0,0", "0,5", "1,0", "1,5", "2,0", "2,5"]
    assert labels(theme.formatter("pct", "es"), [0.025, 0.075, 0.125]) == ["2,5 %", "7,5 %", "12,5 %"]
    assert labels(theme.formatter("pct", "en"), [0, 0.25, 0.5, 0.75, 1]) == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert labels(theme.formatter("number", "es"), [0, 750, 1500, 2250]) == ["0", "750", "1.500", "2.250"]
    assert labels(theme.formatter("number", "en"), [0, 750, 1500, 2250]) == ["0", "750", "1,500", "2,250"]
    assert labels(theme.formatter("money", "es", "EUR"), [-500, 0, 500]) == ["−€500", "€0", "€500"]
    assert labels(theme.formatter("int", "es"), [0, 1000, 2000]) == ["0", "1.000", "2.000"]
    # decimals asked for are the least shown
    assert labels(theme.formatter("pct", "es", decimals=1), [0.01, 0.02]) == ["1,0 %", "2,0 %"]
    with pytest.raises(ValueError):
        theme.formatter("percent", "es")


def drawn_labels(ax, axis="y"):
    ax.figure.canvas.draw()
    target = ax.yaxis if axis == "y" else ax.xaxis
    return [t.get_text() for t in target.get_ticklabels()]


def test_format_axis_on_a_real_chart():
    fig, ax = plt.subplots()
    ax.bar([0, 1, 2], [0.025, 0.075, 0.125])
    ax.set_yticks([0.025, 0.075, 0.125])
    theme.format_axis(ax, "y", "pct", "es")
    assert drawn_labels(ax) == ["2,5 %", "7,5 %", "12,5 %"]
    fig2, ax2 = plt.subplots()
    ax2.plot([0, 1, 2, 3], [0, 1, 2, 2.4])
    theme.format_axis(ax2, "y", "int", "es")  # counts: whole ticks only
    ys = drawn_labels(ax2)
    assert ys and len(set(ys)) == len(ys) and all("," not in y for y in ys)
    plt.close("all")


def test_localize_gives_every_untouched_axis_the_report_numbers_and_dates():
    fig, ax = plt.subplots()
    ax.plot(pd.date_range("2026-10-01", periods=31, freq="D"), [100 * i for i in range(31)])
    theme.localize(fig, "es")
    ys = drawn_labels(ax)
    assert "2.500" in ys and "2500" not in ys
    xs = drawn_labels(ax, "x")
    assert xs and all(x.endswith(("oct", "nov")) for x in xs if x), xs
    fig2, ax2 = plt.subplots()
    ax2.plot(pd.date_range("2025-01-01", periods=18, freq="MS"), range(18))
    theme.localize(ax2, "es")
    xs = [x for x in drawn_labels(ax2, "x") if x]
    assert xs and all(x[:3] in ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
                      for x in xs), xs
    # an axis formatted on purpose keeps its formatter; categorical axes keep their labels
    fig3, ax3 = plt.subplots()
    ax3.bar(["Atlas", "Boreal"], [0.5, 0.75])
    theme.format_axis(ax3, "y", "pct", "en")
    theme.localize(fig3, "es")
    assert isinstance(ax3.yaxis.get_major_formatter(), theme.TickFormatter) and ax3.yaxis.get_major_formatter().lang == "en"
    assert drawn_labels(ax3, "x") == ["Atlas", "Boreal"]
    plt.close("all")


def test_figure_title_is_the_charts_alt_text():
    fig, ax = plt.subplots()
    assert theme.figure_title(fig) == ""
    ax.set_title("Valor de un MQL por tipo de lead", loc="left")
    assert theme.figure_title(fig) == theme.figure_title(ax) == "Valor de un MQL por tipo de lead"
    fig.suptitle("Intentos de contacto")
    assert theme.figure_title(fig) == "Intentos de contacto"
    plt.close("all")
