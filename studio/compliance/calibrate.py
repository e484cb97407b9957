"""Calibration: per-rule thresholds picked from a labelled folder for a target precision, written into a pack.

Folder layout::

    FOLDER/
      positive/<rule-id>/...   images or videos that rule must flag (e.g. positive/ip.near-copy/edited-logo.jpg,
                               positive/platform.weapons/gun.jpg)
      negative/...             images or videos no rule may flag (sub-folders allowed)

Every file is screened once with permissive copies of the pack's visual rules (one copy per detector, so each
detector's best score per file is known: PDQ and pHash distances, CLIP cosines). For each rule and each of its
thresholds, the positives are the files under ``positive/<rule-id>/`` and the negatives those under
``negative/``; files under other rules' folders do not count for it. The chosen threshold gives the best recall
whose precision TP / (TP + FP) is at least the target, moved to the middle of the gap before the next negative
(the most margin that keeps the same counts). Rules without examples keep their thresholds; CLIP thresholds
are only calibrated with an embedder. Text rules (exact phrases) have nothing to calibrate.

The result is the pack with the new thresholds and its version bumped (``RulePack.with_updates``);
``calibrate`` also writes it with ``rules.write_pack``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import InputError
from studio.media.types import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from studio.progress import ProgressFn

if TYPE_CHECKING:
    from studio.compliance.embed import ClipEmbedder
    from studio.compliance.refbank import ReferenceBank
    from studio.compliance.rules import Rule, RulePack
    from studio.store import Store

MEDIA_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES  # the one table: studio.media.types
# detector field -> (lower score means a match?, the loosest value screened, the detector it belongs to)
FIELDS: dict[str, tuple[bool, float, str]] = {
    "pdq_max_distance": (True, 128, "pdq"),
    "phash_max_distance": (True, 32, "phash"),
    "clip_threshold": (False, -1.0, "clip_reference"),
    "threshold": (False, -1.0, "clip_concept"),
}
NO_MATCH = math.inf


@dataclass(frozen=True)
class ThresholdChoice:
    """A chosen threshold and what it does on the labelled files."""

    threshold: float
    precision: float | None  # None when nothing fires
    recall: float
    true_positives: int
    false_positives: int
    positives: int
    negatives: int
    met: bool  # whether the target precision was reached with at least one true positive

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "precision": self.precision,
            "recall": self.recall,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "positives": self.positives,
            "negatives": self.negatives,
            "met": self.met,
        }


def choose_threshold(
    positives: Sequence[float],
    negatives: Sequence[float],
    *,
    precision: float,
    lower_is_match: bool,
    limit: float | None = None,
) -> ThresholdChoice:
    """The threshold with the best recall at ``precision`` or better.

    ``positives``/``negatives``: each file's best score (``math.inf`` or a value past ``limit`` for "no
    match"). With ``lower_is_match`` (hash distances) a file fires when ``score <= threshold``, otherwise (CLIP
    cosines) when ``score >= threshold``. Integer distances give integer thresholds. If no threshold reaches the
    target, the strictest one that flags no negative is returned with ``met=False``.
    """
    if not 0 < precision <= 1:
        raise InputError(f"The target precision must be in (0, 1], got {precision}.", "Use e.g. 0.95.")
    sign = 1.0 if lower_is_match else -1.0
    # work with "lower is a match" keys; drop scores past the limit (they were never measured as matches)
    lim = math.inf if limit is None else sign * limit

    def key(values: Sequence[float]) -> list[float]:
        out = []
        for v in values:
            k = sign * float(v) if v is not None and math.isfinite(float(v)) else math.inf
            out.append(k if k <= lim else math.inf)
        return out

    pos, neg = sorted(key(positives)), sorted(key(negatives))
    integer = all(
        float(v).is_integer() for v in (*positives, *negatives) if v is not None and math.isfinite(v)
    )

    def counts(t: float) -> tuple[int, int]:
        return sum(1 for p in pos if p <= t), sum(1 for n in neg if n <= t)

    best: tuple[float, int, int] | None = None
    for t in sorted({p for p in pos if math.isfinite(p)}):
        tp, fp = counts(t)
        if tp and tp / (tp + fp) >= precision and (best is None or tp > best[1]):
            best = (t, tp, fp)
    if best is None:
        # nothing reaches the target: the strictest threshold that flags no negative
        first_neg = next((n for n in neg if math.isfinite(n)), math.inf)
        t = (
            (first_neg - 1 if integer else first_neg - 1e-6)
            if math.isfinite(first_neg)
            else (max((p for p in pos if math.isfinite(p)), default=lim if math.isfinite(lim) else 0.0))
        )
        tp, fp = counts(t)
        return _choice(sign * t, tp, fp, len(pos), len(neg), met=False)
    t, tp, fp = best
    # widen into the gap before the next negative above t (same counts, more margin for unseen copies)
    next_neg = next((n for n in neg if n > t and math.isfinite(n)), None)
    if next_neg is not None:
        t = t + (next_neg - t) / 2
        t = math.floor(t) if integer else t
        if counts(t) != (tp, fp):  # an integer midpoint can land on the negative itself
            t = best[0]
    if math.isfinite(lim):
        t = min(t, lim)
    return _choice(sign * t, tp, fp, len(pos), len(neg), met=True)


def _choice(threshold: float, tp: int, fp: int, n_pos: int, n_neg: int, *, met: bool) -> ThresholdChoice:
    return ThresholdChoice(
        threshold=float(round(threshold, 6)),
        precision=None if tp + fp == 0 else tp / (tp + fp),
        recall=tp / n_pos if n_pos else 0.0,
        true_positives=tp,
        false_positives=fp,
        positives=n_pos,
        negatives=n_neg,
        met=met and tp > 0,
    )


@dataclass(frozen=True)
class CalibrationResult:
    """The calibrated pack (version bumped) and, per rule and threshold field, what was chosen."""

    pack: RulePack
    choices: dict[str, dict[str, ThresholdChoice]]
    skipped: dict[str, str] = field(default_factory=dict)  # rule id (or "rule:field") -> why not calibrated
    files: dict[str, int] = field(default_factory=dict)  # "negative" and each rule id -> number of files

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": {rid: {f: c.to_json() for f, c in by.items()} for rid, by in self.choices.items()},
            "skipped": dict(self.skipped),
            "files": dict(self.files),
        }

    def summary(self) -> str:
        lines = []
        for rule_id, by_field in self.choices.items():
            for name, c in by_field.items():
                p = "n/a" if c.precision is None else f"{c.precision:.3f}"
                mark = "" if c.met else "  (target not reached)"
                lines.append(
                    f"{rule_id} {name} = {c.threshold:g}: precision {p}, recall {c.recall:.3f}"
                    f" ({c.true_positives}/{c.positives} positives, {c.false_positives}/{c.negatives}"
                    f" negatives flagged){mark}"
                )
        for key, why in self.skipped.items():
            lines.append(f"{key}: not calibrated ({why})")
        return "\n".join(lines)


def calibrate_folder(
    folder: str | os.PathLike[str],
    pack: RulePack | str,
    *,
    store: Store | None = None,
    bank: ReferenceBank | None = None,
    embedder: ClipEmbedder | None = None,
    precision: float = 0.95,
    on_progress: ProgressFn | None = None,
) -> CalibrationResult:
    """Screen the labelled ``folder`` and pick thresholds for ``pack`` (see the module docstring for the layout)."""
    from studio.compliance.refbank import ReferenceBank
    from studio.compliance.rules import RulePack, load_pack
    from studio.compliance.visual import screen_media

    if isinstance(pack, str):
        pack = load_pack(pack)
    if not 0 < precision <= 1:
        raise InputError(f"The target precision must be in (0, 1], got {precision}.", "Use e.g. 0.95.")
    positives, negatives = _labelled_files(Path(folder), pack)
    report = on_progress or (lambda fraction, message: None)
    if bank is None:
        if store is None:
            from studio.store import open_store

            store = open_store()
        bank = ReferenceBank(store)

    # permissive copies: one rule per (rule, threshold field)
    probes: list[Rule] = []
    skipped: dict[str, str] = {}
    for rule in pack.rules:
        if rule.detector not in ("reference", "clip_concept"):
            continue
        if rule.id not in positives:
            skipped[rule.id] = f"no examples in positive/{rule.id}/"
            continue
        for name in _fields(rule):
            lower, loosest, detector = FIELDS[name]
            if detector.startswith("clip") and embedder is None:
                skipped[f"{rule.id}:{name}"] = "no CLIP embedder (weights not loaded)"
                continue
            probes.append(_probe(rule, name, loosest))
    if not probes:
        raise InputError(
            f"Nothing to calibrate in the pack {pack.name!r} with the examples in {folder}.",
            "Add images under positive/<rule-id>/ for its reference or clip_concept rules"
            + (" (CLIP rules need the CLIP weights)" if embedder is None else "")
            + ".",
        )
    probe_pack = RulePack(name=f"{pack.name}-calibration", version=pack.version, rules=tuple(probes))

    files = sorted({p for ps in positives.values() for p in ps} | set(negatives))
    best: dict[Path, dict[str, float]] = {}
    for i, path in enumerate(files):
        report(i / len(files), f"screening {path.name}")
        findings, _, _ = screen_media(path, packs=[probe_pack], bank=bank, embedder=embedder)
        scores: dict[str, float] = {}
        for f in findings:
            lower = FIELDS[f.rule.rsplit("--", 1)[1]][0]
            old = scores.get(f.rule)
            if old is None or (f.score < old if lower else f.score > old):
                scores[f.rule] = f.score
        best[path] = scores

    choices: dict[str, dict[str, ThresholdChoice]] = {}
    updates: dict[str, dict[str, float | int]] = {}
    for probe in probes:
        rule_id, name = probe.id.rsplit("--", 1)
        lower, loosest, _ = FIELDS[name]
        pos = [best[p].get(probe.id, NO_MATCH) for p in positives[rule_id]]
        neg = [best[p].get(probe.id, NO_MATCH) for p in negatives]
        choice = choose_threshold(pos, neg, precision=precision, lower_is_match=lower, limit=loosest)
        choices.setdefault(rule_id, {})[name] = choice
        value: float | int = int(choice.threshold) if lower else round(float(choice.threshold), 4)
        updates.setdefault(rule_id, {})[name] = value
    report(1.0, "thresholds chosen")
    calibrated = pack.with_updates(updates) if updates else pack
    counts = {"negative": len(negatives), **{rid: len(ps) for rid, ps in positives.items()}}
    return CalibrationResult(pack=calibrated, choices=choices, skipped=skipped, files=counts)


def calibrate(
    folder: str | os.PathLike[str],
    pack: RulePack | str,
    target_precision: float = 0.95,
    *,
    store: Store | None = None,
    bank: ReferenceBank | None = None,
    embedder: ClipEmbedder | None = None,
    out: str | os.PathLike[str] | None = None,
    on_progress: ProgressFn | None = None,
) -> RulePack:
    """``calibrate_folder`` and write the new pack (default ``$STUDIO_HOME/packs/<name>.yaml``); returns it."""
    from studio.compliance.rules import user_packs_dir, write_pack

    result = calibrate_folder(
        folder, pack, store=store, bank=bank, embedder=embedder, precision=target_precision,
        on_progress=on_progress,
    )  # fmt: skip
    target = Path(out) if out else user_packs_dir(create=True) / f"{result.pack.name}.yaml"
    write_pack(result.pack, target)
    return result.pack


def _fields(rule: Rule) -> list[str]:
    if rule.detector == "clip_concept":
        return ["threshold"]
    return [name for name in ("pdq_max_distance", "phash_max_distance", "clip_threshold")
            if getattr(rule, name) is not None]  # fmt: skip


def _probe(rule: Rule, name: str, loosest: float) -> Rule:
    """A copy of ``rule`` that only uses the threshold ``name``, set to its loosest value."""
    if rule.detector == "clip_concept":
        return replace(rule, id=f"{rule.id}--{name}", threshold=loosest)
    values = {"pdq_max_distance": None, "phash_max_distance": None, "clip_threshold": None}
    values[name] = int(loosest) if name != "clip_threshold" else loosest
    return replace(rule, id=f"{rule.id}--{name}", **values)


def _labelled_files(folder: Path, pack: RulePack) -> tuple[dict[str, list[Path]], list[Path]]:
    if not folder.is_dir():
        raise InputError(
            f"The calibration folder {folder} does not exist.", "Give a folder with positive/ and negative/."
        )
    pos_dir, neg_dir = folder / "positive", folder / "negative"
    if not pos_dir.is_dir() or not neg_dir.is_dir():
        raise InputError(
            f"The calibration folder {folder} needs positive/<rule-id>/ and negative/ sub-folders.",
            "Put files each rule must flag in positive/<rule-id>/ and files nothing may flag in negative/.",
        )
    known = {r.id for r in pack.rules}
    positives: dict[str, list[Path]] = {}
    for sub in sorted(p for p in pos_dir.iterdir() if p.is_dir()):
        if sub.name not in known:
            raise InputError(
                f"positive/{sub.name}/ in {folder} names no rule of the pack {pack.name!r}.",
                f"Its rules are: {', '.join(sorted(known))}.",
            )
        media = _media(sub)
        if media:
            positives[sub.name] = media
    negatives = _media(neg_dir)
    if not positives:
        raise InputError(f"No positive examples under {pos_dir}.", "Add images under positive/<rule-id>/.")
    if not negatives:
        raise InputError(
            f"No negative examples under {neg_dir}.", "Add images no rule may flag under negative/."
        )
    return positives, negatives


def _media(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
