"""Known model weights: where they come from, where they live locally, and how to get them.

The registry is the model list of ``studio/compliance/licences.yaml`` (video models and CLIP weights, each with
its Hugging Face hub id and licence), so that a model cannot be offered without its licence terms. Weights live
under ``$STUDIO_HOME/models``:

* video models: ``models/video/<id>/`` (a diffusers folder with ``model_index.json``, or the single checkpoint
  files listed in the registry; an engine's single-file checkpoint with a ``config_repo`` is converted into a
  diffusers folder by ``pull``, see ``convert_single_file``);
* CLIP: the file ``clip_weights_path(model, pretrained)`` of ``studio.compliance.embed`` (safetensors only).

``pull`` downloads from a ``Hub``: the Hugging Face Hub through ``huggingface_hub`` (the only code here that touches
the network; ``HF_HUB_OFFLINE`` respected) or a ``LocalHub`` folder laid out like it (a mirror; the tests' stand-in):
safetensors only, a free-disk check first, progress in bytes, resume after an interruption, a SHA-256 manifest
that ``verify`` checks. ``remove`` deletes local weights. ``resolve`` turns a registry id, an engine name or a local
folder into a path, with a clear message saying how to get missing weights. Engine names (``studio video
engines``) are accepted wherever a registry id is.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from studio.cancel import CancelToken, check
from studio.compliance.licences import Licence, ModelEntry, load_registry
from studio.errors import Cancelled, DependencyError, InputError, ModelError
from studio.fsutil import sha256_file
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
    engine = converted_engine(entry)
    if engine is not None:  # converted into a diffusers folder: the single file itself is not kept
        return (path / "model_index.json").is_file() and all(
            (path / part / "config.json").is_file() and any((path / part).glob("*.safetensors"))
            for part in engine.single_file_components
        )
    if entry.files:
        return all((path / name).is_file() and (path / name).stat().st_size > 0 for name in entry.files)
    return (path / "model_index.json").is_file()


def converted_engine(entry: ModelEntry):
    """The video engine (``studio.video.engines.Engine``) whose single-file checkpoint ``pull`` converts into a
    diffusers folder for ``entry`` (it names a ``config_repo``), or None: the entry's files are kept as fetched."""
    if entry.kind != "video" or not entry.engine:
        return None
    from studio.video.engines import ENGINES

    engine = ENGINES.get(entry.engine)
    if engine is None or not (engine.config_repo and engine.weight_file and engine.single_file_components):
        return None
    return engine


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
    if entry is None:  # an AI video engine's name (studio.video.engines) names its checkpoint
        from studio.video.engines import ENGINES

        engine = ENGINES.get(model_id)
        entry = registry.models.get(engine.model_id) if engine is not None else None
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
        engine = converted_engine(entry)
        by_hand = (
            f"copy the files from https://huggingface.co/{entry.hub_id} into {path}"
            if engine is None
            else f"put a diffusers folder converted from {engine.weight_file} (with the configs, scheduler,"
            f" tokenizer and text encoder of {engine.config_repo}) at {path}"
        )
        raise ModelError(
            f"The weights of {entry.name} ({entry.id}) are not on this machine (looked in {path}).",
            f"Run `studio models pull {entry.id}` on a machine with internet access, or {by_hand}.",
        )
    return path


# -- the hub: where weights come from --------------------------------------------------------------------------
WEIGHT_SUFFIXES = (".safetensors",)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".msgpack", ".h5", ".onnx", ".gguf")
KEEP_SUFFIXES = (".json", ".txt", ".model", ".tiktoken", ".md")  # configs, tokenizers, the licence text
MANIFEST = ".studio-manifest.json"


@dataclass(frozen=True)
class HubFile:
    name: str  # path inside the repository
    size: int  # bytes


class Hub:
    """Where ``pull`` fetches files: the Hugging Face Hub (``HfHub``) or a local stand-in (``LocalHub``)."""

    def list_files(self, repo_id: str) -> list[HubFile]:  # pragma: no cover - interface
        raise NotImplementedError

    def download(self, repo_id: str, name: str, dest: Path, on_bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class HfHub(Hub):
    """The Hugging Face Hub through ``huggingface_hub`` (the only code here that touches the network)."""

    def __init__(self, token: str | None = None):
        self.token = token

    def list_files(self, repo_id: str) -> list[HubFile]:
        from huggingface_hub import HfApi

        info = HfApi(token=self.token).model_info(repo_id, files_metadata=True)
        return [HubFile(s.rfilename, int(s.size or 0)) for s in info.siblings or []]

    def download(self, repo_id: str, name: str, dest: Path, on_bytes) -> None:
        import huggingface_hub

        with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
            got = huggingface_hub.hf_hub_download(
                repo_id=repo_id, filename=name, local_dir=tmp, token=self.token
            )
            os.replace(got, dest)
        on_bytes(dest.stat().st_size)


class LocalHub(Hub):
    """A folder laid out like the hub (``root/<owner>/<name>/<files>``): a mirror, a USB disk, the tests."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def _repo(self, repo_id: str) -> Path:
        repo = self.root / repo_id
        if not repo.is_dir():
            raise FileNotFoundError(f"{repo_id} is not in {self.root}")
        return repo

    def list_files(self, repo_id: str) -> list[HubFile]:
        repo = self._repo(repo_id)
        return [
            HubFile(p.relative_to(repo).as_posix(), p.stat().st_size)
            for p in sorted(repo.rglob("*"))
            if p.is_file()
        ]

    def download(self, repo_id: str, name: str, dest: Path, on_bytes) -> None:
        """Copy in 1 MiB blocks, appending to a partial ``dest`` left by an interrupted pull (resume)."""
        source = self._repo(repo_id) / name
        part = dest.with_name(dest.name + ".part")
        done = part.stat().st_size if part.exists() else 0
        with open(source, "rb") as src, open(part, "ab") as out:
            src.seek(done)
            on_bytes(done)
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
                on_bytes(len(block))
        os.replace(part, dest)


def wanted_files(entry: ModelEntry, files: list[HubFile]) -> list[HubFile]:
    """The files of a pull: safetensors weights (never pickles) and the configs, tokenizers and licence text;
    only the listed checkpoint for a single-file entry."""
    out = []
    for f in files:
        lower = f.name.lower()
        if lower.endswith(PICKLE_SUFFIXES):
            continue
        if lower.endswith(WEIGHT_SUFFIXES):
            if entry.files and f.name not in entry.files:
                continue
            out.append(f)
        elif lower.endswith(KEEP_SUFFIXES) or Path(lower).name.startswith("license"):
            out.append(f)
    return out


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def _list(remote: Hub, repo_id: str, entry: ModelEntry, hint: str) -> list[HubFile]:
    try:
        return remote.list_files(repo_id)
    except Exception as exc:
        raise ModelError(f"Could not download {entry.name} ({repo_id}): {_one_line(exc)}", hint) from exc


def _check_disk(entry: ModelEntry, need: int, staging: Path) -> None:
    free = shutil.disk_usage(staging).free
    if need > free * 0.98:
        raise DependencyError(
            f"{entry.id} needs {need / 1e9:.1f} GB more disk space; {free / 1e9:.1f} GB free in {staging.parent}.",
            "Free disk space or point STUDIO_HOME at a larger disk.",
        )


def _fetch(
    remote: Hub,
    items: list[tuple[str, HubFile]],
    staging: Path,
    on_bytes,
    entry: ModelEntry,
    hint: str,
    cancel: CancelToken | None,
) -> dict[str, dict]:
    """Download ``(repo_id, file)`` pairs into ``staging`` (complete files kept, partial ones resumed); the
    manifest rows (size, SHA-256) by file name."""
    manifest: dict[str, dict] = {}
    try:
        for repo_id, f in items:
            check(cancel, "The download")
            dest = staging / f.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not (dest.is_file() and dest.stat().st_size == f.size):
                remote.download(repo_id, f.name, dest, on_bytes)
            else:
                on_bytes(f.size)
            if f.size and dest.stat().st_size != f.size:
                raise OSError(f"{f.name} is {dest.stat().st_size} bytes, the hub says {f.size}")
            manifest[f.name] = {"size": dest.stat().st_size, "sha256": sha256_file(dest)}
    except Cancelled:
        raise
    except Exception as exc:
        raise ModelError(
            f"Could not download {entry.name} ({repo_id}): {_one_line(exc)}",
            hint + " Run the pull again to resume.",
        ) from exc
    return manifest


def pull(
    model_id: str,
    *,
    token: str | None = None,
    hub: Hub | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Download ``model_id`` (a registry id or an engine name) into ``$STUDIO_HOME/models``; the local path.

    Safetensors only. The free disk space is checked first; files go to a staging folder (kept after an
    interruption: the next pull resumes, keeping complete files and appending to a partial one), each file's
    SHA-256 is recorded in ``.studio-manifest.json`` (``verify`` checks it), and the folder is renamed into place
    when complete. An engine's single-file checkpoint with a ``config_repo`` (LTX-Video) becomes a diffusers
    folder: see ``_pull_converted``. ``HF_HUB_OFFLINE=1`` is respected. Raises ``ModelError`` naming what failed.
    """
    report = on_progress or null_progress
    entry = get_entry(model_id)
    path = model_path(entry)
    if is_present(entry, path):
        report(1.0, "already present")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    remote = hub or HfHub(token)
    hint = f"Check the network (and HF_TOKEN for gated models), or copy the weights into {path} by hand."
    if hub is None and _offline():
        raise ModelError(
            f"Could not download {entry.name} ({entry.hub_id}): HF_HUB_OFFLINE is set.",
            "Unset it, or " + hint[0].lower() + hint[1:],
        )
    engine = converted_engine(entry)
    if engine is not None:
        return _pull_converted(entry, engine, path, remote, hint, report, cancel)
    listing = _list(remote, entry.hub_id, entry, hint)
    if entry.kind == "clip":
        files = [f for f in listing if f.name == CLIP_WEIGHTS_FILE]
    else:
        files = wanted_files(entry, listing)
    if not any(f.name.endswith(WEIGHT_SUFFIXES) for f in files):
        raise ModelError(
            f"{entry.hub_id} has no safetensors weights studio may load (pickled weights are never fetched).",
            "Use a repository that publishes .safetensors files.",
        )
    staging = path.with_name(f".{path.name}.partial")
    staging.mkdir(parents=True, exist_ok=True)
    total = sum(f.size for f in files)
    have = sum((staging / f.name).stat().st_size for f in files if (staging / f.name).is_file())
    _check_disk(entry, total - have, staging)
    done = [0]

    def on_bytes(n: int) -> None:
        done[0] += n
        report(min(done[0] / max(total, 1), 1.0), f"{done[0] / 1e6:.0f} / {total / 1e6:.0f} MB")

    manifest = _fetch(remote, [(entry.hub_id, f) for f in files], staging, on_bytes, entry, hint, cancel)
    (staging / MANIFEST).write_text(
        json.dumps({"id": entry.id, "repo_id": entry.hub_id, "files": manifest}, indent=2), encoding="utf-8"
    )
    if entry.kind == "clip":
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / CLIP_WEIGHTS_FILE, path)
        os.replace(staging / MANIFEST, path.with_name(path.name + MANIFEST))
        shutil.rmtree(staging, ignore_errors=True)
    else:
        if path.exists():
            shutil.rmtree(path)
        os.replace(staging, path)
    if not is_present(entry, path):
        raise ModelError(
            f"The download of {entry.id} finished but {path} is incomplete.", "Run the pull again."
        )
    report(1.0, "done")
    return path


# -- a single-file checkpoint made into a diffusers folder --------------------------------------------------
CONVERTING = ".converting"  # the conversion's temporary folder inside the staging folder


def _pipeline_parts(index: dict) -> set[str]:
    """The components a parsed ``model_index.json`` names (a ``[library, class]`` pair that is not null)."""
    return {k for k, v in index.items() if not k.startswith("_") and isinstance(v, list) and v and v[0]}


def config_files(index: dict, components: tuple[str, ...], files: list[HubFile]) -> list[HubFile]:
    """The files a single-file conversion takes from the config repository: ``model_index.json``, only the
    ``config.json`` of the components the single file holds, and every other pipeline component of ``index``
    (the parsed ``model_index.json``) whole: its configs, tokenizer files and safetensors weights. Never the
    repository's root checkpoints, its README or folders the pipeline does not name, never pickles."""
    pipeline_parts = _pipeline_parts(index)
    out = []
    for f in files:
        parts = f.name.split("/")
        lower = f.name.lower()
        if f.name == "model_index.json":
            out.append(f)
        elif len(parts) < 2 or parts[0] not in pipeline_parts or lower.endswith(PICKLE_SUFFIXES):
            continue
        elif parts[0] in components:
            if parts[1:] == ["config.json"]:
                out.append(f)
        elif lower.endswith(WEIGHT_SUFFIXES + KEEP_SUFFIXES):
            out.append(f)
    return out


def _checkpoint_dtype(path: Path):
    """The torch dtype most of a safetensors file's floating tensors have (the converted folder keeps it)."""
    import torch
    from safetensors import safe_open

    names = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}
    counts: dict[str, int] = {}
    with safe_open(str(path), framework="pt") as fh:
        keys = list(fh.keys())
        for key in keys:
            dtype = fh.get_slice(key).get_dtype()
            if dtype in names:
                counts[dtype] = counts.get(dtype, 0) + 1
    if not counts:
        raise ValueError(f"{path.name} holds no floating-point tensors")
    return names[max(counts, key=counts.__getitem__)]


def convert_single_file(
    single: Path,
    config_dir: Path,
    components: tuple[str, ...],
    out_dir: Path,
    *,
    on_component=None,
    cancel: CancelToken | None = None,
) -> None:
    """Write ``out_dir/<component>/`` (``config.json`` + safetensors) for each of ``components`` from the
    original-format checkpoint ``single``, with diffusers' ``from_single_file(single, config=config_dir,
    subfolder=component, local_files_only=True)``: the model class comes from ``config_dir/model_index.json``,
    the architecture from ``config_dir/<component>/config.json``; nothing is fetched. A weight the checkpoint
    lacks (diffusers leaves it on the meta device without a word) raises ``ValueError`` saying so. The weights
    keep the file's dtype (bf16 for Lightricks' files). ``on_component(name)`` is called after each component is
    written."""
    import diffusers

    index = json.loads((config_dir / "model_index.json").read_text(encoding="utf-8"))
    dtype = _checkpoint_dtype(single)
    for name in components:
        check(cancel, "The conversion")
        spec = index.get(name)
        if not (isinstance(spec, list) and len(spec) == 2 and spec[0] == "diffusers"):
            raise ValueError(f"model_index.json names no diffusers class for {name!r}")
        cls = getattr(diffusers, spec[1], None)
        if cls is None or not hasattr(cls, "from_single_file"):
            raise ValueError(f"diffusers {diffusers.__version__} cannot load a {spec[1]} from a single file")
        try:
            model = cls.from_single_file(
                str(single), config=str(config_dir), subfolder=name, local_files_only=True, torch_dtype=dtype
            )
        except (NotImplementedError, RuntimeError) as exc:
            if "meta tensor" not in str(exc):
                raise
            # weights the checkpoint lacks stay on the meta device, and diffusers' final cast fails on them
            raise ValueError(f"{single.name} lacks some of the {name}'s weights (they stayed unset)") from exc
        tensors = [*model.named_parameters(), *model.named_buffers()]
        missing = [key for key, t in tensors if t.device.type == "meta"]
        if missing:
            raise ValueError(
                f"{single.name} lacks {len(missing)} of the {name}'s {len(tensors)} weights (first: {missing[0]})"
            )
        model.save_pretrained(out_dir / name, safe_serialization=True)
        del model
        if on_component is not None:
            on_component(name)


def _pull_converted(
    entry: ModelEntry,
    engine,
    path: Path,
    remote: Hub,
    hint: str,
    report: ProgressFn,
    cancel: CancelToken | None,
) -> Path:
    """Pull an engine's single-file checkpoint as a diffusers folder: the single file (and the licence texts) from
    ``entry.hub_id``; ``model_index.json``, the converted components' configs and the other components (scheduler,
    tokenizer, text encoder) from ``engine.config_repo``; then ``convert_single_file`` into the staging folder's
    ``.converting/``, renamed over the configs-only component folders, the single file deleted, the manifest
    written over the final files and the folder renamed into place (replacing what was there; a single file an
    older pull left there unconverted is reused, not fetched again). Progress counts the download's bytes and the
    conversion (as many bytes again as the single file); the disk check counts both, since the single file and
    its conversion coexist until the end. A failed conversion removes the staging folder (nothing half-made is
    left) and raises one line saying why."""
    staging = path.with_name(f".{path.name}.partial")
    weights_listing = _list(remote, entry.hub_id, entry, hint)
    single = next((f for f in weights_listing if f.name == engine.weight_file), None)
    if single is None:
        raise ModelError(
            f"{entry.hub_id} has no {engine.weight_file} (the checkpoint of {engine.name}).",
            "The repository changed; copy a diffusers folder of the weights into " + str(path) + " by hand.",
        )
    licences = [f for f in weights_listing if "/" not in f.name and "licen" in f.name.lower()]
    licences = [f for f in licences if f.name.lower().endswith((".txt", ".md"))]
    config_listing = _list(remote, engine.config_repo, entry, hint)
    index_file = next((f for f in config_listing if f.name == "model_index.json"), None)
    if index_file is None:
        raise ModelError(
            f"{engine.config_repo} has no model_index.json: it cannot give {engine.name}'s pipeline its configs.",
            hint,
        )
    staging.mkdir(parents=True, exist_ok=True)
    _fetch(remote, [(engine.config_repo, index_file)], staging, lambda n: None, entry, hint, cancel)
    try:
        index = json.loads((staging / "model_index.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        (staging / "model_index.json").unlink(missing_ok=True)
        raise ModelError(
            f"{engine.config_repo}'s model_index.json is not JSON: {_one_line(exc)}", hint
        ) from exc
    configs = config_files(index, engine.single_file_components, config_listing)
    missing = [
        c for c in engine.single_file_components if f"{c}/config.json" not in {f.name for f in configs}
    ]
    if missing:
        raise ModelError(
            f"{engine.config_repo} has no config for {', '.join(missing)}: {engine.weight_file} cannot be converted.",
            hint,
        )
    for part in sorted(_pipeline_parts(index) - set(engine.single_file_components)):
        names = [f.name.lower() for f in config_listing if f.name.startswith(part + "/")]
        if any(n.endswith(PICKLE_SUFFIXES) for n in names) and not any(
            n.endswith(WEIGHT_SUFFIXES) for n in names
        ):
            raise ModelError(
                f"{engine.config_repo} publishes the {part} only as pickled weights, which studio never loads.",
                "Use a config repository with .safetensors weights.",
            )
    items = [(entry.hub_id, f) for f in (single, *licences)] + [(engine.config_repo, f) for f in configs]
    earlier = (
        path / single.name
    )  # the single file as an older studio pulled it (unconverted): not fetched again
    if earlier.is_file() and earlier.stat().st_size == single.size and not (staging / single.name).exists():
        os.replace(earlier, staging / single.name)
    download = sum(f.size for _, f in items)
    have = sum((staging / f.name).stat().st_size for _, f in items if (staging / f.name).is_file())
    _check_disk(entry, download - have + single.size, staging)  # the converted copy is about as big
    total = download + single.size
    done = [0]

    def on_bytes(n: int) -> None:
        done[0] += n
        report(min(done[0] / max(total, 1), 0.99), f"{done[0] / 1e6:.0f} / {download / 1e6:.0f} MB")

    fetched = _fetch(remote, items, staging, on_bytes, entry, hint, cancel)
    source = fetched.pop(single.name)
    converting = staging / CONVERTING
    shutil.rmtree(converting, ignore_errors=True)
    parts = engine.single_file_components
    report(min(done[0] / max(total, 1), 0.99), f"converting {single.name} into {', '.join(parts)}")

    def on_component(name: str) -> None:
        done[0] += single.size // len(parts)
        report(min(done[0] / max(total, 1), 0.99), f"converted the {name}")

    try:
        convert_single_file(
            staging / single.name, staging, parts, converting, on_component=on_component, cancel=cancel
        )
    except Cancelled:
        shutil.rmtree(converting, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(
            f"Could not convert {single.name} into a diffusers folder: {_one_line(exc)}",
            f"Nothing was kept; run `studio models pull {entry.id}` again to download it anew"
            " (a corrupt download), or update diffusers.",
        ) from exc
    for part in parts:
        shutil.rmtree(staging / part, ignore_errors=True)
        os.replace(converting / part, staging / part)
    converting.rmdir()
    (staging / single.name).unlink()
    files = {
        p.relative_to(staging).as_posix(): {"size": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(staging.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    doc = {
        "id": entry.id,
        "repo_id": entry.hub_id,
        "config_repo": engine.config_repo,
        "converted_from": {"file": single.name, **source},
        "files": files,
    }
    (staging / MANIFEST).write_text(json.dumps(doc, indent=2), encoding="utf-8")
    if path.exists():
        shutil.rmtree(path)
    os.replace(staging, path)
    if not is_present(entry, path):
        raise ModelError(f"The pull of {entry.id} finished but {path} is incomplete.", "Run the pull again.")
    report(1.0, "done")
    return path


@dataclass(frozen=True)
class Verification:
    id: str
    path: Path
    ok: bool
    problems: tuple[str, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "path": str(self.path), "ok": self.ok, "problems": list(self.problems)}


def verify(model_id: str) -> Verification:
    """Check the local weights of ``model_id`` against the manifest its pull wrote: every file present with its
    size and SHA-256, every safetensors file's header readable, no pickled weights."""
    entry = get_entry(model_id)
    path = model_path(entry)
    problems: list[str] = []
    manifest_path = path.with_name(path.name + MANIFEST) if entry.kind == "clip" else path / MANIFEST
    if not is_present(entry, path):
        problems.append(f"not on this machine (looked in {path}): run `studio models pull {entry.id}`")
        return Verification(entry.id, path, False, tuple(problems))
    if not manifest_path.is_file():
        problems.append("no .studio-manifest.json (not pulled by studio): sizes and hashes cannot be checked")
        files: dict[str, dict] = {}
    else:
        files = json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {})
    root = path.parent if entry.kind == "clip" else path
    for name, want in files.items():
        local = path if entry.kind == "clip" else root / name
        if not local.is_file():
            problems.append(f"{name} is missing")
        elif local.stat().st_size != want.get("size"):
            problems.append(f"{name} is {local.stat().st_size} bytes, expected {want.get('size')}")
        elif sha256_file(local) != want.get("sha256"):
            problems.append(f"{name} does not match its SHA-256 (corrupt or changed)")
    weights = [path] if entry.kind == "clip" else sorted(path.rglob("*.safetensors"))
    for w in weights:
        try:
            from safetensors import safe_open

            with safe_open(str(w), framework="numpy") as fh:
                fh.keys()
        except Exception as exc:  # noqa: BLE001 - any unreadable header is a problem
            problems.append(f"{w.name} is not a readable safetensors file ({type(exc).__name__})")
    if entry.kind != "clip":
        pickles = [p.name for p in path.rglob("*") if p.suffix.lower() in PICKLE_SUFFIXES]
        if pickles:
            problems.append(f"pickled weights present (never loaded): {', '.join(sorted(pickles)[:5])}")
    return Verification(entry.id, path, not problems, tuple(problems))


def remove(model_id: str) -> Path:
    """Delete the local weights of ``model_id`` (and an interrupted pull's staging folder); the path removed."""
    entry = get_entry(model_id)
    path = model_path(entry)
    staging = path.with_name(f".{path.name}.partial")
    if not path.exists() and not staging.exists():
        raise InputError(f"{entry.id} is not on this machine (looked in {path}).", "Nothing to remove.")
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
        path.with_name(path.name + MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return path
