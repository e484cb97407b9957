"""A static check that a rule pack's regular expression cannot backtrack catastrophically.

Python's ``re`` is a backtracking engine: ``(a+)+$`` on ``"aaaa…b"`` takes time exponential in the input. Packs
are data written by users, so their ``patterns`` are parsed (``re._parser``, the parser ``re.compile`` uses) and
refused when they contain the constructs that cause it:

- a repeated group with a variable-length quantifier inside (``(a+)+``, ``(\\w+\\s?)*``, ``(a*){2,9}``);
- a repeated alternation whose branches can start with the same character (``(a|a)*``, ``(a|ab)+``, ``(\\w|\\d)*``);
- backreferences (``(a)\\1``) and conditional groups.

The check is conservative (it refuses some patterns that are in fact fast) and static: no timing, so the verdict
is the same on every machine. Patterns that pass run in time linear in the text for a fixed pattern.
"""

from __future__ import annotations

import re

try:  # Python >= 3.11
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | (
    {_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set()
)
_ANY = None  # "any character" in a first-character set


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` is refused (a short phrase), or None when it compiles and has no risky construct."""
    try:
        re.compile(pattern)
        parsed = _p.parse(pattern)
    except re.error as exc:
        return f"the regular expression does not compile ({exc})"
    return _scan(parsed, inside_repeat=False)


def _scan(sub, inside_repeat: bool) -> str | None:
    for op, av in sub.data if hasattr(sub, "data") else sub:
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return "a backreference or conditional group (can backtrack exponentially)"
        if op in _REPEATS:
            low, high, body = av
            if inside_repeat and low != high:
                return "a nested quantifier (a variable repeat inside a repeated group) can backtrack catastrophically"
            problem = _scan(body, inside_repeat or high > 1)
            if problem:
                return problem
        elif op == _c.SUBPATTERN:
            problem = _scan(av[-1], inside_repeat)
            if problem:
                return problem
        elif op == _c.BRANCH:
            if inside_repeat and _ambiguous(av[1]):
                return (
                    "a repeated alternation whose branches can match the same text (or nothing) can backtrack"
                    " catastrophically"
                )
            for alt in av[1]:
                problem = _scan(alt, inside_repeat)
                if problem:
                    return problem
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            problem = _scan(av[1], inside_repeat)
            if problem:
                return problem
        elif hasattr(_c, "ATOMIC_GROUP") and op == _c.ATOMIC_GROUP:
            problem = _scan(av, inside_repeat)
            if problem:
                return problem
    return None


def _ambiguous(alternatives) -> bool:
    """Whether two branches can start with the same character, or a branch can match nothing.

    (``re`` factors common prefixes: ``(a|a)`` parses as ``a`` then a branch of two empty alternatives.)
    """
    seen: list[set[int] | None] = []
    for alt in alternatives:
        if alt.getwidth()[0] == 0:
            return True
        first = _firsts(alt)
        for other in seen:
            if first is _ANY or other is _ANY or first & other:
                return True
        seen.append(first)
    return False


def _firsts(sub) -> set[int] | None:
    """The characters a match of ``sub`` can start with (None: any character, or too hard to say)."""
    out: set[int] = set()
    for op, av in sub.data if hasattr(sub, "data") else sub:
        if op == _c.LITERAL:
            return out | {av}
        if op == _c.IN:
            chars: set[int] = set()
            for kind, value in av:
                if kind == _c.LITERAL:
                    chars.add(value)
                elif kind == _c.RANGE and value[1] - value[0] <= 512:
                    chars.update(range(value[0], value[1] + 1))
                else:  # NEGATE, CATEGORY, wide ranges
                    return _ANY
            return out | chars
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        if op == _c.SUBPATTERN or op in _REPEATS or op == _c.BRANCH:
            if op == _c.SUBPATTERN:
                parts, nullable = [av[-1]], av[-1].getwidth()[0] == 0
            elif op == _c.BRANCH:
                parts, nullable = av[1], any(a.getwidth()[0] == 0 for a in av[1])
            else:
                parts, nullable = [av[2]], av[0] == 0 or av[2].getwidth()[0] == 0
            for part in parts:
                first = _firsts(part)
                if first is _ANY:
                    return _ANY
                out |= first
            if not nullable:
                return out
            continue
        return _ANY  # ANY, NOT_LITERAL, CATEGORY, ...
    return out
