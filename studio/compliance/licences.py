"""Licence rules: may this render ship, given the model weights and bundled assets it used?

Three registries, all data, each fact in one place:

* ``studio/compliance/licences.yaml``: licence terms (commercial use, revenue cap, excluded territories,
  disclosure duty), and the model weights studio knows but does not drive (other video models, CLIP), each
  pointing at a licence;
* the AI video engines (``studio.video.engines``): each engine's checkpoint names its licence id and where the
  licence text of those weights is published. ``load_registry`` adds them to the models, so an engine's licence
  is read from the engine registry only (listing an engine's checkpoint in licences.yaml too is a
  ``ConfigError``), and an engine name as an ad records it (``ltx-video``) resolves to its checkpoint;
* ``assets/manifest.yaml`` (the bundled fonts, music, images): each asset with its licence id and
  ``commercial_use``.

``check_licences`` turns the declared use (an ad is commercial; the company's annual revenue in USD; the
territory it runs in) into findings: ``block`` when a licence forbids the use, ``review`` when it cannot be
decided (an unknown model or asset, an undeclared revenue where a licence has a cap, a labelling duty that the
render does not meet). The entries are summaries that must be verified against the primary licence texts; the
file says so and ``Registry.verified`` carries it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from studio.compliance.findings import Finding
from studio.errors import ConfigError, InputError

# ISO 3166 alpha-2 codes of the EU member states, so that a licence excluding "EU" excludes each of them.
EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "HU",
    ]
)
_TERRITORY_ALIASES = {"GB": "UK", "EL": "GR"}


class _LicenceDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    url: str | None = None
    commercial_use: bool
    revenue_cap_usd: float | None = Field(default=None, gt=0)
    excluded_territories: list[str] = Field(default_factory=list)
    disclosure: Literal["none", "label", "attribution"] = "none"
    requires_registration: bool = False
    notes: str = ""


class _ModelDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    kind: Literal["video", "clip", "image"]
    hub_id: str
    files: list[str] = Field(default_factory=list)
    open_clip: tuple[str, str] | None = None  # (model name, pretrained tag) for CLIP weights
    licence: str
    notes: str = ""


class _RegistryDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    verified_against_primary_texts: bool = False
    licences: list[_LicenceDoc]
    models: list[_ModelDoc]

    @model_validator(mode="after")
    def _links(self) -> _RegistryDoc:
        ids = [lic.id for lic in self.licences]
        if len(set(ids)) != len(ids):
            raise ValueError("a licence id is listed twice")
        model_ids = [m.id for m in self.models]
        if len(set(model_ids)) != len(model_ids):
            raise ValueError("a model id is listed twice")
        missing = sorted({m.licence for m in self.models} - set(ids))
        if missing:
            raise ValueError(f"models refer to licences that are not listed: {missing}")
        return self


class _AssetDoc(BaseModel):
    # The assets manifest belongs to the assets module; only the fields the licence check needs are required.
    model_config = ConfigDict(extra="ignore")

    id: str
    licence: str
    commercial_use: bool
    path: str | None = None
    kind: str | None = None
    source: str | None = None


class _AssetsManifestDoc(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = 1
    assets: list[_AssetDoc] = Field(default_factory=list)


@dataclass(frozen=True)
class Licence:
    id: str
    name: str
    commercial_use: bool
    url: str | None = None
    revenue_cap_usd: float | None = None  # commercial use only below this annual revenue (USD)
    excluded_territories: tuple[str, ...] = ()  # ISO codes, "EU" for every member state, "UK"
    disclosure: str = "none"  # none | label (outputs must be labelled AI-generated) | attribution
    requires_registration: bool = False
    notes: str = ""

    def excludes(self, territory: str) -> bool:
        code = normalise_territory(territory)
        for excluded in self.excluded_territories:
            if code == excluded or (excluded == "EU" and code in EU_MEMBERS):
                return True
        return False


@dataclass(frozen=True)
class ModelEntry:
    id: str
    name: str
    kind: str  # video | clip | image
    hub_id: str
    licence: str
    files: tuple[str, ...] = ()
    open_clip: tuple[str, str] | None = None
    notes: str = ""
    engine: str | None = None  # the AI video engine (studio.video.engines) whose checkpoint this is
    licence_source: str | None = None  # where the licence text of these weights is published (engines)


@dataclass(frozen=True)
class AssetEntry:
    id: str
    licence: str
    commercial_use: bool
    path: str | None = None
    kind: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Registry:
    version: int
    verified: bool
    licences: dict[str, Licence]
    models: dict[str, ModelEntry]
    assets: dict[str, AssetEntry]
    aliases: dict[str, str] = field(default_factory=dict)  # engine name -> its checkpoint's model id

    def resolve(self, name: str) -> ModelEntry | None:
        """The entry of a model id or an engine name (``ltx-video`` -> ``ltx-video-0.9.6-distilled``); None
        when neither."""
        key = name.strip()
        return self.models.get(key) or self.models.get(self.aliases.get(key, ""))

    def licence_of_model(self, model_id: str) -> Licence:
        entry = self.resolve(model_id)
        if entry is None:
            raise KeyError(model_id)
        return self.licences[entry.licence]


def normalise_territory(territory: str) -> str:
    code = territory.strip().upper()
    if not code or not code.replace("-", "").isalpha():
        raise InputError(
            f"{territory!r} is not a territory code.", "Use an ISO 3166 code such as TW, US, DE, UK."
        )
    return _TERRITORY_ALIASES.get(code, code)


def registry_path() -> Path:
    return Path(__file__).resolve().parent / "licences.yaml"


def assets_manifest_path() -> Path:
    from studio.settings import assets_dir

    return assets_dir() / "manifest.yaml"


def _read_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: malformed YAML in the {what}: {exc.problem}.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the {what} {path}: {exc}.") from exc


def _config_error(path: Path, what: str, exc: ValidationError) -> ConfigError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return ConfigError(f"{path}: invalid {what}: {where}: {first['msg']}.", f"Fix {path.name}.")


def load_registry(
    path: str | os.PathLike[str] | None = None,
    assets_manifest: str | os.PathLike[str] | None = None,
    *,
    engines: Any = None,
) -> Registry:
    """Read the licence registry, add the AI video engines' checkpoints (``engines``: name -> ``Engine``,
    default ``studio.video.engines.ENGINES``) and read the bundled assets manifest (missing: no known assets).

    ``ConfigError`` when an engine's checkpoint is listed in the YAML too (two copies of one licence fact) or an
    engine names a licence the YAML does not define."""
    reg_path = Path(path) if path else registry_path()
    data = _read_yaml(reg_path, "licence registry")
    try:
        doc = _RegistryDoc.model_validate(data)
    except ValidationError as exc:
        raise _config_error(reg_path, "licence registry", exc) from exc
    licences = {
        lic.id: Licence(
            id=lic.id,
            name=lic.name,
            commercial_use=lic.commercial_use,
            url=lic.url,
            revenue_cap_usd=lic.revenue_cap_usd,
            excluded_territories=tuple(normalise_territory(t) for t in lic.excluded_territories),
            disclosure=lic.disclosure,
            requires_registration=lic.requires_registration,
            notes=lic.notes,
        )
        for lic in doc.licences
    }
    models = {
        m.id: ModelEntry(
            id=m.id,
            name=m.name,
            kind=m.kind,
            hub_id=m.hub_id,
            licence=m.licence,
            files=tuple(m.files),
            open_clip=tuple(m.open_clip) if m.open_clip else None,
            notes=m.notes,
        )
        for m in doc.models
    }
    aliases: dict[str, str] = {}
    if engines is None:
        from studio.video.engines import ENGINES as engines
    for engine in engines.values():
        if engine.model_id in models:
            raise ConfigError(
                f"{reg_path}: the model {engine.model_id!r} is listed here and is the checkpoint of the video"
                f" engine {engine.name!r}; the engine registry (studio/video/engines) is the source of its licence.",
                f"Remove {engine.model_id!r} from {reg_path.name}.",
            )
        if engine.licence not in licences:
            raise ConfigError(
                f"The video engine {engine.name!r} names the licence {engine.licence!r}, which {reg_path.name}"
                " does not define.",
                f"Add the licence's terms to {reg_path.name} or fix the engine's licence id.",
            )
        models[engine.model_id] = ModelEntry(
            id=engine.model_id,
            name=engine.title,
            kind="video",
            hub_id=engine.repo_id,
            licence=engine.licence,
            files=(engine.weight_file,) if engine.weight_file else (),
            engine=engine.name,
            licence_source=engine.licence_source,
        )
        aliases[engine.name] = engine.model_id
    manifest_path = Path(assets_manifest) if assets_manifest else assets_manifest_path()
    assets: dict[str, AssetEntry] = {}
    if manifest_path.is_file():
        raw = _read_yaml(manifest_path, "assets manifest") or {}
        try:
            manifest = _AssetsManifestDoc.model_validate(raw)
        except ValidationError as exc:
            raise _config_error(manifest_path, "assets manifest", exc) from exc
        for a in manifest.assets:
            assets[a.id] = AssetEntry(a.id, a.licence, a.commercial_use, a.path, a.kind, a.source)
    return Registry(doc.version, doc.verified_against_primary_texts, licences, models, assets, aliases)


def _licence_key(name: str) -> str:
    return name.strip().lower()


def check_licences(
    models: tuple[str, ...] | list[str],
    assets: tuple[str, ...] | list[str],
    revenue_usd: float | None,
    territory: str,
    *,
    visible_label: bool | None = None,
    registry: Registry | None = None,
) -> list[Finding]:
    """Findings for a commercial render that used ``models`` (registry ids or AI video engine names, as an ad
    records them) and bundled ``assets`` (manifest ids). A name that resolves to neither is a review.

    ``revenue_usd``: the company's annual revenue in USD (None: not declared). ``territory``: where the ad runs
    (ISO code). ``visible_label``: whether the output carries a visible "AI-generated" label (None: unknown, the
    labelling duty is then reported as a warning).
    """
    if revenue_usd is not None and revenue_usd < 0:
        raise InputError(f"The company revenue must be zero or more, not {revenue_usd}.", "Give annual USD.")
    code = normalise_territory(territory)
    reg = registry or load_registry()
    findings: list[Finding] = []
    for model_id in dict.fromkeys(models):
        entry = reg.resolve(model_id)
        if entry is None:
            findings.append(
                Finding(
                    rule="licence.unknown-model",
                    action="review",
                    detector="licence",
                    score=1.0,
                    threshold=1.0,
                    message=f"The model {model_id!r} is not in the licence registry, so its licence is unknown.",
                    reference=model_id,
                    suggestion="Add it to studio/compliance/licences.yaml (or, for an AI video engine, to"
                    " studio/video/engines) with its licence, or use a listed model.",
                )
            )
            continue
        findings.extend(
            _terms_findings(
                reg.licences[entry.licence],
                f"model {entry.name} ({model_id})",
                model_id,
                revenue_usd,
                code,
                visible_label,
                source=entry.licence_source,
            )
        )
    for asset_id in dict.fromkeys(assets):
        asset = reg.assets.get(asset_id)
        if asset is None and asset_id.startswith("asset:"):
            # a file shipped in assets/ but missing from its manifest: the project vetted what it bundles, so the
            # gap is a packaging warning, not a reason to hold every ad for review
            findings.append(
                Finding(
                    rule="licence.unlisted-bundled-asset",
                    action="warn",
                    detector="licence",
                    score=1.0,
                    threshold=1.0,
                    message=f"The bundled file {asset_id.removeprefix('asset:')} is not listed in assets/manifest.yaml"
                    " with its licence.",
                    reference=asset_id,
                    suggestion="Add it to assets/manifest.yaml (id, path, licence, commercial_use).",
                )
            )
            continue
        if asset is None:
            findings.append(
                Finding(
                    rule="licence.unknown-asset",
                    action="review",
                    detector="licence",
                    score=1.0,
                    threshold=1.0,
                    message=f"The asset {asset_id!r} is not in assets/manifest.yaml, so its licence is unknown.",
                    reference=asset_id,
                )
            )
            continue
        if not asset.commercial_use:
            findings.append(
                Finding(
                    rule="licence.non-commercial",
                    action="block",
                    detector="licence",
                    score=1.0,
                    threshold=1.0,
                    message=f"The asset {asset_id!r} is licensed {asset.licence}, which does not allow commercial"
                    " use; an ad is commercial use.",
                    reference=asset_id,
                    suggestion="Replace the asset with one whose licence allows commercial use.",
                    legal=asset.licence,
                )
            )
            continue
        terms = reg.licences.get(_licence_key(asset.licence))
        if terms is not None:
            findings.extend(
                _terms_findings(terms, f"asset {asset_id}", asset_id, revenue_usd, code, visible_label)
            )
    return findings


def _terms_findings(
    lic: Licence,
    label: str,
    ref: str,
    revenue_usd: float | None,
    territory: str,
    visible_label: bool | None,
    *,
    source: str | None = None,
) -> list[Finding]:
    legal = lic.name + (f"; licence text: {source}" if source else (f" <{lic.url}>" if lic.url else ""))

    def finding(
        rule: str,
        action: str,
        message: str,
        score: float = 1.0,
        threshold: float = 1.0,
        suggestion: str | None = None,
    ) -> Finding:
        return Finding(
            rule,
            action,
            "licence",
            float(score),
            float(threshold),
            message,
            reference=ref,
            suggestion=suggestion,
            legal=legal,
        )

    if not lic.commercial_use:
        extra = " unless you have registered for a commercial licence" if lic.requires_registration else ""
        return [
            finding(
                "licence.non-commercial",
                "block",
                f"The {label} is under the {lic.name}, which does not allow commercial use{extra}; an ad is"
                " commercial use.",
                suggestion="Use a model whose licence allows commercial use (e.g. Wan 2.1/2.2, Apache-2.0).",
            )
        ]
    out: list[Finding] = []
    if lic.excludes(territory):
        out.append(
            finding(
                "licence.territory",
                "block",
                f"The {label} is under the {lic.name}, which is not licensed in {territory}"
                f" (excluded: {', '.join(lic.excluded_territories)}).",
                suggestion="Use another model for ads that run there.",
            )
        )
    if lic.revenue_cap_usd is not None:
        if revenue_usd is None:
            out.append(
                finding(
                    "licence.revenue-undeclared",
                    "review",
                    f"The {label} is under the {lic.name}, which allows commercial use only below USD"
                    f" {lic.revenue_cap_usd:,.0f} annual revenue; the company revenue was not declared.",
                    score=0.0,
                    threshold=lic.revenue_cap_usd,
                    suggestion="Declare the company's annual revenue (--revenue-usd).",
                )
            )
        elif revenue_usd >= lic.revenue_cap_usd:
            out.append(
                finding(
                    "licence.revenue-cap",
                    "block",
                    f"The {label} is under the {lic.name}: free commercial use ends at USD"
                    f" {lic.revenue_cap_usd:,.0f} annual revenue, and the company declares USD {revenue_usd:,.0f}.",
                    score=revenue_usd,
                    threshold=lic.revenue_cap_usd,
                    suggestion="Get a commercial licence from the rights holder, or use an Apache-2.0 model.",
                )
            )
    if lic.disclosure == "label" and visible_label is not True:
        out.append(
            finding(
                "licence.disclosure",
                "review" if visible_label is False else "warn",
                f"The {lic.name} of the {label} asks for outputs to be labelled as AI-generated; "
                + ("the render has no visible label." if visible_label is False else "check the label."),
                suggestion="Turn on the visible AI label (the C2PA manifest is added in any case).",
            )
        )
    if lic.disclosure == "attribution":
        out.append(
            finding(
                "licence.attribution",
                "warn",
                f"The {label} is under the {lic.name}, which requires attribution: credit the author.",
            )
        )
    return out


def assets_for_paths(
    paths: list[Path] | tuple[Path, ...], registry: Registry | None = None
) -> tuple[str, ...]:
    """Asset ids of the files in ``paths`` that are bundled assets (under ``assets/``).

    A bundled file listed in the manifest gives its id; a bundled file missing from the manifest gives
    ``"asset:<relative path>"`` (an unknown asset, reported for review). Files outside ``assets/`` are the user's
    own and are not in the registry.
    """
    from studio.settings import assets_dir

    root = assets_dir().resolve()
    reg = registry or load_registry()
    by_path = {(root / a.path).resolve(): a.id for a in reg.assets.values() if a.path}
    out: list[str] = []
    for path in paths:
        resolved = Path(path).resolve()
        if root not in resolved.parents:
            continue
        out.append(by_path.get(resolved, f"asset:{resolved.relative_to(root).as_posix()}"))
    return tuple(dict.fromkeys(out))


def label_duties(models: tuple[str, ...] | list[str], registry: Registry | None = None) -> list[str]:
    """The ``models`` (ids or engine names) whose licence asks for outputs to be labelled AI-generated, each as
    ``"name (licence)"``. Unknown names are not listed here (``check_licences`` reviews them)."""
    reg = registry or load_registry()
    out = []
    for name in dict.fromkeys(models):
        entry = reg.resolve(name)
        if entry is not None and reg.licences[entry.licence].disclosure == "label":
            out.append(f"{name} ({reg.licences[entry.licence].name})")
    return out
