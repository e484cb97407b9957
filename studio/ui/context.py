"""What every tab of the app gets: the store, the home folder and the shared GPU queue id."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from studio.compliance.embed import ClipHandle
from studio.store import Store
from studio.video.ai_shots import MotionPipelines

# Every event that may use the GPU (diffusion, splat training, CLIP screening, renders) names this
# concurrency_id, so they share one queue; concurrency_limit=1 keeps one such job at a time.
GPU_QUEUE = "gpu"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class AppContext:
    store: Store
    home: Path
    # where the app writes outputs users can download (under home)
    outputs: Path
    # the app's one CLIP embedder (or why there is none), loaded on first use and shared by every tab
    clip: ClipHandle = field(default_factory=ClipHandle)
    # the app's loaded AI motion pipeline (one at a time), kept between renders; nothing is loaded until used
    motion: MotionPipelines = field(default_factory=MotionPipelines)
