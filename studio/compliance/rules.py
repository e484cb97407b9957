"""Rule packs: versioned YAML data (not code) saying what to look for, how sure to be, and what to do.

A pack is a YAML file ``<name>.yaml`` with ``pack``, ``version``, ``market``, ``description`` and ``rules``. Each
rule names a ``detector`` (``phrase``, ``required_text``, ``clip_concept``, ``reference``, ``banned_category``),
the product categories it ``applies_to`` (omitted: all), an ``action`` (``block``, ``review``, ``warn``), a
``legal`` reference and the detector's own fields (phrases, allow-lists, suggestions, CLIP concepts, hash
distances, thresholds). A ``phrase`` rule may also give regular-expression ``patterns`` and ``allow_patterns``
(look-alikes a phrase list cannot hold; both refused at load, with file and line, when they can backtrack
catastrophically: ``regexcheck``) and ``claims``: pairs of the pack's named ``lexicons`` (efficacy verbs x
diseases) that must occur within a few characters or words of one clause. A pack's ``category_cues`` say, per
product category, which ``terms`` and ``patterns`` in the copy name such a product (and which look-alikes under
``allow`` do not). Packs are read with ``yaml.safe_load`` semantics and validated strictly; every error names the
file and the line of the offending rule or field.

Built-in packs live next to this module in ``packs/``; packs written by calibration (or by the user) in
``$STUDIO_HOME/packs/`` take precedence over a built-in pack of the same name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from studio.categories import CATEGORIES, parse_category
from studio.errors import ConfigError, InputError

DETECTOR_KINDS: tuple[str, ...] = ("phrase", "required_text", "clip_concept", "reference", "banned_category")
NEGATION_MODES: tuple[str, ...] = ("drop", "warn", "review", "keep")
# Packs screened for every category (rules inside are filtered by ``applies_to``).
DEFAULT_PACKS: tuple[str, ...] = ("tw-ads", "platform-general", "ip")

_ID = r"^[a-z0-9][a-z0-9._-]*$"

# Fields each detector may use besides the common ones; any other field is an error (a typo would otherwise be
# silently ignored and the rule would not do what its author thinks).
_COMMON = {"id", "detector", "action", "category", "description", "notes", "legal", "applies_to", "threshold"}
_DETECTOR_FIELDS: dict[str, set[str]] = {
    "phrase": {"phrases", "patterns", "claims", "allow", "allow_patterns", "suggestions", "negation"},
    "required_text": {"required", "whole_duration"},
    "clip_concept": {"concepts", "negatives"},
    "reference": {
        "pdq_max_distance",
        "phash_max_distance",
        "clip_threshold",
        "min_pdq_quality",
        "reference_kinds",
    },
    "banned_category": set(),
}


# -- the YAML boundary (pydantic, strict) ---------------------------------------------------------------
class _ClaimDoc(BaseModel):
    """A claim pattern: a term of the ``verbs`` lexicons and a term of the ``targets`` lexicons in one clause."""

    model_config = ConfigDict(extra="forbid")

    # names of pack lexicons: efficacy verbs (治療, cure ...) and targets (diseases, symptoms: 糖尿病, insomnia ...)
    verbs: list[str] = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    order: Literal["verb-target", "target-verb"] = "verb-target"
    max_gap: int = Field(default=4, ge=0, le=12)  # CJK characters allowed between the two terms
    max_gap_words: int = Field(default=3, ge=0, le=6)  # English words allowed between the two terms


class _CueDoc(BaseModel):
    """Words that name a product of one category (啤酒, whisky), regular expressions for the ways of naming it that
    a word list cannot hold (a drinking verb with a six-pack: 乾完一手), and look-alikes that do not (無酒精啤酒)."""

    model_config = ConfigDict(extra="forbid")

    terms: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)  # regular expressions on the normalised text
    allow: list[str] = Field(default_factory=list)

    @field_validator("terms", "patterns", "allow")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not isinstance(t, str) or not t.strip() for t in value):
            raise ValueError("contains an empty term")
        return value

    @model_validator(mode="after")
    def _something_to_find(self) -> _CueDoc:
        if not (self.terms or self.patterns):
            raise ValueError("a category cue needs a non-empty 'terms' or 'patterns' list")
        return self


class _RuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID, max_length=120)
    detector: Literal["phrase", "required_text", "clip_concept", "reference", "banned_category"]
    action: Literal["block", "review", "warn"]
    category: str = ""
    description: str = ""
    notes: str = ""
    legal: str | None = None
    applies_to: list[str] | None = None
    threshold: float | None = None
    # phrase
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)  # regular expressions on the normalised text
    claims: list[_ClaimDoc] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    # look-alikes a phrase list cannot hold (a fluoride toothpaste's 預防齲齒: the product named, then the wording)
    allow_patterns: list[str] = Field(default_factory=list)
    suggestions: dict[str, str] = Field(default_factory=dict)
    negation: Literal["drop", "warn", "review", "keep"] = "drop"
    # required_text
    required: list[str] = Field(default_factory=list)
    whole_duration: bool = True
    # clip_concept
    concepts: list[str] = Field(default_factory=list)
    negatives: list[str] = Field(default_factory=list)
    # reference
    pdq_max_distance: int | None = Field(default=None, ge=0, le=256)
    phash_max_distance: int | None = Field(default=None, ge=0, le=64)
    clip_threshold: float | None = Field(default=None, ge=-1.0, le=1.0)
    min_pdq_quality: int | None = Field(default=None, ge=0, le=100)
    reference_kinds: list[str] | None = None

    @field_validator("applies_to")
    @classmethod
    def _known_categories(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [c for c in value if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown product categories {unknown}; expected some of {list(CATEGORIES)}")
        if not value:
            raise ValueError("applies_to is empty; omit it to apply the rule to every category")
        return value

    @field_validator("phrases", "patterns", "allow", "allow_patterns", "required", "concepts", "negatives")
    @classmethod
    def _no_blank_strings(cls, value: list[str]) -> list[str]:
        if any(not s.strip() for s in value):
            raise ValueError("contains an empty string")
        return value

    @model_validator(mode="before")
    @classmethod
    def _fields_of_detector(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("detector"), str):
            allowed = _DETECTOR_FIELDS.get(data["detector"])
            if allowed is not None:
                stray = sorted(k for k in data if k not in _COMMON | allowed and k in cls.model_fields)
                if stray:
                    raise ValueError(
                        f"fields {stray} do not belong to a {data['detector']!r} rule"
                        f" (it takes {sorted(allowed) or 'only the common fields'})"
                    )
        return data

    @model_validator(mode="after")
    def _complete(self) -> _RuleDoc:
        d = self.detector
        if d == "phrase":
            if not (self.phrases or self.patterns or self.claims):
                raise ValueError("a 'phrase' rule needs a non-empty 'phrases', 'patterns' or 'claims' list")
            if not self.claims:  # claim terms come from the pack's lexicons, checked when the pack is built
                missing = [k for k in self.suggestions if k not in self.phrases]
                if missing:
                    raise ValueError(f"suggestions for phrases not in 'phrases': {missing}")
        elif d == "required_text":
            if not self.required:
                raise ValueError("a 'required_text' rule needs a non-empty 'required' list")
        elif d == "clip_concept":
            if not self.concepts:
                raise ValueError("a 'clip_concept' rule needs a non-empty 'concepts' list")
            if self.threshold is None:
                raise ValueError("a 'clip_concept' rule needs a 'threshold' (CLIP cosine similarity)")
        elif d == "reference":
            if (
                self.pdq_max_distance is None
                and self.phash_max_distance is None
                and self.clip_threshold is None
            ):
                raise ValueError(
                    "a 'reference' rule needs at least one of pdq_max_distance, phash_max_distance, clip_threshold"
                )
        elif d == "banned_category" and not self.applies_to:
            raise ValueError("a 'banned_category' rule needs 'applies_to' (the banned product categories)")
        return self


class _PackDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(pattern=_ID, max_length=60)
    version: int = Field(ge=1)
    market: str = "*"
    description: str = ""
    notes: str = ""
    # named term lists (zh-TW and English) that the rules' ``claims`` combine: data, not code
    lexicons: dict[str, list[str]] = Field(default_factory=dict)
    # words in the copy that name a product category: with the default category ``general`` the rules of each
    # category named this way apply too (see ``studio.compliance.text.infer_categories``)
    category_cues: dict[str, _CueDoc] = Field(default_factory=dict)
    rules: list[_RuleDoc] = Field(min_length=1)

    @field_validator("category_cues")
    @classmethod
    def _cue_categories(cls, value: dict[str, _CueDoc]) -> dict[str, _CueDoc]:
        wrong = [c for c in value if c not in CATEGORIES or c == "general"]
        if wrong:
            raise ValueError(
                f"category_cues for {wrong}: expected product categories other than 'general'"
                f" ({', '.join(c for c in CATEGORIES if c != 'general')})"
            )
        return value

    @field_validator("lexicons")
    @classmethod
    def _lexicon_terms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, terms in value.items():
            if not re.match(_ID, name):
                raise ValueError(f"lexicon name {name!r} must use a-z, 0-9, '.', '_' and '-'")
            if not terms or any(not isinstance(t, str) or not t.strip() for t in terms):
                raise ValueError(f"lexicon {name!r} is empty or contains an empty term")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> _PackDoc:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise _DuplicateRule(index, rule.id)
            seen.add(rule.id)
        return self


class _DuplicateRule(ValueError):
    def __init__(self, index: int, rule_id: str):
        super().__init__(f"rule id {rule_id!r} is used twice")
        self.index = index


# -- the data used inside (frozen) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """A verb term and a target term within one clause (see ``_ClaimDoc``); terms resolved from the lexicons."""

    verbs: tuple[str, ...]  # lexicon names
    targets: tuple[str, ...]  # lexicon names
    verb_terms: tuple[str, ...]
    target_terms: tuple[str, ...]
    order: str = "verb-target"
    max_gap: int = 4
    max_gap_words: int = 3


@dataclass(frozen=True)
class Rule:
    """One validated rule. Detector-specific fields are empty/None for other detectors."""

    id: str
    detector: str
    action: str
    category: str = ""
    description: str = ""
    notes: str = ""
    legal: str | None = None
    applies_to: tuple[str, ...] | None = None
    threshold: float | None = None
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # regular expressions on the normalised text (checked for backtracking)
    claims: tuple[Claim, ...] = ()
    allow: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()  # regular expressions for look-alikes (checked for backtracking)
    suggestions: Mapping[str, str] = field(default_factory=dict, hash=False)
    negation: str = "drop"  # drop | warn | review | keep: what a negated phrase match becomes
    required: tuple[str, ...] = ()
    whole_duration: bool = True
    concepts: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    pdq_max_distance: int | None = None
    phash_max_distance: int | None = None
    clip_threshold: float | None = None
    min_pdq_quality: int | None = None
    reference_kinds: tuple[str, ...] | None = None
    pack: str = ""  # the pack the rule came from
    line: int | None = field(default=None, compare=False)  # 1-based line of the rule in its YAML file

    def applies(self, category: str) -> bool:
        """Whether the rule screens ads of product ``category``."""
        return self.applies_to is None or category in self.applies_to

    @property
    def effective_threshold(self) -> float:
        """``threshold``, or 1.0 (an exact match) for rules that leave it out."""
        return 1.0 if self.threshold is None else float(self.threshold)


@dataclass(frozen=True)
class CategoryCues:
    """What in the copy names a product of one category: ``terms`` (啤酒, whisky), ``patterns`` (regular
    expressions on the normalised text, checked for backtracking) and ``allow``, look-alikes that do not (無酒精啤酒)."""

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


@dataclass(frozen=True)
class RulePack:
    name: str
    version: int
    rules: tuple[Rule, ...]
    market: str = "*"
    description: str = ""
    notes: str = ""
    source: Path | None = field(default=None, compare=False)
    lexicons: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # category -> the words and patterns naming a product of that category (see ``_PackDoc``)
    category_cues: Mapping[str, CategoryCues] = field(default_factory=dict, hash=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise InputError(
            f"The pack {self.name!r} has no rule {rule_id!r}.",
            f"Its rules are: {', '.join(r.id for r in self.rules)}.",
        )

    def for_category(self, category: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.applies(category))

    def by_detector(self, *detectors: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.detector in detectors)

    def with_updates(self, updates: Mapping[str, Mapping[str, Any]], *, bump: bool = True) -> RulePack:
        """A copy with some rules' fields changed (e.g. ``{"ip.near-copy": {"clip_threshold": 0.9}}``).

        The result is validated like a file (a wrong field or value raises ``ConfigError``) and its version is
        bumped by one unless ``bump`` is false: every change to a pack gets a new version.
        """
        data = pack_to_dict(self)
        index = {r["id"]: r for r in data["rules"]}
        for rule_id, changes in updates.items():
            if rule_id not in index:
                raise InputError(
                    f"The pack {self.name!r} has no rule {rule_id!r} to update.",
                    f"Its rules are: {', '.join(index)}.",
                )
            index[rule_id].update(dict(changes))
        if bump:
            data["version"] = self.version + 1
        label = f"{self.name} (updated)"
        return _from_doc(_validate(data, None, label), self.source, label=label)


# -- loading ---------------------------------------------------------------------------------------------
def builtin_packs_dir() -> Path:
    return Path(__file__).resolve().parent / "packs"


def user_packs_dir(create: bool = False) -> Path:
    from studio.settings import studio_home

    folder = studio_home() / "packs"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def available_packs() -> list[str]:
    """Names of the packs that ``load_pack`` finds: built-in ones and those in ``$STUDIO_HOME/packs``."""
    names = {p.stem for p in builtin_packs_dir().glob("*.yaml")}
    user = user_packs_dir()
    if user.is_dir():
        names |= {p.stem for p in user.glob("*.yaml")}
    return sorted(names)


def pack_path(name: str) -> Path:
    """The file of the pack called ``name`` (the user's copy first, then the built-in one)."""
    if not re.match(_ID, name):
        raise InputError(f"{name!r} is not a valid pack name.", "Pack names use a-z, 0-9, '.', '_' and '-'.")
    for folder in (user_packs_dir(), builtin_packs_dir()):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise InputError(f"No rule pack called {name!r}.", f"Available packs: {', '.join(available_packs())}.")


def load_pack(name_or_path: str | os.PathLike[str]) -> RulePack:
    """Load and validate a pack by name (``"tw-ads"``) or by the path of a YAML file.

    Raises ``ConfigError`` naming the file and line for malformed YAML or an invalid rule, ``InputError`` for
    an unknown name or a missing file.
    """
    text_name = os.fspath(name_or_path)
    looks_like_path = (
        isinstance(name_or_path, os.PathLike)
        or text_name.endswith((".yaml", ".yml"))
        or (os.sep in text_name)
    )
    path = Path(text_name) if looks_like_path else pack_path(text_name)
    if not path.is_file():
        raise InputError(f"The rule pack file {path} does not exist.", "Give a pack name or a .yaml file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: the rule pack is not UTF-8 text ({exc.reason}).", "Save it as UTF-8."
        ) from exc
    return parse_pack(text, source=path)


def parse_pack(text: str, *, source: Path | None = None) -> RulePack:
    """Validate the YAML ``text`` of a pack; ``source`` names it in error messages."""
    label = str(source) if source else "<rule pack>"
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "").split())
        raise ConfigError(
            f"{label}{line}: malformed YAML: {problem}.", "Fix the YAML syntax (indentation, quotes, colons)."
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label}: malformed YAML: {exc}.", "Fix the YAML syntax.") from exc
    finally:
        loader.dispose()
    if data is None:
        raise ConfigError(f"{label}: the rule pack is empty.", "A pack needs 'pack', 'version' and 'rules'.")
    lines: dict[int, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "rules" and isinstance(value, yaml.SequenceNode):
                lines = {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return _from_doc(_validate(data, node, label), source, lines, node=node, label=label)


def _validate(data: Any, node: yaml.Node | None, label: str) -> _PackDoc:
    if not isinstance(data, dict):
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        raise ConfigError(
            f"{label}{line}: a rule pack must be a mapping with 'pack', 'version' and 'rules',"
            f" not a {type(data).__name__}.",
            "See studio/compliance/packs/*.yaml for examples.",
        )
    try:
        doc = _PackDoc.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        ctx_error = first.get("ctx", {}).get("error")
        if isinstance(ctx_error, _DuplicateRule):
            loc = ("rules", ctx_error.index, "id")
        where = _line_of(node, loc)
        line = f":{where}" if where else ""
        rule_label = ""
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            rules = data.get("rules")
            if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
                rule_label = f" rule {rules[loc[1]].get('id', '#' + str(loc[1] + 1))!r}"
        field_path = ".".join(str(p) for p in loc[2:]) if rule_label else ".".join(str(p) for p in loc)
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r} (a typo?)"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(
            f"{label}{line}:{rule_label} {field_path + ': ' if field_path else ''}{message}{more}.",
            "Fix the rule pack; see studio/compliance/packs/*.yaml for the schema.",
        ) from exc
    _check_patterns(doc, node, label)
    return doc


def _check_patterns(doc: _PackDoc, node: yaml.Node | None, label: str) -> None:
    """Refuse a pattern that does not compile or that can backtrack catastrophically (file and line)."""
    from studio.compliance.regexcheck import backtracking_risk

    places = [
        (("rules", i, key, j), f" rule {rule.id!r} {key}.{j}", pattern)
        for i, rule in enumerate(doc.rules)
        for key in ("patterns", "allow_patterns")
        for j, pattern in enumerate(getattr(rule, key))
    ] + [
        (("category_cues", category, "patterns", j), f" category_cues.{category}.patterns.{j}", pattern)
        for category, cue in doc.category_cues.items()
        for j, pattern in enumerate(cue.patterns)
    ]
    for loc, what, pattern in places:
        problem = backtracking_risk(pattern)
        if problem:
            where = _line_of(node, loc)
            line = f":{where}" if where else ""
            raise ConfigError(
                f"{label}{line}:{what}: {problem} in {pattern!r}.",
                "Use bounded, unambiguous patterns (no quantifier inside a repeated group, no repeated"
                " alternatives that can match the same text), or list the words under 'phrases' or 'terms'.",
            )


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node along ``loc`` (a pydantic error location)."""
    if node is None:
        return None
    best = node
    current: yaml.Node | None = node
    for part in loc:
        nxt: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode) and isinstance(part, str):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    nxt = value
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            nxt = current.value[part]
        if nxt is None:
            break
        best = current = nxt
    return best.start_mark.line + 1


def _from_doc(
    doc: _PackDoc,
    source: Path | None,
    node_lines: dict[int, int] | None = None,
    *,
    node: yaml.Node | None = None,
    label: str = "<rule pack>",
) -> RulePack:
    lines = node_lines or {}
    lexicons = {name: tuple(terms) for name, terms in doc.lexicons.items()}
    rules = []
    for index, r in enumerate(doc.rules):
        claims = []
        for j, c in enumerate(r.claims):
            unknown = [n for n in (*c.verbs, *c.targets) if n not in lexicons]
            if unknown:
                where = _line_of(node, ("rules", index, "claims", j))
                raise ConfigError(
                    f"{label}{':' + str(where) if where else ''}: rule {r.id!r} claims.{j}: unknown lexicons"
                    f" {unknown}.",
                    f"Define them under 'lexicons' (the pack has: {', '.join(lexicons) or 'none'}).",
                )
            claims.append(
                Claim(
                    verbs=tuple(c.verbs),
                    targets=tuple(c.targets),
                    verb_terms=tuple(dict.fromkeys(t for n in c.verbs for t in lexicons[n])),
                    target_terms=tuple(dict.fromkeys(t for n in c.targets for t in lexicons[n])),
                    order=c.order,
                    max_gap=c.max_gap,
                    max_gap_words=c.max_gap_words,
                )
            )
        if claims:
            known = set(r.phrases) | {t for c in claims for t in (*c.verb_terms, *c.target_terms)}
            missing = [k for k in r.suggestions if k not in known]
            if missing:
                where = _line_of(node, ("rules", index, "suggestions"))
                raise ConfigError(
                    f"{label}{':' + str(where) if where else ''}: rule {r.id!r} suggestions: for phrases that"
                    f" are neither in 'phrases' nor in its claims' lexicons: {missing}.",
                    "Key each suggestion by a phrase or a lexicon term of the rule.",
                )
        rules.append(
            Rule(
                id=r.id,
                detector=r.detector,
                action=r.action,
                category=r.category,
                description=r.description,
                notes=r.notes,
                legal=r.legal,
                applies_to=tuple(r.applies_to) if r.applies_to is not None else None,
                threshold=r.threshold,
                phrases=tuple(r.phrases),
                patterns=tuple(r.patterns),
                claims=tuple(claims),
                allow=tuple(r.allow),
                allow_patterns=tuple(r.allow_patterns),
                suggestions=dict(r.suggestions),
                negation=r.negation,
                required=tuple(r.required),
                whole_duration=r.whole_duration,
                concepts=tuple(r.concepts),
                negatives=tuple(r.negatives),
                pdq_max_distance=r.pdq_max_distance,
                phash_max_distance=r.phash_max_distance,
                clip_threshold=r.clip_threshold,
                min_pdq_quality=r.min_pdq_quality,
                reference_kinds=tuple(r.reference_kinds) if r.reference_kinds is not None else None,
                pack=doc.pack,
                line=lines.get(index),
            )
        )
    return RulePack(
        name=doc.pack,
        version=doc.version,
        rules=tuple(rules),
        market=doc.market,
        description=doc.description,
        notes=doc.notes,
        source=source,
        lexicons=lexicons,
        category_cues={
            c: CategoryCues(tuple(cue.terms), tuple(cue.patterns), tuple(cue.allow))
            for c, cue in doc.category_cues.items()
        },
    )


# -- writing ---------------------------------------------------------------------------------------------
_RULE_ORDER = [
    "id", "category", "description", "applies_to", "action", "legal", "detector", "threshold", "phrases",
    "patterns", "claims", "allow", "allow_patterns", "suggestions", "negation", "required", "whole_duration",
    "concepts", "negatives", "pdq_max_distance", "phash_max_distance", "clip_threshold", "min_pdq_quality", "reference_kinds", "notes",
]  # fmt: skip
_RULE_DEFAULTS: dict[str, Any] = {
    "category": "", "description": "", "notes": "", "legal": None, "applies_to": None, "threshold": None,
    "phrases": (), "patterns": (), "claims": (), "allow": (), "allow_patterns": (), "suggestions": {},
    "negation": "drop", "required": (),
    "whole_duration": True, "concepts": (), "negatives": (), "pdq_max_distance": None,
    "phash_max_distance": None, "clip_threshold": None, "min_pdq_quality": None, "reference_kinds": None,
}  # fmt: skip


def pack_to_dict(pack: RulePack) -> dict[str, Any]:
    """The YAML document of ``pack`` (fields left at their defaults are omitted)."""
    rules = []
    for rule in pack.rules:
        entry: dict[str, Any] = {}
        for key in _RULE_ORDER:
            value = getattr(rule, key)
            if (
                key in _RULE_DEFAULTS
                and _same(value, _RULE_DEFAULTS[key])
                and key not in ("action", "detector")
            ):
                continue
            if key == "claims":
                value = [_claim_to_dict(c) for c in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            entry[key] = value
        rules.append(entry)
    data: dict[str, Any] = {"pack": pack.name, "version": pack.version, "market": pack.market}
    if pack.description:
        data["description"] = pack.description
    if pack.notes:
        data["notes"] = pack.notes
    if pack.lexicons:
        data["lexicons"] = {name: list(terms) for name, terms in pack.lexicons.items()}
    if pack.category_cues:
        data["category_cues"] = {
            c: {
                key: list(values)
                for key, values in (("terms", cue.terms), ("patterns", cue.patterns), ("allow", cue.allow))
                if values
            }
            for c, cue in pack.category_cues.items()
        }
    data["rules"] = rules
    return data


def _claim_to_dict(claim: Claim) -> dict[str, Any]:
    return {
        "verbs": list(claim.verbs),
        "targets": list(claim.targets),
        "order": claim.order,
        "max_gap": claim.max_gap,
        "max_gap_words": claim.max_gap_words,
    }


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, (tuple, list)) and isinstance(default, (tuple, list)):
        return list(value) == list(default)
    if isinstance(value, Mapping) and isinstance(default, Mapping):
        return dict(value) == dict(default)
    return value == default


def write_pack(pack: RulePack, path: str | os.PathLike[str]) -> Path:
    """Write ``pack`` as YAML to ``path`` atomically (used by calibration); returns the path.

    The written file loads back to an equal pack (``load_pack(path) == pack``).
    """
    from studio.fsutil import atomic_output

    text = yaml.safe_dump(pack_to_dict(pack), allow_unicode=True, sort_keys=False, width=110)
    parse_pack(text, source=Path(path))  # never write a pack that would not load
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def default_packs_for(category: str) -> list[str]:
    """The packs screened for an ad of product ``category`` (their rules are filtered by ``applies_to``)."""
    check_category(category)
    return list(DEFAULT_PACKS)


def check_category(category: str) -> str:
    """``category`` when it is one of ``studio.categories.CATEGORIES`` (exactly); ``InputError`` otherwise."""
    return parse_category(category).value


def load_packs(names: list[str] | tuple[str, ...] | None, category: str = "general") -> list[RulePack]:
    """Load the packs ``names`` (or the defaults for ``category``), each at most once."""
    chosen = list(names) if names else default_packs_for(category)
    return [load_pack(name) for name in dict.fromkeys(chosen)]
