"""Texts for people: one catalogue per language (``en.yml``, ``es.yml`` beside this file), read
through :func:`t`.

Keys are dotted paths (``sla.goal.summary``); values are ``str.format`` templates with named
placeholders (``"{mqls} MQLs needed"``). A value may be a mapping of plural forms
``{one: …, other: …}`` (and optionally ``zero``), chosen by the ``count`` placeholder. Adding a
language is adding a file; ``tests/test_texts.py`` checks that every catalogue has the same keys
and, per key, the same placeholders.

Values passed in are inserted as they are: :func:`t` returns plain text. Whoever puts it into HTML
escapes it (smk.views.html does).
"""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

HERE = Path(__file__).resolve().parent
#: Languages with a catalogue, the default first.
LANGS: tuple[str, ...] = ("en", "es")
PLURAL_FORMS = ("zero", "one", "other")


class MissingText(KeyError):
    """A key the catalogue of a language does not have (a programming error, not a user error)."""

    def __str__(self) -> str:  # KeyError quotes its message; this reads better in tracebacks
        return str(self.args[0])


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _flatten(tree: Mapping, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not (set(value) <= set(PLURAL_FORMS) and "other" in value):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = dict(value) if isinstance(value, Mapping) else value
    return out


def _read(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a catalogue is a mapping of keys to texts")
    return dict(data)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, Any]:
    """Every key of ``lang``'s catalogue, flattened (``{"sla.goal.summary": "…"}``)."""
    check_lang(lang)
    flat = _flatten(_read(HERE / f"{lang}.yml"))
    for key, value in flat.items():
        if not isinstance(value, (str, dict)):
            raise ValueError(f"{lang} catalogue: {key} must be text (got {type(value).__name__})")
    return flat


def placeholders(template: str | Mapping) -> set[str]:
    """Named placeholders of a template (or of all its plural forms)."""
    if isinstance(template, Mapping):
        return set().union(*(placeholders(v) for v in template.values()))
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            if field == "" or field.isdigit():
                raise ValueError(f"positional placeholder in {template!r}: use names")
            names.add(field.split(".")[0].split("[")[0])
    return names


def has(key: str, lang: str = "en") -> bool:
    return key in catalogue(lang)


def raw(key: str, lang: str) -> Any:
    """The catalogue entry itself (a template or plural mapping)."""
    try:
        return catalogue(lang)[key]
    except KeyError:
        raise MissingText(f"text {key!r} is not in the {lang} catalogue (smk/texts/{lang}.yml)") from None


def t(key: str, lang: str, /, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in.

    A plural entry picks ``zero`` (when present and count == 0), ``one`` (count == 1) or ``other``
    by the ``count`` value.
    """
    entry = raw(key, check_lang(lang))
    if isinstance(entry, Mapping):
        if "count" not in values:
            raise TypeError(f"text {key!r} has plural forms: pass count=")
        n = values["count"]
        form = "zero" if n == 0 and "zero" in entry else ("one" if n == 1 else "other")
        entry = entry[form]
    try:
        return entry.format(**values)
    except KeyError as exc:
        raise TypeError(f"text {key!r} needs the value {exc.args[0]!r}") from None


def keys(prefix: str, lang: str = "en") -> list[str]:
    """Keys under ``prefix.`` (sorted), e.g. every column label of a table."""
    p = prefix.rstrip(".") + "."
    return sorted(k for k in catalogue(lang) if k.startswith(p))


def labels(prefix: str, lang: str) -> dict[str, str]:
    """``{last part of key: text}`` for every key under ``prefix`` (column labels, value labels)."""
    p = prefix.rstrip(".") + "."
    return {k[len(p):]: t(k, lang) for k in keys(prefix, lang) if "." not in k[len(p):]
            and not isinstance(raw(k, lang), Mapping)}


__all__ = ["LANGS", "MissingText", "catalogue", "check_lang", "has", "keys", "labels", "placeholders", "raw", "t"]
