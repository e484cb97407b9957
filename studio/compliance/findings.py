"""What a compliance check found, and the verdict of a screened file.

Every detector (hashes, CLIP, phrases, required texts, licences) returns ``Finding`` objects; a ``Report`` gathers
them for one file with the checks that ran and those that could not (and why). The verdict is the worst action
among the findings: ``block`` > ``review`` > ``warn`` > ``pass``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["block", "review", "warn"]
Verdict = Literal["pass", "warn", "review", "block"]

ACTIONS: tuple[str, ...] = ("block", "review", "warn")
VERDICTS: tuple[str, ...] = ("pass", "warn", "review", "block")
# severity order used to pick the worst action; higher is worse
SEVERITY: dict[str, int] = {"pass": 0, "warn": 1, "review": 2, "block": 3}
DETECTORS: tuple[str, ...] = (
    "pdq",
    "phash",
    "clip_reference",
    "clip_concept",
    "phrase",
    "required_text",
    "banned_category",
    "licence",
)
# A check that should have run and could not (a missing module, a decoder error, a missing stored reference, a
# crashed CLIP model) is never a pass: it becomes a finding of this rule, action "review", naming the check.
CHECK_FAILED_RULE = "gate.check-failed"


@dataclass(frozen=True)
class Finding:
    """One thing a check found.

    ``score`` and ``threshold`` are in the detector's own unit: a cosine similarity in [-1, 1] for CLIP (a finding
    when score >= threshold), a Hamming distance in bits for PDQ (0..256) and pHash (0..64) (a finding when
    score <= threshold), 1.0 for an exact phrase or licence match.
    """

    rule: str  # rule id, e.g. "ip.near-copy", "tw-ads.food.medical-efficacy"
    action: str  # block | review | warn
    detector: str  # pdq | phash | clip_reference | clip_concept | phrase | required_text | licence | ...
    score: float
    threshold: float
    message: str  # readable, names what matched
    reference: str | None = None  # matched reference id ("ref:12"), phrase, or licence id
    frame: int | None = None  # frame index in the screened video (0 for a still image)
    time: float | None = None  # seconds from the start of the video
    box: tuple[int, int, int, int] | None = None  # crop box x0, y0, x1, y1 in frame pixels
    suggestion: str | None = None  # compliant wording, where the pack has one
    legal: str | None = None  # the law or policy the rule comes from

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": self.action,
            "detector": self.detector,
            "score": float(self.score),
            "threshold": float(self.threshold),
            "message": self.message,
            "reference": self.reference,
            "frame": self.frame,
            "time": None if self.time is None else float(self.time),
            "box": None if self.box is None else [int(v) for v in self.box],
            "suggestion": self.suggestion,
            "legal": self.legal,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        box = data.get("box")
        return cls(
            rule=str(data["rule"]),
            action=str(data["action"]),
            detector=str(data["detector"]),
            score=float(data["score"]),
            threshold=float(data["threshold"]),
            message=str(data["message"]),
            reference=data.get("reference"),
            frame=data.get("frame"),
            time=data.get("time"),
            box=None if box is None else (int(box[0]), int(box[1]), int(box[2]), int(box[3])),
            suggestion=data.get("suggestion"),
            legal=data.get("legal"),
        )


def check_failed(check: str, reason: str) -> Finding:
    """The finding for a check that should have run and could not: ``review`` at least, never a silent pass."""
    reason = " ".join(str(reason).split())[:400] or "no reason given"
    return Finding(
        rule=CHECK_FAILED_RULE,
        action="review",
        detector=check,
        score=1.0,
        threshold=1.0,
        message=f"The {check} check could not run: {reason}. Until it runs, a person must review this output.",
        reference=check,
    )


def verdict_of(findings: Iterable[Finding]) -> str:
    """The worst action among ``findings``; ``"pass"`` when there are none."""
    worst = "pass"
    for finding in findings:
        if SEVERITY.get(finding.action, 0) > SEVERITY[worst]:
            worst = finding.action
    return worst


@dataclass(frozen=True)
class Report:
    """The screening result of one file (or one piece of copy)."""

    file: str
    verdict: str
    findings: list[Finding]
    checks_run: list[str] = field(default_factory=list)
    checks_skipped: dict[str, str] = field(default_factory=dict)  # check -> why it did not run
    packs: dict[str, int] = field(default_factory=dict)  # pack name -> version

    @classmethod
    def build(
        cls,
        file: str,
        findings: Iterable[Finding],
        *,
        checks_run: Iterable[str] = (),
        checks_skipped: dict[str, str] | None = None,
        packs: dict[str, int] | None = None,
    ) -> Report:
        """A report whose verdict is computed from ``findings`` (worst first, then by time)."""
        ordered = sorted(
            findings,
            key=lambda f: (-SEVERITY.get(f.action, 0), f.time if f.time is not None else -1.0, f.rule),
        )
        return cls(
            file=file,
            verdict=verdict_of(ordered),
            findings=ordered,
            checks_run=list(dict.fromkeys(checks_run)),
            checks_skipped=dict(checks_skipped or {}),
            packs=dict(packs or {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
            "checks_run": list(self.checks_run),
            "checks_skipped": dict(self.checks_skipped),
            "packs": dict(self.packs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            file=str(data["file"]),
            verdict=str(data["verdict"]),
            findings=[Finding.from_json(f) for f in data.get("findings", [])],
            checks_run=list(data.get("checks_run", [])),
            checks_skipped=dict(data.get("checks_skipped", {})),
            packs={str(k): int(v) for k, v in data.get("packs", {}).items()},
        )

    def rules(self, action: str | None = None) -> list[str]:
        """The distinct rule ids found (optionally only those with ``action``), in report order."""
        return list(dict.fromkeys(f.rule for f in self.findings if action is None or f.action == action))
