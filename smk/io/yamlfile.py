"""Reading a YAML file someone else wrote (client.yml) without trusting it, and writing YAML scalars.

- only a regular file, and at most :data:`MAX_BYTES` of it (``/dev/zero`` or a 2 GB file is refused
  before it is read);
- UTF-8 text (with or without a BOM), else an error naming the line of the first byte that is not;
- YAML's safe subset (no Python tags), every key at most once per mapping (PyYAML silently keeps the
  last), and aliases (``*name``) that expand to at most :data:`MAX_NODES` values and never into
  themselves (a 684-byte "billion laughs" file would otherwise grow past 2 GB when read);
- errors name the file, line and column and say what to do; they never quote the file's content.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from smk.errors import ConfigError

#: client.yml is a few KB; anything over this is not a settings file
MAX_BYTES = 1 << 20
#: values (scalars, lists, mappings) the document may hold once its aliases are expanded
MAX_NODES = 100_000


def regular_file_size(path: Path, what: str) -> int:
    """The size of ``path``, which must be an existing regular file (not a folder, device or pipe)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, pipe or socket)"
        raise ConfigError(f"{path}: is {kind}; {what} must be a file.")
    return st.st_size


def read_text(path: Path, *, what: str = "client.yml", max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a small regular file (a BOM is dropped)."""
    size = regular_file_size(path, what)
    if size > max_bytes:
        raise ConfigError(f"{path}: {size:,} bytes; {what} is a small settings file (at most {max_bytes:,} bytes). "
                          "Check that this is the right file.")
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while we looked
        raise ConfigError(f"{path}: more than {max_bytes:,} bytes; {what} is a small settings file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}: line {line}, column {col}: byte 0x{data[exc.start]:02X} is not UTF-8 text. Save {what} as "
            "UTF-8 (in most editors: Save as… → Encoding: UTF-8).") from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that records every repeated key instead of keeping the last silently."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicates.append(f"line {line}: key {key_node.value!r} appears twice in the same mapping "
                                           f"(first at line {seen[key]}); keep one.")
                else:
                    seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _check_aliases(root, where: str, max_nodes: int) -> None:
    """Refuse a document whose aliases expand to more than ``max_nodes`` values, or into themselves."""
    size: dict[int, int] = {}
    active: set[int] = set()

    def count(node) -> int:
        key = id(node)
        if key in size:
            return size[key]
        if key in active:
            raise ConfigError(f"{where}: line {node.start_mark.line + 1}: an alias (*name) refers to the list or "
                              "mapping that contains it. Write the values out.")
        active.add(key)
        if isinstance(node, yaml.ScalarNode):
            n = 1
        elif isinstance(node, yaml.SequenceNode):
            n = 1 + sum(count(v) for v in node.value)
        else:
            n = 1 + sum(count(k) + count(v) for k, v in node.value)
        active.discard(key)
        size[key] = n
        if n > max_nodes:
            raise ConfigError(f"{where}: aliases (*name) expand this file to more than {max_nodes:,} values; "
                              "a client.yml needs far fewer. Write the values out instead of repeating aliases.")
        return n

    count(root)


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def load_yaml(path: Path, *, what: str = "client.yml", max_bytes: int = MAX_BYTES,
              max_nodes: int = MAX_NODES) -> tuple[Any, list[str]]:
    """The document in ``path`` and the problems found while reading it that do not stop reading
    (repeated keys), for the caller to report together with its own."""
    text = read_text(path, what=what, max_bytes=max_bytes)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        _check_aliases(node, str(path), max_nodes)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        if problem.startswith("could not determine a constructor"):  # !!python/... and other tags
            problem = "a YAML tag (!!name) that client.yml does not allow; write plain values"
        raise ConfigError(f"{path}: {_mark(exc)}{problem}. Fix the YAML syntax ({what} must be valid YAML; "
                          "put text with ':', '#' or quotes inside quotes).") from None
    except RecursionError:
        raise ConfigError(f"{path}: lists or mappings nested too deeply to be a {what}.") from None
    finally:
        loader.dispose()
    return data, loader.duplicates


def yaml_scalar(value: Any) -> str:
    """``value`` as one YAML scalar that reads back as the same text: bare when it is a plain word,
    else double-quoted with every character YAML could take for a line break or control (U+0085,
    U+2028, tabs…) escaped."""
    text = str(value)
    plain = text and text.replace("_", "a").isalnum() and text.isascii() and not text[0].isdigit()
    if plain and text.lower() not in ("yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"):
        return text
    out = json.dumps(text, ensure_ascii=False)
    # JSON leaves these as they are; YAML reads them as line breaks or refuses them (C0/C1 controls)
    return "".join(ch if not (0x7F <= ord(ch) <= 0x9F or ord(ch) in (0x2028, 0x2029, 0xFEFF))
                   else f"\\u{ord(ch):04x}" for ch in out)
