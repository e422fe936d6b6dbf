"""The index page of a report folder (``index.html``): client, period, when it was generated, the
data-quality summary and one tile per notebook with its headline figures, its error or what data it
lacks. Rendered through the autoescaped Jinja environment (smk.views.html.render)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smk import texts
from smk.client.capabilities import table_summary
from smk.io.ledger import CLEARED, SET_ASIDE
from smk.report.context import read_headlines
from smk.views import fmt
from smk.views.html import Html, format_table, render

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
INDEX_TEMPLATE = "index.html.j2"
CSS = TEMPLATES_DIR / "smk.css"
#: Words of the index page (catalogue ``report.index.*``) without placeholders.
WORDS = ("title", "period", "generated", "lang", "quality", "ledger_link", "analyses", "open", "failed", "footer")


def css() -> Html:
    """The report's style sheet (inline in every page: reports open offline); our own file, so
    templates insert it as it is."""
    return Html(CSS.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Tile:
    """One notebook on the index: ``status`` is ``ok``, ``failed`` or ``not_enough_data``; ``href``
    the report page (None when there is none); ``message`` the error or what data is missing."""

    id: str
    title: str
    status: str
    href: str | None = None
    message: str = ""
    headlines: tuple[dict, ...] = field(default_factory=tuple)


def headline_items(out_dir: str | Path, notebook_id: str) -> tuple[dict, ...]:
    """``({"label": …, "display": …}, …)`` from ``<out_dir>/<id>.headlines.json`` (empty when absent)."""
    data = read_headlines(out_dir, notebook_id) or {}
    return tuple({"label": str(h.get("label", "")), "display": str(h.get("display", ""))}
                 for h in data.get("items", []))


def index_html(*, client: Any, period: str, lang: str, tiles: list[Tile], generated_at: str,
               ledger_csv: str | None) -> str:
    """The index page as a string."""
    fmt.check_lang(lang)
    summary = table_summary(client)
    summary = summary.drop(columns=[c for c in ("file",) if c in summary.columns])  # the 00 report names files
    quality_table = format_table(summary, lang=lang, currency=client.config.currency, labels="quality.columns",
                                 max_rows=None, show_pii=False)
    ledger = client.ledger.to_frame()
    words = {w: texts.t(f"report.index.{w}", lang) for w in WORDS}
    words["heading"] = texts.t("report.index.heading", lang, client=client.config.name)
    quality_text = texts.t("report.index.quality_text", lang,
                           set_aside=fmt.number(int((ledger["action"] == SET_ASIDE).sum()), lang),
                           cleared=fmt.number(int((ledger["action"] == CLEARED).sum()), lang))
    return render(INDEX_TEMPLATE, lang=lang, css=css(), client=client.config.name, period_label=fmt.month(period, lang),
                  generated_at=generated_at, t=words, quality_text=quality_text, quality_table=quality_table,
                  ledger_csv=ledger_csv, tiles=tiles)


def write_index(out_dir: str | Path, **kwargs: Any) -> Path:
    """Write ``<out_dir>/index.html`` (arguments of :func:`index_html`)."""
    path = Path(out_dir) / "index.html"
    path.write_text(index_html(**kwargs), encoding="utf-8")
    return path


__all__ = ["Tile", "css", "headline_items", "index_html", "write_index"]
