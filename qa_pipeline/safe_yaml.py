"""YAML from people: safe tags only, and bounded before anything is built from it.

A few lines of YAML can expand to gigabytes through aliases (``a: &a [x, x]``,
``b: &b [*a, *a]``, nine levels → billions of items) or recurse forever; PyYAML's safe
loader builds them anyway. :func:`load_yaml` composes the node graph first (aliases stay
shared, so this is cheap), measures what it would expand to, and refuses documents that
are too big, too deep or recursive before constructing any Python object.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .files import Unreadable, read_text

MAX_BYTES = 2 << 20           # a rules or users file is a few kB
MAX_NODES = 200_000           # scalars, lists and mappings after expanding every alias
MAX_DEPTH = 64                # nesting of lists and mappings


class YamlLimitError(ValueError):
    """A YAML document is unreadable, malformed, too big, too deep or recursive; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class YamlDoc:
    text: str
    data: Any
    node: yaml.Node | None


def _measure(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise YamlLimitError(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
        if key in visiting:
            raise YamlLimitError("an alias refers to itself (a recursive structure)", node.start_mark.line + 1)
        visiting.add(key)
        if isinstance(node, yaml.MappingNode):
            n = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n = 1 + sum(size(v, depth + 1) for v in node.value)
        else:
            n = 1
        visiting.discard(key)
        if n > MAX_NODES:
            raise YamlLimitError(f"expands to more than {MAX_NODES:,} values (aliases repeating aliases?); "
                                 "write the lists out or split the file", node.start_mark.line + 1)
        sizes[key] = n
        return n

    size(root, 0)


def load_yaml(path: str | Path) -> YamlDoc:
    """Read one YAML document from a file with safe tags, bounded size, depth and alias expansion.

    Returns
    -------
    YamlDoc
        The text, the Python data (``None`` for an empty file) and the composed node (for line numbers).

    Raises
    ------
    YamlLimitError
        The file cannot be read, is not UTF-8, is not valid YAML, or is too big, too deep or recursive.
    """
    try:
        text = read_text(path, max_bytes=MAX_BYTES)
    except Unreadable as exc:
        raise YamlLimitError(str(exc)) from None
    return parse_yaml(text)


def parse_yaml(text: str) -> YamlDoc:
    """:func:`load_yaml` for text already read."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(text, None, None)
        _measure(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlLimitError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                             mark.line + 1 if mark else None) from None
    except RecursionError:
        raise YamlLimitError(f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    return YamlDoc(text, data, node)
