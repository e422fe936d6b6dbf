import pandas as pd

from smk.views import fmt


def test_numbers_in_both_languages():
    assert fmt.number(1234.5, "en", 1) == "1,234.5"
    assert fmt.number(1234.5, "es", 1) == "1.234,5"
    assert fmt.pct(0.123, "es") == "12,3 %"
    assert fmt.money(1600, "USD", "en") == "$1,600"
    assert fmt.money(-1500, "EUR", "es") == "−€1.500"
    assert fmt.pp(-0.02, "en") == "−2.0 pp"
    assert fmt.number(None) == fmt.MISSING


def test_dates_and_months():
    assert fmt.month("2026-03", "es") == "marzo 2026"
    assert fmt.month("2026-03", "en", short=True) == "Mar 2026"
    assert fmt.date(pd.Timestamp("2026-08-05"), "es") == "5 ago 2026"
    assert fmt.duration_hours(0.5) == "30 min" and fmt.duration_hours(50, "es") == "2,1 días"
