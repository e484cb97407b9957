"""AI clips in an output: what their sidecars record, and what the export gate finds in those records.

An AI motion clip (``studio.video.ai_clip``) is written with a sidecar JSON next to it: engine, model, licence,
task, prompt, seed, settings and, for a product-faithful photo clip, its **product fidelity** measured in the
decoded MP4 (``studio.video.ai_faithful.product_fidelity``: luma PSNR, SSIM, colour shift, the threshold). An ad
that cuts such clips in records their sidecars (``timeline.meta["ai_clips"]``); a standalone clip is its own.

``read_clip_record`` reads one sidecar into an ``AIClipRecord`` and never raises: a missing or unreadable sidecar
is a record with ``error`` set. ``clip_findings`` turns records into findings, failing closed:

* ``ai.clip-record-missing`` (review): the sidecar is missing or unreadable, so neither the model (its licence)
  nor the product's fidelity is known;
* ``ai.fidelity-unmeasured`` (review): a product-faithful clip whose fidelity is missing or unmeasurable;
* ``ai.product-fidelity`` (review): the worst frame's product fidelity (luma PSNR) is below the threshold (the
  higher of the recorded one and ``FIDELITY_MIN_PSNR``), or the record says it did not pass;
* ``ai.product-redrawn`` (warn): a photo clip made without faithful mode: the model redrew the product.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.compliance.findings import Finding

# The project's floor for product fidelity (dB, luma PSNR over the product region of the decoded clip). Kept
# equal to studio.video.ai_faithful.FIDELITY_MIN_PSNR (a test checks it); a clip recording a lower threshold is
# still judged against this one.
FIDELITY_MIN_PSNR = 35.0
DETECTOR = "ai_clip"


@dataclass(frozen=True)
class AIClipRecord:
    """One AI clip as its sidecar describes it (``error``: why the sidecar could not be read)."""

    path: str  # the sidecar's path as recorded (a name, not a folder of this machine, in reports)
    engine: str | None = None  # the engine registry name, e.g. "wan2.2-ti2v-5b"
    model: str | None = None  # the weights: a hub repo id or "local:<folder name>"
    task: str | None = None  # "i2v" | "t2v" | "vace"
    faithful: bool = False  # the product's own pixels composited back (product-faithful mode)
    fidelity: dict[str, Any] | None = field(default=None, compare=False)
    error: str | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name

    def summary(self) -> dict[str, Any]:
        """What goes into the C2PA assertion and the quarantine context."""
        fidelity = self.fidelity or {}
        return {
            "sidecar": self.name,
            "engine": self.engine,
            "model": self.model,
            "task": self.task,
            "faithful": self.faithful,
            "fidelity_psnr_db_min": fidelity.get("psnr_db_min"),
            "fidelity_threshold_db": fidelity.get("threshold_psnr_db"),
            "error": self.error,
        }


def read_clip_record(path: str | os.PathLike[str]) -> AIClipRecord:
    """The record of the sidecar at ``path`` (a clip's ``.json``; a clip's ``.mp4`` path names its sidecar)."""
    target = Path(path)
    if target.suffix.lower() == ".mp4":
        target = target.with_name(target.stem + ".json")
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AIClipRecord(str(target), error="the sidecar does not exist")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return AIClipRecord(str(target), error=f"the sidecar cannot be read ({type(exc).__name__}: {exc})")
    if not isinstance(data, dict) or not isinstance(data.get("engine"), str) or not data["engine"]:
        return AIClipRecord(str(target), error="the sidecar does not name the clip's engine")
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    fidelity = data.get("fidelity")
    return AIClipRecord(
        path=str(target),
        engine=data["engine"],
        model=str(data["model"]) if data.get("model") is not None else None,
        task=str(data["task"]) if data.get("task") is not None else None,
        faithful=bool(settings.get("faithful")),
        fidelity=fidelity if isinstance(fidelity, dict) else None,
    )


def clip_records(value: Any) -> tuple[AIClipRecord, ...]:
    """Records of the sidecars ``value`` names: a list of paths, or a string (a JSON list, or one path per
    line), as a render records them in ``timeline.meta["ai_clips"]``. Empty or None: no AI clips."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return (AIClipRecord(text[:200], error="the list of AI clips is not valid JSON"),)
        else:
            value = [line for line in text.splitlines() if line.strip()]
    if isinstance(value, (str, os.PathLike)):
        value = [value]
    if not isinstance(value, Iterable):
        return (AIClipRecord(repr(value)[:200], error="the list of AI clips is not a list of paths"),)
    return tuple(read_clip_record(p) for p in value)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def clip_findings(records: Iterable[AIClipRecord]) -> list[Finding]:
    """The findings of ``records`` (see the module docstring)."""
    findings: list[Finding] = []
    for record in records:
        ref = record.name
        if record.error is not None:
            findings.append(
                Finding(
                    rule="ai.clip-record-missing",
                    action="review",
                    detector=DETECTOR,
                    score=1.0,
                    threshold=1.0,
                    message=f"The AI clip record {ref} is missing or unreadable ({record.error}): the clip's model,"
                    " licence and product fidelity are unknown.",
                    reference=ref,
                    suggestion="Render the AI clip again so that its sidecar JSON is written next to it.",
                )
            )
            continue
        if record.task in ("i2v", "vace") and not record.faithful:
            findings.append(
                Finding(
                    rule="ai.product-redrawn",
                    action="warn",
                    detector=DETECTOR,
                    score=1.0,
                    threshold=1.0,
                    message=f"The AI clip {ref} ({record.engine}) was made without product-faithful mode: the model"
                    " redrew the product, so its logo, label text and colours may have changed.",
                    reference=ref,
                    suggestion="Check the product in every frame, or make the clip in faithful mode.",
                )
            )
        if not record.faithful:
            continue
        fidelity = record.fidelity or {}
        measured = _number(fidelity.get("psnr_db_min"))
        recorded = _number(fidelity.get("threshold_psnr_db"))
        threshold = max(FIDELITY_MIN_PSNR, recorded if recorded is not None else FIDELITY_MIN_PSNR)
        if measured is None:
            why = fidelity.get("error") or (
                "no fidelity was recorded" if not fidelity else "no PSNR was recorded"
            )
            findings.append(
                Finding(
                    rule="ai.fidelity-unmeasured",
                    action="review",
                    detector=DETECTOR,
                    score=0.0,
                    threshold=threshold,
                    message=f"The product-faithful AI clip {ref} ({record.engine}) has no measured product fidelity"
                    f" ({why}); the threshold is {threshold:g} dB: a person must check the product.",
                    reference=ref,
                    suggestion="Render the clip again (its fidelity is measured in the decoded MP4).",
                )
            )
            continue
        if measured < threshold or fidelity.get("passed") is False:
            ssim = _number(fidelity.get("ssim_min"))
            findings.append(
                Finding(
                    rule="ai.product-fidelity",
                    action="review",
                    detector=DETECTOR,
                    score=measured,
                    threshold=threshold,
                    message=f"The AI clip {ref} ({record.engine}) keeps the product at {measured:.2f} dB (luma PSNR"
                    f" of the product region, worst frame{f', SSIM {ssim:.3f}' if ssim is not None else ''}),"
                    f" below the {threshold:g} dB threshold: the product may look different from the photo.",
                    reference=ref,
                    suggestion="Check the product in the clip, or make it again with a static move or another seed.",
                )
            )
    return findings
