"""Where a visible "AI-generated" label is required: by a model's licence (``licences.yaml``, ``disclosure:
label``), by the platform the output is made for, or by the territory it runs in (``disclosure.yaml``).

``label_requirements`` gives the reasons (empty: no duty found); the export gate draws the label when there is
one, whatever the user asked, and records the reasons in the report (``gate.ai-label``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _EntryDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    visible_label: bool
    reason: str = Field(min_length=1)
    source: str | None = None


class _DisclosureDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    verified_against_primary_texts: bool = False
    platforms: list[_EntryDoc] = Field(default_factory=list)
    territories: list[_EntryDoc] = Field(default_factory=list)


@dataclass(frozen=True)
class LabelRule:
    id: str  # a platform preset name (studio.video.presets) or a territory code
    reason: str
    source: str | None = None


@dataclass(frozen=True)
class DisclosureRules:
    platforms: dict[str, LabelRule]
    territories: dict[str, LabelRule]
    verified: bool = False


def disclosure_path() -> Path:
    return Path(__file__).resolve().parent / "disclosure.yaml"


def load_disclosure(path: str | os.PathLike[str] | None = None) -> DisclosureRules:
    """Read ``disclosure.yaml`` (``ConfigError`` naming the file when it is malformed)."""
    from studio.compliance.licences import _config_error, _read_yaml, normalise_territory

    target = Path(path) if path else disclosure_path()
    try:
        doc = _DisclosureDoc.model_validate(_read_yaml(target, "disclosure rules"))
    except ValidationError as exc:
        raise _config_error(target, "disclosure rules", exc) from exc

    def rules(entries: list[_EntryDoc], key) -> dict[str, LabelRule]:
        return {
            key(e.id): LabelRule(key(e.id), e.reason.strip(), e.source) for e in entries if e.visible_label
        }

    return DisclosureRules(
        platforms=rules(doc.platforms, lambda s: s.strip().lower()),
        territories=rules(doc.territories, normalise_territory),
        verified=doc.verified_against_primary_texts,
    )


def label_requirements(
    models: tuple[str, ...] | list[str],
    *,
    platform: str | None,
    territory: str,
    ai_generated: bool,
    rules: DisclosureRules | None = None,
) -> list[str]:
    """Why this output must carry a visible AI label (one readable reason each; empty: no duty found).

    ``models``: the model ids or engine names used; ``ai_generated``: whether the output contains AI-generated
    pictures at all (no AI, no label duty)."""
    from studio.compliance.licences import label_duties, normalise_territory

    if not ai_generated and not models:
        return []
    reasons = [f"the licence of {duty} asks for a visible AI label" for duty in label_duties(models)]
    loaded = rules or load_disclosure()
    if platform and platform.strip().lower() in loaded.platforms:
        rule = loaded.platforms[platform.strip().lower()]
        reasons.append(f"the platform {rule.id}: {rule.reason}")
    code = normalise_territory(territory)
    if code in loaded.territories:
        rule = loaded.territories[code]
        reasons.append(f"the territory {rule.id}: {rule.reason}")
    return reasons
