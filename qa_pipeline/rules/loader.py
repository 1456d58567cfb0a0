"""Load rule folders: bounded safe YAML, schema validation with file:line errors, layering.

The defaults (the package's ``rules/``) load first, then each ``--rules DIR``: a rule
with an id already loaded replaces it, ``disable:`` switches rules off, and the
``privacy``, ``entities`` and ``checklist`` blocks replace earlier ones.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import RuleError
from ..safe_yaml import YamlLimitError, load_yaml
from ..vocabulary import default_rules_dir
from .context import Cond
from .operators import OPERATORS
from .schema import Checklist, EntityFormats, Privacy, Rule, RuleFile

__all__ = ["Cond", "LoadedRule", "RuleSet", "load_rules"]


@dataclass(frozen=True)
class LoadedRule:
    id: str
    title: str
    description: str
    severity: str
    when: Cond | None
    test: Cond
    mode: str  # "require" | "forbid"
    file: str
    line: int | None


@dataclass
class RuleSet:
    """Everything the rules engine and the scorer need, merged from all folders."""

    rules: dict[str, LoadedRule] = field(default_factory=dict)
    tolerance: float = 0.2
    privacy: Privacy | None = None
    entities: EntityFormats | None = None
    checklist: Checklist | None = None
    checklist_file: str | None = None
    knowledge: Any = None  # sheet_ops.Knowledge (rules/knowledge.yaml): topics an answer is judged against
    vocabulary: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()  # extra terms for the transcript correction pass (list 'corrections')
    disabled: set[str] = field(default_factory=set)
    files: tuple[str, ...] = ()
    version: str = ""
    role_cues: tuple = ()  # schema.RoleCue with "@list" phrases expanded; a later file's cues replace earlier ones

    def entity_options(self):
        from ..entities import EntityOptions

        if self.entities is None:
            return EntityOptions()
        given = {k: (tuple(v) if isinstance(v, list) else v)
                 for k, v in self.entities.model_dump().items() if v is not None}
        return EntityOptions(**given)


def _lines(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map every key path in a composed YAML document to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = path + (k.value,)
            out[key] = k.start_mark.line + 1
            _lines(v, key, out)
            out[key] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _lines(v, path + (i,), out)
    return out


def _line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def _read(path: Path) -> tuple[str, dict, dict[tuple, int]]:
    try:
        doc = load_yaml(path)
    except YamlLimitError as exc:
        raise RuleError(path, str(exc), line=exc.line) from None
    if not isinstance(doc.data, dict):
        raise RuleError(path, "a rule file must be a mapping with 'version: 1' at the top")
    return doc.text, doc.data, (_lines(doc.node) if doc.node is not None else {})


def _fix(exc: ValidationError, file: Path, lines: dict, base: tuple, rule: str | None, model: type[BaseModel]):
    e = exc.errors()[0]
    loc = base + tuple(e["loc"])
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        key = str(e["loc"][-1])
        owner = model
        for part in e["loc"][:-1]:
            ann = getattr(owner, "model_fields", {}).get(part)
            sub = getattr(ann, "annotation", None) if ann else None
            owner = next((t for t in getattr(sub, "__args__", (sub,)) if isinstance(t, type)
                          and issubclass(t, BaseModel)), owner)
        known = list(getattr(owner, "model_fields", {}))
        near = difflib.get_close_matches(key, known, n=1)
        msg = f"unknown key '{key}'" + (f"; did you mean '{near[0]}'?" if near else "") + \
              f" expected one of: {', '.join(known)}"
    elif e["type"] == "missing":
        msg = f"missing required key '{e['loc'][-1]}'"
    elif e["type"] == "literal_error":
        msg = f"'{'.'.join(map(str, e['loc']))}' {msg}"
    else:
        where = ".".join(str(p) for p in e["loc"] if not isinstance(p, int))
        msg = f"{where}: {msg}" if where else msg
    raise RuleError(file, msg, line=_line_of(lines, loc), rule=rule) from None


def _parse(data: Any, file: Path, lines: dict, path: tuple, rule: str, lists: dict[str, list[str]]) -> Cond:
    if not isinstance(data, dict) or len(data) != 1:
        raise RuleError(file, f"a condition is a mapping with exactly one operator ({', '.join(OPERATORS)})",
                        line=_line_of(lines, path), rule=rule)
    (op, value), = data.items()
    if op not in OPERATORS:
        near = difflib.get_close_matches(str(op), OPERATORS, n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        raise RuleError(file, f"unknown operator '{op}'; {hint}expected one of: {', '.join(OPERATORS)}",
                        line=_line_of(lines, path + (op,)), rule=rule)
    here = path + (op,)
    operator = OPERATORS[op]
    if operator.combinator == "list":
        if not isinstance(value, list) or not value:
            raise RuleError(file, f"'{op}' takes a list of conditions", line=_line_of(lines, here), rule=rule)
        return Cond(op, children=tuple(_parse(v, file, lines, here + (i,), rule, lists) for i, v in enumerate(value)),
                    operator=operator)
    if operator.combinator == "one":
        return Cond(op, children=(_parse(value, file, lines, here, rule, lists),), operator=operator)
    model = operator.model
    try:
        spec = model.model_validate(value if value is not None else {})
    except ValidationError as exc:
        _fix(exc, file, lines, here, rule, model)
    return Cond(op, spec=_expand(spec, lists, file, _line_of(lines, here), rule), operator=operator)


def _expand(spec: BaseModel, lists: dict[str, list[str]], file: Path, line: int | None, rule: str) -> BaseModel:
    """Replace ``@name`` entries of phrase lists with the named list."""
    def words(items: list[str] | None) -> list[str] | None:
        if items is None:
            return None
        out: list[str] = []
        for w in items:
            if isinstance(w, str) and w.startswith("@"):
                if w[1:] not in lists:
                    raise RuleError(file, f"unknown list '{w}'; define it under 'lists:' (known: "
                                          f"{', '.join(sorted(lists)) or 'none'})", line=line, rule=rule)
                out += lists[w[1:]]
            else:
                out.append(w)
        return out

    updates = {}
    for name, value in spec:
        if isinstance(value, BaseModel):
            updates[name] = _expand(value, lists, file, line, rule)
        elif name in ("any", "all", "none", "unless", "before", "after", "wait") and isinstance(value, list):
            updates[name] = words(value)
    return spec.model_copy(update=updates) if updates else spec


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise RuleError(folder, "rules folder not found; give an existing folder with --rules")
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def load_rules(*folders: str | Path | None, defaults: bool = True) -> RuleSet:
    """Load and merge rule folders (defaults first unless ``defaults=False``).

    Raises
    ------
    RuleError
        A file is not valid YAML or breaks the schema; the message names the file,
        the line, the rule id and the fix.
    """
    order = ([default_rules_dir()] if defaults else []) + [Path(f) for f in folders if f]
    rs = RuleSet()
    digest = hashlib.sha256()
    docs = []
    for folder in order:
        for file in _files(Path(folder)):
            text, data, lines = _read(file)
            digest.update(file.name.encode() + b"\0" + text.encode("utf-8"))
            try:
                docs.append((file, lines, RuleFile.model_validate(data)))
            except ValidationError as exc:
                _fix(exc, file, lines, (), None, RuleFile)
    lists: dict[str, list[str]] = {}
    for _, _, doc in docs:  # lists first, so any file may use any list
        lists.update(doc.lists)
    for file, lines, doc in docs:
        _unique_ids(doc.rules, file, lines)
        if "tolerance" in doc.defaults:
            rs.tolerance = doc.defaults["tolerance"]
        for rid in doc.disable:
            rs.rules.pop(rid, None)
            rs.disabled.add(rid)
        for i, raw in enumerate(doc.rules):
            rule = _rule(raw, file, lines, ("rules", i), lists)
            rs.rules[rule.id] = rule
            rs.disabled.discard(rule.id)
        rs.privacy = doc.privacy or rs.privacy
        rs.knowledge = doc.knowledge or rs.knowledge
        rs.entities = doc.entities or rs.entities
        if doc.checklist:
            rs.checklist, rs.checklist_file = doc.checklist, str(file)
        if doc.role_cues:
            rs.role_cues = tuple(_role_cue(c, lists, file, lines, i) for i, c in enumerate(doc.role_cues))
        rs.vocabulary = tuple(dict.fromkeys(rs.vocabulary + tuple(w.strip() for w in doc.vocabulary if w.strip())))
    rs.corrections = tuple(dict.fromkeys(w.strip() for w in lists.get("corrections", []) if w.strip()))
    files = [str(f) for f, _, _ in docs]
    rs.files, rs.version = tuple(files), digest.hexdigest()[:16]
    _cross_check(rs)
    return rs


def _role_cue(cue, lists: dict[str, list[str]], file: Path, lines: dict, i: int):
    """A role cue with its ``@list`` phrases expanded."""
    phrases = []
    for p in cue.any:
        if p.startswith("@") and p[1:] not in lists:
            raise RuleError(file, f"role cue '{cue.cue}': unknown list '{p}'; define it under 'lists:' (known: "
                                  f"{', '.join(sorted(lists)) or 'none'})", line=_line_of(lines, ("role_cues", i)))
        phrases += lists[p[1:]] if p.startswith("@") else [p]
    return cue.model_copy(update={"any": phrases})


def _unique_ids(rules: list[dict], file: Path, lines: dict) -> None:
    """One file defines each rule id once (a later file may replace it on purpose)."""
    seen: dict[str, int] = {}
    for i, raw in enumerate(rules):
        rid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(rid, str):
            continue
        if rid in seen:
            first = _line_of(lines, ("rules", seen[rid]))
            raise RuleError(file, f"rule id '{rid}' is defined twice in this file (first at line {first}); "
                                  "rename one, or merge them", line=_line_of(lines, ("rules", i)), rule=rid)
        seen[rid] = i


def _rule(raw: Any, file: Path, lines: dict, path: tuple, lists: dict[str, list[str]]) -> LoadedRule:
    rid = raw.get("id") if isinstance(raw, dict) else None
    try:
        r = Rule.model_validate(raw)
    except ValidationError as exc:
        _fix(exc, file, lines, path, rid, Rule)
    mode = "require" if r.require is not None else "forbid"
    test = _parse(getattr(r, mode), file, lines, path + (mode,), r.id, lists)
    when = _parse(r.when, file, lines, path + ("when",), r.id, lists) if r.when is not None else None
    return LoadedRule(r.id, r.title, r.description, r.severity, when, test, mode, str(file), _line_of(lines, path))


def _cross_check(rs: RuleSet) -> None:
    """References between files: checklist items name loaded rules; privacy tiers name identifiers."""
    if rs.checklist:
        cl = rs.checklist
        total_points = sum(s.points for s in cl.sections)
        if abs(total_points - cl.total_points) > 1e-6:
            raise RuleError(rs.checklist_file, f"the sections' points add up to {total_points:g}, not "
                            f"total_points {cl.total_points:g}; fix the points or total_points")
        for section in cl.sections:
            items = sum(i.points for i in section.items)
            if abs(items - section.points) > 1e-6:
                raise RuleError(rs.checklist_file, f"section '{section.name}': items add up to {items:g}, "
                                f"not its {section.points:g} points")
        for section in rs.checklist.sections:
            for item in section.items:
                if item.check and item.check not in rs.rules and item.check not in rs.disabled and not item.optional:
                    near = difflib.get_close_matches(item.check, list(rs.rules), n=1)
                    raise RuleError(rs.checklist_file, f"checklist item '{item.check}' names no loaded rule"
                                    + (f"; did you mean '{near[0]}'?" if near else "; remove it or add the rule"))
        for cid in rs.checklist.flag.checks:
            if cid not in rs.rules and cid not in rs.disabled:
                raise RuleError(rs.checklist_file, f"flag.checks names unknown rule '{cid}'")
    if rs.privacy:
        for name, tier in rs.privacy.tiers.items():
            for ident in tier.needs_one_of:
                if ident not in rs.privacy.identifiers:
                    raise RuleError("privacy", f"tier '{name}' needs unknown identifier '{ident}'; known: "
                                    f"{', '.join(rs.privacy.identifiers)}")
