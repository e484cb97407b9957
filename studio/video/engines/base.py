"""What an AI video engine is, as data: the model, its pipelines, the sizes and frame counts it was trained for,
its sampling defaults, the GPU memory each profile needs, and the licence of its weights.

Engines are frozen dataclasses declared in one module per model family (``wan.py``, ``ltx.py``); the registry
(``studio.video.engines.ENGINES``) lists them. Nothing here imports torch or diffusers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Memory profiles, fastest (most GPU memory) first; ``studio.video.ai_profiles`` applies them to a pipeline and
# steps down this list on CUDA out-of-memory.
PROFILES: tuple[str, ...] = ("full", "offload", "group", "group_fp8")
PROFILE_NOTES: dict[str, str] = {
    "full": "bf16, every component on the GPU, VAE tiling",
    "offload": "bf16, model CPU offload (one component on the GPU at a time), VAE tiling and slicing",
    "group": "bf16, transformer group offload (block level, CUDA streams), other components offloaded, VAE tiling",
    "group_fp8": "as group, with the transformer's weights stored in fp8 (layerwise casting, bf16 compute)",
}


@dataclass(frozen=True)
class FrameRule:
    """Frame counts the model accepts: ``step * k + 1`` (the VAE's temporal compression), within bounds."""

    step: int  # 4 for Wan (4k+1), 8 for LTX (8k+1)
    min_frames: int
    max_frames: int

    def accepts(self, frames: int) -> bool:
        return self.min_frames <= frames <= self.max_frames and (frames - 1) % self.step == 0


@dataclass(frozen=True)
class Engine:
    """One model checkpoint studio can drive through diffusers."""

    name: str  # the CLI/registry name, e.g. "wan2.2-ti2v-5b"
    family: str  # "wan" | "ltx": which prompt/call conventions apply
    title: str
    repo_id: str  # the Hugging Face repository of the diffusers-format weights
    model_id: str  # the checkpoint's id in the licence registry (added from this engine by load_registry)
    pipelines: dict[str, str]  # task ("i2v" | "t2v" | "vace") -> diffusers pipeline class name
    sizes: tuple[tuple[int, int], ...]  # (width, height) the model was trained for, one per orientation
    multiple: int  # width and height must be multiples of this (VAE downscale x patch size)
    frames: FrameRule
    default_frames: int
    fps: int  # the frame rate the model's motion was trained at
    steps: int  # default denoising steps
    guidance: float  # default classifier-free guidance scale
    shift: float | None  # flow-matching scheduler shift (None: the scheduler's own, e.g. LTX's dynamic shift)
    memory_gb: dict[str, float]  # GPU memory needed per profile (GB, at the default size and frames)
    memory_source: str  # where the memory figures come from (measured, reported, estimated)
    licence: str  # licence id: its terms are in studio/compliance/licences.yaml; THE source of this engine's licence
    licence_source: str  # where the licence text of these weights is published (cited in the gate's findings)
    pipeline_kwargs: dict[str, dict] = field(default_factory=dict)  # task -> extra constructor config
    weight_file: str | None = None  # a single-file checkpoint inside repo_id (None: a diffusers folder)
    # A diffusers-format repository whose configs match weight_file's architecture. With it, `studio models pull`
    # fetches from config_repo the pipeline's model_index.json, the configs of the converted components and the
    # other components whole (scheduler, tokenizer, text encoder; safetensors only, no other checkpoints), then
    # converts weight_file into the single_file_components subfolders (diffusers' from_single_file with these
    # configs, offline): the result is an ordinary diffusers folder. None: weight_file is kept as downloaded.
    config_repo: str | None = None
    single_file_components: tuple[
        str, ...
    ] = ()  # the pipeline components weight_file holds ("transformer", "vae")
    notes: str = ""

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.pipelines)

    @property
    def max_pixels(self) -> int:
        return max(w * h for w, h in self.sizes)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "family": self.family,
            "title": self.title,
            "repo_id": self.repo_id,
            "model_id": self.model_id,
            "tasks": list(self.tasks),
            "pipelines": dict(self.pipelines),
            "sizes": [f"{w}x{h}" for w, h in self.sizes],
            "multiple": self.multiple,
            "frames": f"{self.frames.step}k+1, {self.frames.min_frames}..{self.frames.max_frames}",
            "default_frames": self.default_frames,
            "fps": self.fps,
            "steps": self.steps,
            "guidance": self.guidance,
            "shift": self.shift,
            "memory_gb": dict(self.memory_gb),
            "memory_source": self.memory_source,
            "licence": self.licence,
            "licence_source": self.licence_source,
            "weight_file": self.weight_file,
            "config_repo": self.config_repo,
            "single_file_components": list(self.single_file_components),
            "notes": self.notes,
        }
