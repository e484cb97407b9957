"""CLIP embeddings for screening (open_clip): reference similarity and zero-shot concepts.

``ClipEmbedder.load`` takes one of
  * a built-in open_clip architecture and a pretrained tag (``"ViT-B-32", pretrained="laion2b_s34b_b79k"``): the
    weights are read from ``clip_weights_path(model, tag)`` under ``$STUDIO_HOME/models/clip/``, put there by
    ``studio models pull clip`` (``pull_clip_weights``) or ``import_clip_checkpoint``; nothing is ever downloaded
    while screening;
  * an architecture name and a local checkpoint file (``.safetensors``, or ``.pt``/``.bin`` read with
    ``torch.load(weights_only=True)``, never an arbitrary pickle);
  * ``checkpoint`` = a folder holding ``open_clip_config.json`` and the weights (open_clip's ``local-dir:``), which
    also covers architectures open_clip does not ship (the tests' tiny random model).

Loading is lazy: ``load`` checks that the files exist (so a missing model is reported before any work) and the
network is built on the first ``embed_*`` call. Embeddings are float32, L2-normalised, computed in batches on the
chosen device.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from studio.devices import resolve_device
from studio.errors import ConfigError, DependencyError, InputError, ModelError

DEFAULT_MODEL = "ViT-B-32"
DEFAULT_PRETRAINED = "laion2b_s34b_b79k"
ENV_MODEL = "STUDIO_CLIP_MODEL"  # "ARCH/TAG" (e.g. "ViT-B-16/laion2b_s34b_b88k") or a checkpoint folder
WEIGHTS_NAME = "open_clip_model.safetensors"
PULL_HINT = "run `studio models pull clip` on a machine with internet access, or copy the weights there"


def clip_weights_path(model: str, pretrained: str) -> Path:
    """Where the weights of ``model`` with the pretrained tag ``pretrained`` live (may not exist)."""
    from studio.settings import studio_home

    for part, what in ((model, "model name"), (pretrained, "pretrained tag")):
        if not part or "/" in part or "\\" in part or part.startswith("."):
            raise InputError(
                f"The CLIP {what} {part!r} is not valid.", "Use e.g. ViT-B-32 and laion2b_s34b_b79k."
            )
    return studio_home(create=False) / "models" / "clip" / model / pretrained / WEIGHTS_NAME


def default_model() -> tuple[str, str | None, str | None]:
    """``(model, pretrained, checkpoint)`` from ``$STUDIO_CLIP_MODEL`` or the built-in default."""
    raw = os.environ.get(ENV_MODEL, "").strip()
    if not raw:
        return DEFAULT_MODEL, DEFAULT_PRETRAINED, None
    if os.path.isdir(raw):
        return "", None, raw
    if raw.count("/") == 1:
        model, tag = raw.split("/")
        return model, tag, None
    raise ConfigError(
        f"${ENV_MODEL}={raw!r} is neither ARCH/TAG nor a checkpoint folder.",
        "Use e.g. ViT-B-32/laion2b_s34b_b79k, or a folder with open_clip_config.json and weights.",
    )


def default_embedder_reason() -> str | None:
    """Why the default embedder cannot be loaded (weights missing, bad setting), or None when it can."""
    try:
        model, pretrained, checkpoint = default_model()
        ClipEmbedder.load(model, pretrained=pretrained, checkpoint=checkpoint)
    except (ModelError, ConfigError, InputError, DependencyError) as exc:
        return exc.one_line()
    return None


def last_unavailable_reason() -> str | None:
    """Alias of ``default_embedder_reason`` (the name the CLI looks for)."""
    return default_embedder_reason()


def try_default_embedder(device: str = "cpu") -> ClipEmbedder | None:
    """The default CLIP embedder, or None when its weights are not here (``default_embedder_reason`` says why)."""
    try:
        model, pretrained, checkpoint = default_model()
        return ClipEmbedder.load(model, pretrained=pretrained, checkpoint=checkpoint, device=device)
    except (ModelError, ConfigError, InputError, DependencyError):
        return None


class ClipHandle:
    """The one CLIP embedder of a process or an app context, or the reason there is none; loaded once.

    The app keeps one in ``AppContext.clip``; a CLI command makes one. ``get()`` loads the default model
    (``$STUDIO_CLIP_MODEL`` or the built-in default) on first use, thread-safely, and never again: the Ad
    Studio's every Generate, the Compliance tab and the 3D export gate share it. ``reason`` says why there is no
    embedder; ``failed`` tells a model that should load and cannot (weights present but open_clip missing, a
    loader that crashed: the screen reports a failed check, a review) from weights that are simply not installed
    (the CLIP checks are skipped and the report says so).
    """

    def __init__(self, loader: Any = None):
        self._loader = loader or _load_default
        self._lock = threading.Lock()
        self._loaded = False
        self._embedder: ClipEmbedder | None = None
        self._reason: str | None = None
        self.failed = False
        self.loads = 0  # how many times the loader ran (0 or 1)

    @classmethod
    def of(cls, embedder: ClipEmbedder) -> ClipHandle:
        """A handle holding an already loaded embedder."""
        handle = cls()
        handle._loaded, handle._embedder = True, embedder
        return handle

    @classmethod
    def unavailable(cls, reason: str) -> ClipHandle:
        """A handle with no embedder, for screens that do not want CLIP (``reason`` goes into the reports)."""
        handle = cls()
        handle._loaded, handle._reason = True, reason
        return handle

    def get(self) -> ClipEmbedder | None:
        """The embedder (loaded on the first call), or None; ``reason`` then says why."""
        with self._lock:
            if not self._loaded:
                self.loads += 1
                try:
                    self._embedder = self._loader()
                except (ModelError, ConfigError, InputError, DependencyError) as exc:
                    self._reason = exc.one_line()
                except ImportError as exc:
                    self._reason, self.failed = f"open_clip cannot be imported ({exc})", True
                except Exception as exc:  # noqa: BLE001 - a broken model must be reported, not crash the app
                    self._reason, self.failed = f"loading CLIP raised {type(exc).__name__}: {exc}", True
                self._loaded = True
            return self._embedder

    @property
    def reason(self) -> str | None:
        """Why there is no embedder (None when there is one)."""
        self.get()
        return self._reason

    def __repr__(self) -> str:
        state = (
            "not loaded yet"
            if not self._loaded
            else (repr(self._embedder) if self._embedder else self._reason)
        )
        return f"ClipHandle({state})"


def _load_default() -> ClipEmbedder:
    model, pretrained, checkpoint = default_model()
    return ClipEmbedder.load(model, pretrained=pretrained, checkpoint=checkpoint)


def resolve_embedder(embedder: Any) -> tuple[ClipEmbedder | None, str | None, bool]:
    """``(embedder or None, why not, whether that is a failure)`` for a ``ClipEmbedder``, a ``ClipHandle`` or
    None (None: the reason is looked up, and it is not a failure)."""
    if isinstance(embedder, ClipHandle):
        loaded = embedder.get()
        return loaded, embedder.reason, embedder.failed and loaded is None
    return embedder, None, False


class ClipEmbedder:
    """A lazily built open_clip model: ``embed_images`` and ``embed_texts`` give L2-normalised [N, D] float32."""

    def __init__(
        self,
        *,
        model_name: str,
        weights: Path | None,
        local_dir: Path | None,
        name: str,
        device: str = "cpu",
        batch_size: int = 32,
        preprocess: dict[str, Any] | None = None,
    ):
        self.model_name = model_name
        self.weights = weights
        self.local_dir = local_dir
        self.name = name  # identifies the weights; stored with reference embeddings (``refs.embed_model``)
        self.device = device
        self.batch_size = batch_size
        self._preprocess_overrides = dict(preprocess or {})
        self._lock = threading.Lock()
        self._model: Any = None
        self._transform: Any = None
        self._tokenizer: Any = None

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        model_name: str,
        pretrained: str | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        device: str = "cpu",
        batch_size: int = 32,
    ) -> ClipEmbedder:
        """Check the weights are here and return an embedder that builds the network on first use.

        Raises ``ModelError`` (with the ``studio models pull clip`` hint) when the weights are missing,
        ``InputError``/``ConfigError`` for an unknown architecture or a bad checkpoint path, ``DependencyError``
        for a device that is not available.
        """
        device = resolve_device(device)
        if batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}.", "Use e.g. 32.")
        if model_name.startswith("hf-hub:"):
            raise ConfigError(
                f"The CLIP model {model_name!r} would be downloaded from the Hugging Face hub while screening.",
                f"Download it once ({PULL_HINT}) and pass the folder as the checkpoint.",
            )
        if model_name.startswith("local-dir:"):
            checkpoint, model_name = model_name.removeprefix("local-dir:"), ""
        if checkpoint is not None:
            path = Path(checkpoint).expanduser()
            if path.is_dir():
                config = path / "open_clip_config.json"
                if not config.is_file():
                    raise ModelError(
                        f"The CLIP checkpoint folder {path} has no open_clip_config.json.",
                        "A folder checkpoint needs open_clip_config.json next to the weights.",
                    )
                weights = _weights_in(path)
                digest = _fingerprint(weights)
                return cls(
                    model_name=model_name or path.name,
                    weights=weights,
                    local_dir=path,
                    name=f"{model_name or path.name}@{digest}",
                    device=device,
                    batch_size=batch_size,
                )
            if not path.is_file():
                raise ModelError(f"The CLIP checkpoint {path} does not exist.", "Check the path.")
            if path.suffix not in (".safetensors", ".pt", ".pth", ".bin"):
                raise ModelError(
                    f"The CLIP checkpoint {path.name} is not a .safetensors, .pt, .pth or .bin file.",
                    "Convert it to safetensors.",
                )
            _check_architecture(model_name)
            return cls(
                model_name=model_name,
                weights=path,
                local_dir=None,
                name=f"{model_name}@{_fingerprint(path)}",
                device=device,
                batch_size=batch_size,
            )
        if not pretrained:
            raise InputError(
                f"No weights given for the CLIP model {model_name!r}.",
                "Pass a pretrained tag (e.g. laion2b_s34b_b79k) or a local checkpoint.",
            )
        weights = clip_weights_path(model_name, pretrained)
        if not weights.is_file():
            # checked before importing open_clip (and torch): a weight-free screen must not pay seconds for it
            raise ModelError(
                f"The CLIP weights {model_name}/{pretrained} are not on this machine (looked for {weights}).",
                f"To screen with CLIP, {PULL_HINT}; the weight-free checks (PDQ, pHash) still run.",
            )
        _check_architecture(model_name)
        import open_clip

        # a tag open_clip knows brings its preprocessing (mean, std, resize); an own tag (a checkpoint stored
        # with import_clip_checkpoint under a name of the user's choosing) uses the architecture's defaults
        cfg = open_clip.get_pretrained_cfg(model_name, pretrained)
        preprocess = {k: cfg[k] for k in ("mean", "std", "interpolation", "resize_mode") if k in cfg}
        return cls(
            model_name=model_name,
            weights=weights,
            local_dir=None,
            name=f"{model_name}/{pretrained}",
            device=device,
            batch_size=batch_size,
            preprocess=preprocess,
        )

    def _build(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import open_clip

            try:
                if self.local_dir is not None:
                    model, _, transform = open_clip.create_model_and_transforms(
                        f"local-dir:{self.local_dir}", device=self.device
                    )
                    tokenizer = open_clip.get_tokenizer(f"local-dir:{self.local_dir}")
                else:
                    kwargs = {f"image_{k}": v for k, v in self._preprocess_overrides.items()}
                    # a file path as ``pretrained``: open_clip loads it strictly, with torch.load(weights_only=True)
                    model, _, transform = open_clip.create_model_and_transforms(
                        self.model_name, pretrained=str(self.weights), device=self.device, **kwargs
                    )
                    tokenizer = open_clip.get_tokenizer(self.model_name)
            except ModelError:
                raise
            except Exception as exc:
                raise ModelError(
                    f"Could not load the CLIP weights {self.weights} into {self.model_name or 'the model'}:"
                    f" {type(exc).__name__}: {str(exc)[:300]}",
                    "Check that the checkpoint belongs to this architecture (or pull the weights again).",
                ) from exc
            model.eval()
            model.to(self.device)
            self._transform, self._tokenizer = transform, tokenizer
            self._model = model

    # -- embedding ------------------------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Embedding width D."""
        self._build()
        projection = getattr(self._model, "text_projection", None)
        if projection is not None and hasattr(projection, "shape"):
            return int(projection.shape[-1])
        return int(self.embed_texts(["x"]).shape[1])

    def embed_images(self, images: Sequence[Any]) -> np.ndarray:
        """Embed PIL images or [H, W, 3] uint8 arrays: ``[N, D]`` float32, each row of unit length."""
        import torch
        from PIL import Image

        self._build()
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        for start in range(0, len(images), self.batch_size):
            batch = []
            for image in images[start : start + self.batch_size]:
                if isinstance(image, np.ndarray):
                    image = Image.fromarray(image)
                batch.append(self._transform(image.convert("RGB")))
            with torch.no_grad():
                features = self._model.encode_image(torch.stack(batch).to(self.device))
            out.append(_normalise(features))
        return np.concatenate(out)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (zero-shot prompts): ``[N, D]`` float32, each row of unit length."""
        import torch

        self._build()
        if not texts:
            raise InputError("No texts to embed.", "Give at least one prompt.")
        out = []
        for start in range(0, len(texts), self.batch_size):
            tokens = self._tokenizer(list(texts[start : start + self.batch_size])).to(self.device)
            with torch.no_grad():
                features = self._model.encode_text(tokens)
            out.append(_normalise(features))
        return np.concatenate(out)

    def __repr__(self) -> str:
        state = "loaded" if self._model is not None else "not loaded yet"
        return f"ClipEmbedder({self.name!r}, device={self.device!r}, {state})"


# -- getting weights here -------------------------------------------------------------------------------------
def import_clip_checkpoint(
    model: str, pretrained: str, source: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Copy a local checkpoint (``.safetensors``, ``.pt``, ``.bin``) into ``clip_weights_path(model, pretrained)``.

    The state dict is read safely (safetensors, or ``torch.load(weights_only=True)``), checked to fit the
    architecture, and written as safetensors atomically. Returns the destination.
    """
    import open_clip
    import torch
    from safetensors.torch import save_file

    from studio.fsutil import atomic_output

    _check_architecture(model)
    source = Path(source)
    if not source.is_file():
        raise InputError(f"The checkpoint {source} does not exist.", "Check the path.")
    target = clip_weights_path(model, pretrained)
    if target.exists() and not overwrite:
        return target
    try:
        probe = open_clip.create_model(model, pretrained=None, device="cpu")
        open_clip.load_checkpoint(probe, str(source), strict=True, weights_only=True)
    except Exception as exc:
        raise ModelError(
            f"The checkpoint {source.name} does not load into {model}: {type(exc).__name__}: {str(exc)[:300]}",
            "Use the checkpoint that belongs to this architecture.",
        ) from exc
    tensors = {
        k: v.detach().contiguous().clone() for k, v in probe.state_dict().items() if torch.is_tensor(v)
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as tmp:
        save_file(tensors, str(tmp))
    return target


def pull_clip_weights(
    model: str = DEFAULT_MODEL, pretrained: str = DEFAULT_PRETRAINED
) -> Path:  # pragma: no cover
    """Download ``model``/``pretrained`` with open_clip (needs the internet) and store it as safetensors.

    For ``studio models pull clip``; never called while screening. Not exercised by the tests (no network).
    """
    import tempfile

    import open_clip

    _check_architecture(model)
    _check_tag(model, pretrained)
    cfg = open_clip.get_pretrained_cfg(model, pretrained)
    with tempfile.TemporaryDirectory(prefix="clip-pull-") as tmp:
        try:
            downloaded = open_clip.download_pretrained(cfg, cache_dir=tmp)
        except Exception as exc:
            raise ModelError(
                f"Could not download the CLIP weights {model}/{pretrained}: {exc}",
                "Check the internet connection, or copy a checkpoint and use import_clip_checkpoint.",
            ) from exc
        return import_clip_checkpoint(model, pretrained, downloaded, overwrite=True)


# -- helpers -----------------------------------------------------------------------------------------------------
def _normalise(features: Any) -> np.ndarray:
    array = features.detach().float().cpu().numpy().astype(np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


def _fingerprint(path: Path) -> str:
    """A short id of a weights file: SHA-256 of its size and first 4 MiB (hashing 600 MB would take seconds)."""
    import hashlib

    digest = hashlib.sha256(str(path.stat().st_size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(4 << 20))
    return digest.hexdigest()[:12]


def _weights_in(folder: Path) -> Path:
    for name in (WEIGHTS_NAME, "open_clip_pytorch_model.safetensors", "model.safetensors",
                 "open_clip_pytorch_model.bin", "pytorch_model.bin"):  # fmt: skip
        if (folder / name).is_file():
            return folder / name
    raise ModelError(
        f"The CLIP checkpoint folder {folder} has no weights file.",
        f"Put {WEIGHTS_NAME} (or open_clip_pytorch_model.bin) next to open_clip_config.json.",
    )


def _check_architecture(model: str) -> None:
    import open_clip

    if model not in open_clip.list_models():
        raise InputError(
            f"Unknown CLIP architecture {model!r}.",
            f"Use an open_clip model name such as {DEFAULT_MODEL}, or a checkpoint folder with its config.",
        )


def _check_tag(model: str, pretrained: str) -> None:
    import open_clip

    if pretrained not in open_clip.list_pretrained_tags_by_model(model):
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(model)[:8])
        raise InputError(
            f"{pretrained!r} is not a pretrained tag of {model}.", f"Tags for {model}: {tags or 'none'}."
        )
