"""The words a reader sees for the data model's canonical values, and the two small boxes that keep
method and configuration out of the client's text.

Analyses return canonical codes (``organic_search``, ``demo_request``, ``no_answer``); a report never
shows one. :func:`value_label` gives the label in the report's language from the catalogue
(``values.<column>.<code>``, smk/texts/<lang>/values.yml); a code the catalogue does not know is
shown as the client wrote it in its export (the client.yml ``values`` mapping read backwards), and
a code nobody wrote (``free_trial`` straight from a default) is written as words (``Free trial``).
Values that are not codes (team names, a rep's name, an industry) come back unchanged.

``value_label("channel", "organic_search", "es") == "Búsqueda orgánica"``;
``relabel(df, "channel", "en")`` gives a copy of ``df`` with its ``channel`` column as labels.

:func:`method_note` is the small "Method" box of a section (statistical names, formulas: what a
reviewer checks, not what the sentence says); :func:`analyst_note` is shown only in JupyterLab
(client.yml keys, file names: what the consultant needs, never the client).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from smk import texts
from smk.views.html import Html, render_string

#: Columns whose codes share another column's labels (``lead_type`` is the offer by default).
ALIASES: dict[str, str] = {"lead_type": "offer", "first_conversion": "offer", "source": "channel",
                           "deal_stage": "stage", "activity": "activity_type"}

#: The playbook's own group codes (smk.analyses: no value, every lead, the current mix of lead types).
GROUP_CODES: dict[str, str] = {"(missing)": "values.group.missing", "(all)": "values.group.all",
                               "(mix)": "values.group.mix"}

_CODE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def humanize(code: str) -> str:
    """A snake_case code as words: ``'free_trial'`` → ``'Free trial'``; anything else unchanged."""
    if not _CODE.match(code):
        return code
    words = code.replace("_", " ")
    return words[:1].upper() + words[1:]


def client_values(client: Any) -> dict[str, dict[str, str]]:
    """``{column: {code: what the client's export wrote}}`` from client.yml's ``values`` mappings
    (``tables.<table>.values.<column>: {source value: code}``), first source value per code.
    ``client`` is a loaded client or its config; None gives ``{}``."""
    config = getattr(client, "config", client)
    tables = getattr(config, "tables", None) or {}
    out: dict[str, dict[str, str]] = {}
    for table in tables.values():
        for column, mapping in (getattr(table, "values", None) or {}).items():
            seen = out.setdefault(column, {})
            for source, code in (mapping or {}).items():
                if isinstance(code, str) and code not in seen:
                    seen[code] = str(source)
    return out


def value_label(column: str, code: Any, lang: str, client: Any = None) -> Any:
    """The label of ``code`` (a canonical value of ``column``) in ``lang``: the catalogue's
    (``values.<column>.<code>``), else the client's own spelling (``client``: a loaded client, its
    config or the :func:`client_values` mapping), else the code written as words. Missing values and
    non-text values come back unchanged."""
    texts.check_lang(lang)
    if not isinstance(code, str) or not code:
        return code
    if code in GROUP_CODES:
        return texts.t(GROUP_CODES[code], lang)
    col = ALIASES.get(column, column)
    for c in dict.fromkeys((column, col)):
        key = f"values.{c}.{code}"
        if texts.has(key, lang):
            return texts.t(key, lang)
    own = client if isinstance(client, Mapping) else client_values(client)
    for c in dict.fromkeys((column, col)):
        if code in own.get(c, {}):
            return own[c][code]
    return humanize(code)


def value_labels(column: str, lang: str) -> dict[str, str]:
    """``{code: label}`` of every code the catalogue knows for ``column``."""
    return texts.labels(f"values.{ALIASES.get(column, column)}", lang)


def relabel(df: pd.DataFrame, column: str, lang: str, *, values: str | None = None, client: Any = None) -> pd.DataFrame:
    """A copy of ``df`` with the codes of ``column`` written as labels (:func:`value_label`; ``values``:
    the column whose labels to use when it is not ``column`` itself, e.g. ``relabel(t, "lead_type",
    lang, values="offer")``). A frame without that column comes back as a copy."""
    out = df.copy()
    if column in out.columns:
        own = client if isinstance(client, Mapping) else client_values(client)
        out[column] = out[column].map(lambda v: value_label(values or column, v, lang, own))
    return out


def method_note(ctx, key: str, /, **values: Any) -> Html:
    """A section's method (catalogue ``key``, usually ``<ns>.<section>.method``) in a small box titled
    "Method" / "Método": statistical names and formulas stay out of the sentences."""
    title, body = ctx.text("common.method"), ctx.text(key, **values)
    html = render_string('<div class="smk-note smk-method" style="font-size:0.85em">'
                         '<p><strong>{{ title }}:</strong> {{ body }}</p></div>', title=title, body=body)
    return Html(html, f"{title}: {body}")


def analyst_note(ctx, key: str, /, **values: Any) -> list:
    """Notes for the consultant (client.yml keys, file names): ``[box]`` in JupyterLab, ``[]`` in a
    report, so the client never reads them."""
    if not getattr(ctx, "interactive", False):
        return []
    title, body = ctx.text("common.analyst"), ctx.text(key, **values)
    html = render_string('<div class="smk-note smk-analyst" style="font-size:0.85em">'
                         '<p><strong>{{ title }}:</strong> {{ body }}</p></div>', title=title, body=body)
    return [Html(html, f"{title}: {body}")]


__all__ = ["ALIASES", "GROUP_CODES", "analyst_note", "client_values", "humanize", "method_note", "relabel", "value_label",
           "value_labels"]
