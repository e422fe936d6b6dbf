"""Which view draws which section of which result.

A views module registers one function per section::

    @section(SlaResult, "first_contact")
    def first_contact(res: SlaResult, ctx) -> list:   # Html, matplotlib Figures, …
        ...

and the notebook cell says ``ctx.show(res, "first_contact")``. ``ctx`` is the report context
(duck-typed: ``lang``, ``currency``, ``show_pii``, ``table``, ``text``, ``say``, ``note``,
``figure``…), so views import nothing from the report layer.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

_SECTIONS: dict[tuple[type, str], Callable[..., Any]] = {}
#: analysis module -> its views module (imported on first use)
VIEW_MODULES: dict[str, str] = {}


def section(result_type: type, name: str):
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        key = (result_type, name)
        if key in _SECTIONS and _SECTIONS[key] is not fn:
            raise ValueError(f"section {name!r} of {result_type.__name__} is registered twice")
        _SECTIONS[key] = fn
        return fn
    return register


def _load_views_for(result_type: type) -> None:
    module = result_type.__module__  # smk.analyses.sla[.x] -> smk.views.sla
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["smk", "analyses"]:
        target = VIEW_MODULES.get(module, f"smk.views.{parts[2]}")
        importlib.import_module(target)


def find(result_type: type, name: str) -> Callable[..., Any]:
    for klass in result_type.__mro__:
        if (klass, name) in _SECTIONS:
            return _SECTIONS[(klass, name)]
    _load_views_for(result_type)
    for klass in result_type.__mro__:
        if (klass, name) in _SECTIONS:
            return _SECTIONS[(klass, name)]
    known = sorted(n for (k, n) in _SECTIONS if issubclass(result_type, k))
    raise KeyError(f"no view for section {name!r} of {result_type.__name__}; known: {', '.join(known) or 'none'}")


def sections(result_type: type) -> list[str]:
    _load_views_for(result_type)
    return sorted(n for (k, n) in _SECTIONS if issubclass(result_type, k))


__all__ = ["find", "section", "sections"]
