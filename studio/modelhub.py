"""Known model weights: where they come from, where they live locally, and how to get them.

The registry is the model list of ``studio/compliance/licences.yaml`` (video models and CLIP weights, each with
its Hugging Face hub id and licence), so that a model cannot be offered without its licence terms. Weights live
under ``$STUDIO_HOME/models``:

* video models: ``models/video/<id>/`` (a diffusers folder with ``model_index.json``, or the single checkpoint
  files listed in the registry);
* CLIP: the file ``clip_weights_path(model, pretrained)`` of ``studio.compliance.embed`` (safetensors only).

``pull`` downloads with ``huggingface_hub`` (the only code here that touches the network). ``resolve`` turns a
registry id or a local folder into a path, with a clear message saying how to get missing weights.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from studio.compliance.licences import Licence, ModelEntry, load_registry
from studio.errors import DependencyError, InputError, ModelError
from studio.progress import ProgressFn, null_progress

CLIP_WEIGHTS_FILE = (
    "open_clip_model.safetensors"  # open_clip's safetensors name on the hub; never the .bin pickle
)


@dataclass(frozen=True)
class ModelStatus:
    entry: ModelEntry
    licence: Licence
    path: Path  # where the weights are (or would be) on this machine
    present: bool

    def to_json(self) -> dict:
        return {
            "id": self.entry.id,
            "name": self.entry.name,
            "kind": self.entry.kind,
            "hub_id": self.entry.hub_id,
            "files": list(self.entry.files),
            "licence": self.licence.id,
            "licence_name": self.licence.name,
            "commercial_use": self.licence.commercial_use,
            "revenue_cap_usd": self.licence.revenue_cap_usd,
            "excluded_territories": list(self.licence.excluded_territories),
            "disclosure": self.licence.disclosure,
            "path": str(self.path),
            "present": self.present,
        }


def models_dir() -> Path:
    from studio.settings import studio_home

    return studio_home() / "models"


def clip_path(model: str, pretrained: str) -> Path:
    """Where the CLIP weights ``model``/``pretrained`` live: ``studio.compliance.embed.clip_weights_path``.

    Without the embed module (a partial install) the same documented layout is used:
    ``$STUDIO_HOME/models/clip/<model>/<pretrained>/open_clip_model.safetensors``.
    """
    try:
        from studio.compliance.embed import clip_weights_path
    except ImportError:
        return models_dir() / "clip" / model / pretrained / CLIP_WEIGHTS_FILE
    return Path(clip_weights_path(model, pretrained))


def model_path(entry: ModelEntry) -> Path:
    if entry.kind == "clip":
        if entry.open_clip is None:
            raise InputError(f"The CLIP entry {entry.id!r} has no open_clip (model, pretrained) pair.")
        return clip_path(*entry.open_clip)
    return models_dir() / entry.kind / entry.id


def is_present(entry: ModelEntry, path: Path | None = None) -> bool:
    """Whether complete weights for ``entry`` are on disk (a diffusers folder, the listed files, the CLIP file)."""
    path = path or model_path(entry)
    if entry.kind == "clip":
        return path.is_file() and path.stat().st_size > 0
    if not path.is_dir():
        return False
    if entry.files:
        return all((path / name).is_file() and (path / name).stat().st_size > 0 for name in entry.files)
    return (path / "model_index.json").is_file()


def default_clip() -> tuple[str, str]:
    """The (model, pretrained tag) screening uses by default (``studio.compliance.embed``)."""
    try:
        from studio.compliance.embed import DEFAULT_MODEL, DEFAULT_PRETRAINED
    except ImportError:
        return "ViT-B-32", "laion2b_s34b_b79k"
    return DEFAULT_MODEL, DEFAULT_PRETRAINED


def get_entry(model_id: str) -> ModelEntry:
    """The registry entry of ``model_id``; ``"clip"`` names the default CLIP weights of the screen."""
    registry = load_registry()
    if model_id == "clip":
        wanted = default_clip()
        entry = next((m for m in registry.models.values() if m.open_clip == wanted), None)
        if entry is None:
            raise InputError(f"The default CLIP weights {wanted} are not in the model registry.")
        return entry
    entry = registry.models.get(model_id)
    if entry is None:
        raise InputError(
            f"Unknown model {model_id!r}.",
            f"Known models: {', '.join(sorted(registry.models))} (see `studio models list`).",
        )
    return entry


def list_models(kind: str | None = None) -> list[ModelStatus]:
    """Every registry model (optionally of one ``kind``: video, clip) with its licence and local status."""
    registry = load_registry()
    out = []
    for entry in registry.models.values():
        if kind and entry.kind != kind:
            continue
        path = model_path(entry)
        out.append(ModelStatus(entry, registry.licences[entry.licence], path, is_present(entry, path)))
    return out


def resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """A local folder (or file) as given, or the local weights of a registry id.

    Raises ``ModelError`` saying how to get them (``studio models pull ID``) when a known model is not local, and
    ``InputError`` for a name that is neither a path nor a registry id.
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.exists():
        if candidate.is_dir() and not any(candidate.iterdir()):
            raise ModelError(f"The model folder {candidate} is empty.", "Point at a folder with the weights.")
        return candidate
    entry = get_entry(str(name_or_path))
    path = model_path(entry)
    if not is_present(entry, path):
        raise ModelError(
            f"The weights of {entry.name} ({entry.id}) are not on this machine (looked in {path}).",
            f"Run `studio models pull {entry.id}` on a machine with internet access, or copy the files from"
            f" https://huggingface.co/{entry.hub_id} into {path}.",
        )
    return path


def pull(model_id: str, *, token: str | None = None, on_progress: ProgressFn | None = None) -> Path:
    """Download ``model_id`` from the Hugging Face Hub into ``$STUDIO_HOME/models``; returns the local path.

    Only safetensors weights are fetched for CLIP. Raises ``ModelError`` when the hub cannot be reached (offline,
    a gated repository without a token, a missing file) and leaves no partial download under the final path.
    """
    report = on_progress or null_progress
    entry = get_entry(model_id)
    path = model_path(entry)
    if is_present(entry, path):
        report(1.0, "already present")
        return path
    try:
        import huggingface_hub
        from huggingface_hub.utils import HfHubHTTPError
    except ImportError as exc:  # pragma: no cover - a dependency of diffusers
        raise DependencyError("huggingface_hub is not installed.", "pip install huggingface_hub") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    report(0.0, f"downloading {entry.hub_id}")
    try:
        if entry.kind == "clip":
            staging.mkdir(parents=True, exist_ok=True)
            file = huggingface_hub.hf_hub_download(
                repo_id=entry.hub_id, filename=CLIP_WEIGHTS_FILE, local_dir=staging, token=token
            )
            os.replace(file, path)
        else:
            huggingface_hub.snapshot_download(
                repo_id=entry.hub_id,
                local_dir=staging,
                allow_patterns=list(entry.files) + ["*.json", "*.txt", "*.model"] if entry.files else None,
                ignore_patterns=[
                    "*.bin",
                    "*.pt",
                    "*.pth",
                    "*.ckpt",
                    "*.pkl",
                ],  # safetensors only: never pickles
                token=token,
            )
            if path.exists():
                shutil.rmtree(path)
            os.replace(staging, path)
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise ModelError(
            f"Could not download {entry.name} ({entry.hub_id}) from the Hugging Face Hub:"
            f" {type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
            f"Check the network (and HF_TOKEN for gated models), or copy the weights into {path} by hand.",
        ) from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if not is_present(entry, path):
        raise ModelError(
            f"The download of {entry.id} finished but {path} is incomplete.", "Run the pull again."
        )
    report(1.0, "done")
    return path
