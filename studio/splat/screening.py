"""The compliance export gate for 3D models: a model file has no pictures, so the screen looks at renders of it.

``screen_model`` renders a few views around the model, then runs ``studio.compliance.gate.gate_output`` on the
staged (temporary) model file with those views as previews: a near-copy of a protected product or character is
quarantined before the model reaches the output folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from studio.progress import ProgressFn
from studio.splat.gaussians import Gaussians
from studio.store import Store

PREVIEW_VIEWS = 4
PREVIEW_SIZE = 256  # px: enough for hashes and CLIP (224 px), quick on a CPU


def screen_model(
    gaussians: Gaussians,
    tmp_path: Path,
    final_path: Path,
    *,
    store: Store | None,
    clip: Any = None,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    category: str = "general",
    override_reason: str | None = None,
    render_id: int | None = None,
    on_progress: ProgressFn | None = None,
):
    """Gate ``tmp_path`` (about to become ``final_path``); raises ``ComplianceError`` after quarantining it when
    blocked. Returns the ``GateResult``: its ``publish(tmp_path, final_path)`` (or moving ``GateResult.staged``)
    puts the model and its report into place together.

    ``store`` is the one the caller works with (its reference bank and audit trail; None: no bank, and the report
    says so); ``clip`` is the caller's ``ClipHandle`` or embedder (None: the default model, loaded for this call).
    """
    from studio.compliance.embed import ClipHandle
    from studio.compliance.gate import ExportContext, gate_output
    from studio.splat.spin import preview_images

    with tempfile.TemporaryDirectory(prefix="studio-splat-previews-") as scratch:
        previews = []
        for index, image in enumerate(
            preview_images(gaussians, n=PREVIEW_VIEWS, size=PREVIEW_SIZE, background=background)
        ):
            path = Path(scratch) / f"view-{index}.png"
            Image.fromarray(image).save(path)
            previews.append(path)
        context = ExportContext(
            kind="splat",
            previews=tuple(previews),
            category=category,
            override_reason=override_reason,
            render_id=render_id,
        )
        return gate_output(
            tmp_path,
            final_path,
            context,
            store=store,
            embedder=clip if clip is not None else ClipHandle(),
            on_progress=on_progress,
        )


def screen_spin(
    tmp_path: Path,
    final_path: Path,
    *,
    store: Store | None,
    clip: Any = None,
    category: str = "general",
    override_reason: str | None = None,
    on_progress: ProgressFn | None = None,
):
    """Gate a rendered spin MP4 like any published video (screened frame by frame, signed); see ``screen_model``."""
    from studio.compliance.embed import ClipHandle
    from studio.compliance.gate import ExportContext, gate_output

    context = ExportContext(kind="splat", category=category, override_reason=override_reason)
    return gate_output(
        tmp_path,
        final_path,
        context,
        store=store,
        embedder=clip if clip is not None else ClipHandle(),
        on_progress=on_progress,
    )
