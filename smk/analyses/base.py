"""What every analysis returns: a frozen result of tidy frames, with the headline figures the
index shows and the parts that could not be computed.

An analysis module offers ``analyse(client, period, **params) -> <Name>Result``; the result is a
frozen dataclass deriving from :class:`Result`. No language, HTML or matplotlib here: texts are
catalogue keys (smk.texts) that the views fill in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Headline:
    """One figure of the index tile: ``label`` is a catalogue key (``sla.headline.goal``), ``value``
    a JSON-safe scalar, ``kind`` the format (``int``, ``pct:1``, ``money``…, as smk.views.html),
    ``display`` an optional catalogue key whose text replaces the formatted value, filled with
    ``params`` (for a status word or "3 / 7"); ``label_params`` fill the label's placeholders;
    ``formats`` says how the report formats a placeholder value (``"pct:1"``, ``"int"``, ``"money"``,
    ``"text"`` for a catalogue key), so numbers read the way the report's language writes them."""

    label: str
    value: Any
    kind: str = "number"
    display: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    #: values for placeholders of the label's text ("First contact within {hours} h")
    label_params: Mapping[str, Any] = field(default_factory=dict)
    #: how to format a placeholder's value in the report's language: {"rate": "pct:1", "mqls": "int"};
    #: a value named here that is a catalogue key is looked up instead
    formats: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """Why a part of a result is not there: capabilities the data lacks (``needs``, names of
    smk.client.capabilities.CAPABILITIES) and/or a catalogue key saying why (``reason``) with its
    values."""

    needs: tuple[str, ...] = ()
    reason: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """Base of analysis results. ``missing`` maps a section name to why it cannot be shown."""

    missing: Mapping[str, Missing] = field(default_factory=dict, kw_only=True)

    def headlines(self) -> list[Headline]:
        return []

    def is_missing(self, section: str) -> Missing | None:
        return self.missing.get(section)


@dataclass(frozen=True)
class Unavailable(Result):
    """The whole analysis could not run (raised NotEnoughData): every section shows why."""

    why: Missing = field(default_factory=Missing)

    def is_missing(self, section: str) -> Missing | None:
        return self.why


__all__ = ["Headline", "Missing", "Result", "Unavailable"]
