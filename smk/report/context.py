"""The notebook context every notebook uses: ``ctx = smk.report.setup(...)`` loads the client,
applies the theme, resolves paths; then ``ctx.table``, ``ctx.needs``, ``ctx.save_headlines``.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import matplotlib.pyplot as plt
import pandas as pd

import smk
from smk import texts
from smk.analyses.base import Headline, Missing, Result, Unavailable
from smk.client.capabilities import capabilities as client_capabilities
from smk.client.loader import SNAPSHOT_ENV, load_snapshot
from smk.errors import NotEnoughData
from smk.views import fmt, registry, theme
from smk.views.html import (Html, capability_label, capability_names, format_table, format_value, headline,
                            mask_text, masked_word, needs_text, not_enough_data, note_html, parse_format, plain,
                            text_html)

#: The project root (notebooks run from any working directory; relative paths start here).
PROJECT_ROOT = Path(smk.__file__).resolve().parents[1]

#: Set by ``smk run`` / ``smk refresh`` / the nbval tests in the kernel's environment:
#: the notebook runs unattended (no widgets).
BATCH_ENV = "SMK_BATCH"


def read_headlines(output_dir: str | Path, notebook_id: str) -> dict | None:
    """The headlines a notebook saved (``<output_dir>/<id>.headlines.json``), or None."""
    path = Path(output_dir) / f"{notebook_id}.headlines.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _ipython():
    """The running IPython shell, or None (plain Python, tests). IPython is imported only when a
    notebook displays something: the commands never need it."""
    from IPython import get_ipython

    return get_ipython()


def display(obj: Any) -> None:
    """Show ``obj`` in the notebook (nothing outside IPython)."""
    if _ipython() is not None:
        from IPython.display import display as ipython_display

        ipython_display(obj)


def display_figure(fig: Any, lang: str) -> None:
    """Show a figure as a PNG whose alt text (and plain-text form) is its title in the report's
    language; axes a view left at matplotlib's defaults get the report's number and date formats."""
    if _ipython() is None:
        return
    import base64
    import io

    from IPython.display import display as ipython_display

    theme.localize(fig, lang)
    alt = theme.figure_title(fig) or ""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    ipython_display({"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": alt or "<Figure>"},
                    raw=True, metadata={"image/png": {"alt": alt}})


def is_batch() -> bool:
    """True when running unattended (smk run / refresh / nbval set ``SMK_BATCH``) or outside a kernel."""
    if os.environ.get(BATCH_ENV, "") not in ("", "0"):
        return True
    ip = _ipython()
    return ip is None or not hasattr(ip, "kernel")


def resolve(path: str | Path, root: Path = PROJECT_ROOT) -> Path:
    """An absolute path; relative ones are taken from the project root (never the cwd)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (root / p)


# --- the notebook context --------------------------------------------------------------------

@dataclass
class Context:
    """What a notebook works with. Built by :func:`setup`."""

    client: Any
    period: pd.Period
    lang: str
    output_dir: Path
    client_dir: Path
    interactive: bool = False
    shown: list = field(default_factory=list)  # everything displayed through the context (tests read it)
    _told: set = field(default_factory=set, repr=False)

    # -- basics
    @property
    def currency(self) -> str:
        return self.client.config.currency

    @property
    def show_pii(self) -> bool:
        return bool(self.client.config.report.show_pii)

    @property
    def capabilities(self) -> dict[str, bool]:
        return capabilities(self.client)

    # -- formatting shortcuts (smk.views.fmt with this report's language and currency)
    def pct(self, x, decimals: int = 1) -> str:
        return fmt.pct(x, self.lang, decimals)

    def money(self, x, decimals: int = 0) -> str:
        return fmt.money(x, self.currency, self.lang, decimals)

    def number(self, x, decimals: int = 0) -> str:
        return fmt.number(x, self.lang, decimals)

    def date(self, d) -> str:
        return fmt.date(d, self.lang)

    def month(self, p=None) -> str:
        return fmt.month(self.period if p is None else p, self.lang)

    def format_axis(self, ax, axis: str = "y", kind: str = "number", decimals: int = 0):
        """Tick labels through smk.views.fmt (``kind``: pct, money, number, int)."""
        return theme.format_axis(ax, axis, kind, self.lang, self.currency, decimals)  # type: ignore[arg-type]

    # -- displays
    def _show(self, obj: Html) -> Html:
        self.shown.append(obj)
        display(obj)
        return obj

    def _display_all(self, items) -> None:
        """Display what a view returned, in order: Html, matplotlib Figures (closed once shown, so
        the inline backend does not show them again), Axes (their figure), lists of these."""
        if items is None:
            return
        if isinstance(items, (list, tuple)):
            for item in items:
                self._display_all(item)
            return
        fig = getattr(items, "figure", None) if hasattr(items, "get_figure") and not hasattr(items, "savefig") else None
        if fig is None and hasattr(items, "savefig"):
            fig = items
        if fig is not None:
            self.shown.append(fig)
            display_figure(fig, self.lang)
            plt.close(fig)
            return
        self._show(items)

    # -- texts from the catalogue (smk.texts), in the report language
    def text(self, key: str, /, **values: Any) -> str:
        """Plain text of catalogue ``key`` in the report language. Text values that hold an e-mail
        address or a phone number are masked unless client.yml ``report.show_pii``."""
        if not self.show_pii:
            hidden = masked_word(self.lang)
            values = {k: mask_text(v, hidden) if isinstance(v, str) else v for k, v in values.items()}
        return texts.t(key, self.lang, **values)

    def para(self, key: str, /, **values: Any) -> Html:
        """Catalogue ``key`` as escaped HTML paragraphs (not displayed: for views)."""
        return text_html(self.text(key, **values))

    def say(self, key: str, /, **values: Any) -> None:
        """Display the narrative of catalogue ``key`` (a notebook's text cells)."""
        self._show(self.para(key, **values))

    def heading(self, key: str, /, level: int = 2, **values: Any) -> None:
        """Display catalogue ``key`` as a heading (``level`` 1–4)."""
        if level not in (1, 2, 3, 4):
            raise ValueError("heading level must be 1-4")
        self._show(text_html(self.text(key, **values), tag=f"h{level}"))

    def note_text(self, key: str, /, **values: Any) -> Html:
        """A caution box with catalogue ``key`` (not displayed: for views)."""
        return note_html(self.text(key, **values), "note", self.text("common.caution"))

    def missing_note(self, why: Missing) -> Html:
        """The "not enough data" box for a part of a result that could not be computed."""
        if why.reason and why.needs:
            needs = self.text("common.list_sep").join(capability_label(m, self.lang) for m in why.needs)
            body = " ".join([self.text(why.reason, **dict(why.params)), self.text("common.needs_sentence", needs=needs),
                             self.text("common.add_export")])
        elif why.reason:
            body = self.text(why.reason, **dict(why.params))
        else:
            body = needs_text(why.needs, self.lang)
        return note_html(body, "missing", self.text("common.not_enough"))

    # -- analyses and their views
    def analyse(self, fn, /, *args: Any, **params: Any):
        """``fn(client, period, *args, **params)``; when the data cannot support it, an
        :class:`~smk.analyses.base.Unavailable` result whose every section shows why."""
        try:
            return fn(self.client, self.period, *args, **params)
        except NotEnoughData as exc:
            return Unavailable(why=Missing(needs=tuple(n for n in exc.needs if n in capability_names()),
                                           reason=exc.reason, params=exc.params))

    def show(self, result: Any, section: str, /, **options: Any) -> None:
        """Display section ``section`` of an analysis result through its view (smk.views.<analysis>),
        or the "not enough data" box when that part could not be computed. An unavailable analysis
        shows its box once, at its first section."""
        why = result.is_missing(section) if hasattr(result, "is_missing") else None
        if why is not None:
            if isinstance(result, Unavailable):
                if id(result) in self._told:
                    return
                self._told.add(id(result))
            self._show(self.missing_note(why))
            return
        self._display_all(registry.find(type(result), section)(result, self, **options))

    def needs(self, *caps: str) -> bool:
        """True when the client has every capability; otherwise displays the bilingual
        "not enough data: this needs …" note (in the report language) and returns False."""
        have = self.capabilities
        missing = [c for c in caps if not have.get(c, False)]
        if missing:
            self._show(not_enough_data(missing, self.lang))
            return False
        return True

    def table(self, df: pd.DataFrame, formats: Mapping[str, str] | None = None,
              labels: Mapping | None = None, *, max_rows: int | None = 50, index: bool = False,
              caption: str | None = None) -> Html:
        """Deterministic HTML table through smk.views.fmt (see :func:`format_table`); PII removed unless
        client.yml ``report.show_pii``. Returned, so the cell displays it."""
        return format_table(df, lang=self.lang, currency=self.currency, formats=formats, labels=labels,
                            max_rows=max_rows, index=index, caption=caption, show_pii=self.show_pii)

    def headline(self, label: str, value: Any, kind: str = "number", display: str | None = None,
                 **label_values: Any) -> dict:
        """One headline item: ``label`` is a catalogue key (filled with ``label_values``), ``value``
        formatted as ``kind`` in this report's language and currency unless ``display`` (the
        formatted text) is given."""
        return headline(self.text(label, **label_values), value, kind, lang=self.lang, currency=self.currency,
                        display=display, key=label)

    def _headline_values(self, values: Mapping[str, Any], formats: Mapping[str, str]) -> dict:
        out = {}
        for name, value in values.items():
            spec = formats.get(name)
            if spec == "text" and isinstance(value, str) and texts.has(value, self.lang):
                out[name] = self.text(value)
            elif spec and spec != "text":
                kind, dec = parse_format(spec)
                out[name] = format_value(plain(value), kind, dec, self.lang, self.currency)
            else:
                out[name] = value
        return out

    def headline_item(self, h: Headline) -> dict:
        """A result's :class:`~smk.analyses.base.Headline` as an index item: label and display
        filled with their values, formatted in the report's language (``Headline.formats``)."""
        formats = dict(h.formats)
        display = self.text(h.display, **self._headline_values(h.params, formats)) if h.display else None
        return self.headline(h.label, h.value, h.kind, display=display,
                             **self._headline_values(h.label_params, formats))

    def save_headlines(self, notebook_id: str, items: Result | Iterable[Mapping]) -> None:
        """Write ``<output_dir>/<notebook_id>.headlines.json`` for the index tile.

        ``items`` is an analysis result (its ``headlines()``) or items made by :meth:`headline`
        (``key``, ``label``, ``value``, ``display``). No wall clock goes in (nbval, diffs).
        """
        if not re.fullmatch(r"\d\d", str(notebook_id)):
            raise ValueError(f"notebook_id must be the two-digit prefix of the notebook, got {notebook_id!r}")
        if isinstance(items, Result):
            items = [self.headline_item(h) for h in items.headlines()]
        clean = []
        for i, item in enumerate(items):
            missing = {"label", "value"} - set(item)
            if missing:
                raise ValueError(f"headline {i}: missing {', '.join(sorted(missing))}")
            if "display" in item:
                row = {"key": item.get("key"), "label": str(item["label"]), "value": plain(item["value"]),
                       "display": str(item["display"])}
            else:
                row = headline(str(item["label"]), item["value"], item.get("kind", "number"), lang=self.lang,
                               currency=self.currency, key=item.get("key"))
            clean.append(row)
        payload = {"notebook": str(notebook_id), "period": str(self.period), "lang": self.lang, "items": clean}
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{notebook_id}.headlines.json"
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def capabilities(client: Any) -> dict[str, bool]:
    """What the client's data supports (``smk.client.capabilities.capabilities``)."""
    return dict(client_capabilities(client))


def client_slug(client_dir: str | Path) -> str:
    """The client's folder name, used in ``reports/<client>/<period>/``."""
    return resolve(client_dir).resolve().name


def default_output_dir(client_dir: str | Path, period: str) -> Path:
    return PROJECT_ROOT / "reports" / client_slug(client_dir) / str(period)


def setup(client_dir: str | Path = "data/demo", period: str = "", lang: str = "", output_dir: str | Path = "",
          *, client: Any = None, apply_theme: bool = True) -> Context:
    """Load the client, apply the theme, resolve paths and create the output folder.

    ``period`` empty → client.yml ``period`` or the last complete month of the data;
    ``lang`` empty → client.yml ``lang``; ``output_dir`` empty → ``reports/<client>/<period>/``.
    Relative paths are taken from the project root. ``client`` skips loading (tests).
    """
    cdir = resolve(client_dir)
    if client is None:
        snap = os.environ.get(SNAPSHOT_ENV)  # set by `smk run`: the client it already loaded
        client = load_snapshot(snap, cdir) if snap else None
        if client is None:
            client = smk.load_client(cdir)
    lang = lang or client.config.lang
    fmt.check_lang(lang)
    period_str = str(period) if period else client.default_period()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period_str):
        raise smk.ConfigError(f"period must be YYYY-MM, got {period_str!r}")
    out = resolve(output_dir) if str(output_dir) else default_output_dir(cdir, period_str)
    out.mkdir(parents=True, exist_ok=True)
    if apply_theme:
        theme.apply()
    return Context(client=client, period=pd.Period(period_str, freq="M"), lang=lang, output_dir=out,
                   client_dir=cdir, interactive=not is_batch())




