"""The compliance export gate for 3D models: a model file has no pictures, so the screen looks at renders of it.

``screen_model`` renders a few views around the model, then runs ``studio.compliance.gate.gate_output`` on the
staged (temporary) model file with those views as previews: a near-copy of a protected product or character is
quarantined before the model reaches the output folder.

``publish_spin`` is the one way a spin MP4 reaches a user (``studio splat render --orbit``, the 3D Studio's "Use
in an ad"): rendered to a staged file, gated by ``screen_spin`` (screened frame by frame, signed), then moved into
place with its report; a blocked spin is quarantined and never appears at ``out``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from studio.cancel import CancelToken
from studio.progress import ProgressFn
from studio.splat.gaussians import Gaussians
from studio.store import Store

if TYPE_CHECKING:
    from studio.compliance.gate import GateResult

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


def publish_spin(
    model: Gaussians,
    out: Path,
    *,
    store: Store | None,
    clip: Any = None,
    width: int,
    height: int,
    seconds: float,
    fps: int | None = None,
    background: tuple[float, float, float] | None = None,
    category: str = "general",
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[Path, GateResult]:
    """Render ``model``'s orbit MP4 and publish it at ``out`` only after the compliance gate passed it.

    The spin is rendered to a staged ``.<name>.part.mp4`` next to ``out`` (``studio.splat.spin.render_orbit``;
    ``fps`` None: its default; ``background`` None: the model's recorded one), gated by ``screen_spin`` with
    ``store`` and ``clip`` (see ``screen_model``), then moved onto ``out`` with its ``.compliance.json``/``.html``;
    a failure, a cancel or a block leaves nothing at ``out`` (blocked: quarantined, ``ComplianceError``).
    Returns ``(out, GateResult)``.
    """
    from studio.compliance.gate import discard
    from studio.progress import scaled
    from studio.splat.spin import SPIN_FPS, render_orbit

    report = on_progress or (lambda fraction, message: None)
    if background is None:
        background = tuple(model.meta.get("background", (1.0, 1.0, 1.0)))  # type: ignore[assignment]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.part.mp4")
    try:
        render_orbit(
            model,
            tmp,
            width=int(width),
            height=int(height),
            seconds=float(seconds),
            fps=int(fps) if fps is not None else SPIN_FPS,
            background=background,  # type: ignore[arg-type]
            on_progress=scaled(report, 0.0, 0.85),
            cancel=cancel,
        )
        gated = screen_spin(
            tmp, out, store=store, clip=clip, category=category, on_progress=scaled(report, 0.85, 1.0)
        )
        return gated.publish(tmp, out), gated
    finally:
        discard(tmp)  # nothing left behind once published, blocked (quarantined) or failed
