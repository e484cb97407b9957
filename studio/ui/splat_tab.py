"""The 3D Studio tab: photos or a video in, a capture report, training with live previews, a 3D viewer of the
result, downloads (.ply / .splat / .spz) and "use in an ad" (an orbit MP4 recorded as a ``spin`` asset).

The handlers are plain functions of ``AppContext`` and the form values (tested directly, no browser); the
``build_splat_tab`` wiring only adapts them to Gradio (progress, errors, the shared GPU queue).
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from studio.cancel import CancelToken
from studio.devices import DEVICE_CHOICES
from studio.fsutil import new_folder
from studio.splat import SPIN_SECONDS, SPIN_SIZE
from studio.ui.context import GPU_QUEUE, MAX_UPLOAD_BYTES, AppContext
from studio.ui.jobs import (
    QUICK_LIMIT,
    QUICK_QUEUE,
    TabParts,
    eta_text,
    message,
    new_token,
    progress_reporter,
    stop,
)

BACKGROUNDS = [("Auto", "auto"), ("White", "white"), ("Black", "black"), ("Grey", "grey"), ("Green", "green")]
STATUS_EVERY = 1.0  # seconds between status-only updates sent to the page (previews are sent at once)
PREVIEWS_PER_RUN = 10  # a short run (a few hundred steps or less) still shows about this many previews
MASK_CHOICES = [("Auto", "auto"), ("Alpha only", "alpha"), ("None", "none")]
FORMAT_CHOICES = [
    (".ply (Inria 3DGS)", "ply"),
    (".splat (web viewers)", "splat"),
    (".spz (compressed)", "spz"),
]
DEFAULT_FORMATS = ("ply", "splat", "spz")


def _paths(files: Any) -> list[Path]:
    """Gradio gives file paths as str, dicts with "path"/"name", or objects with ``.name``."""
    if files is None:
        return []
    if not isinstance(files, (list, tuple)):
        files = [files]
    out = []
    for f in files:
        if isinstance(f, dict):
            f = f.get("path") or f.get("name")
        elif not isinstance(f, (str, Path)):
            f = getattr(f, "path", None) or getattr(f, "name", None)
        if f:
            out.append(Path(f))
    return out


def stage_uploads(ctx: AppContext, photos: Any, video: Any) -> tuple[Path, Path]:
    """Copy the uploads into a fresh job folder under ``ctx.outputs``: (input path, job folder).

    Raises ``InputError`` when nothing (or both a video and photos) was given, or a file is over the limit.
    """
    from studio.errors import InputError

    photo_paths = _paths(photos)
    video_paths = _paths(video)
    if not photo_paths and not video_paths:
        raise InputError(
            "Upload photos of the product or a video walking around it.",
            "20-200 sharp, overlapping photos, or a slow 20-60 s video.",
        )
    if photo_paths and video_paths:
        raise InputError("Upload either photos or a video, not both.")
    for path in photo_paths + video_paths:
        if not path.is_file():
            raise InputError(f"The upload {path.name} is missing on the server.", "Upload it again.")
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise InputError(
                f"{path.name} is {size / 1e6:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 1_000_000} MB."
            )
    job = new_folder(ctx.outputs, time.strftime("splat-%Y%m%d-%H%M%S"))
    inputs = job / "input"
    inputs.mkdir()
    if video_paths:
        target = inputs / video_paths[0].name
        shutil.copyfile(video_paths[0], target)
        return target, job
    used: set[str] = set()
    for path in photo_paths:
        name = path.name
        k = 1
        while name.lower() in used:
            name = f"{path.stem}_{k}{path.suffix}"
            k += 1
        used.add(name.lower())
        shutil.copyfile(path, inputs / name)
    return inputs, job


def report_markdown(report: Any) -> str:
    lines = [f"**{report.total} images, {len(report.usable)} usable ({report.distinct} distinct)**"]
    if report.sizes:
        lines.append("Sizes: " + ", ".join(f"{k} x{v}" for k, v in report.sizes.items()))
    lines += [f"- ▲ {w}" for w in report.warnings]
    lines += [f"- × {e}" for e in report.errors]
    if report.ok and not report.warnings:
        lines.append("- ✓ No problems found.")
    return "\n".join(lines)


CAPTURE_HEADERS = ["photo", "size", "sharpness", "brightness", "verdict"]


def capture_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The capture report (``CaptureReport.to_json()``) as a table a person reads: one row per photo with its
    size, sharpness, brightness and what the check made of it."""
    duplicates = {d["file"]: d["duplicate_of"] for d in data.get("duplicates", [])}
    usable = set(data.get("usable_images", []))
    blurry, dark, bright = (
        set(data.get("blurry", [])),
        set(data.get("dark", [])),
        set(data.get("overexposed", [])),
    )
    rows = []
    for image in data.get("images", []):
        name = image["name"]
        notes = []
        if name in blurry:
            notes.append("blurry")
        if name in dark:
            notes.append("too dark")
        if name in bright:
            notes.append("overexposed")
        if name in duplicates:
            notes.append(f"repeats {duplicates[name]}")
        verdict = ("✓ usable" if name in usable else "× not used") + (
            f" ({', '.join(notes)})" if notes else ""
        )
        rows.append([name, f"{image['width']}x{image['height']}", round(image["blur"], 1),
                     f"{image['brightness']:.0%}", verdict])  # fmt: skip
    rows += [[s["file"], "", "", "", f"× skipped: {s['reason']}"] for s in data.get("skipped", [])]
    rows += [[name, "", "", "", "ignored (not an image)"] for name in data.get("ignored", [])]
    return rows


def check_capture_handler(ctx: AppContext, photos: Any, video: Any) -> tuple[str, dict[str, Any]]:
    """The "Check capture" button: (markdown summary, report JSON). Unusable sets are shown, not raised."""
    from studio.splat.capture import check_capture
    from studio.splat.inputs import detect_input
    from studio.splat.pipeline import ReconstructOptions

    source_path, job = stage_uploads(ctx, photos, video)
    try:
        source = detect_input(source_path)
        files = source.files
        if source.kind == "video":
            from studio.splat.video_frames import sample_frames

            count = ReconstructOptions.model_fields["video_frames"].default
            files = sample_frames(source.path, job / "check-frames", count=count).paths
        report = check_capture(files, ignored=source.ignored)
        return report_markdown(report), report.to_json()
    finally:
        shutil.rmtree(job, ignore_errors=True)


def reconstruct_handler(
    ctx: AppContext,
    photos: Any,
    video: Any,
    steps: float | None,
    max_minutes: float | None,
    resolution: float,
    background: str,
    masks: str,
    holdout: float,
    device: str,
    progress: Any = None,
    cancel: CancelToken | None = None,
    preview_every: int | None = None,
    formats: list[str] | tuple[str, ...] | None = DEFAULT_FORMATS,
) -> Iterator[tuple[str, Any, dict[str, Any] | None, list[str], str]]:
    """The "Build 3D model" button, as a generator of (status, preview image, viewer, downloads, model);
    the viewer is ``{"path", "camera_position"}`` of the framed copy (see ``viewer_update``).

    The reconstruction runs in a worker thread; its progress goes to ``progress`` (gr.Progress) and its preview
    images are yielded as they come (status text at most every ``STATUS_EVERY`` s). Without ``preview_every``,
    a run of ``steps`` shows about ``PREVIEWS_PER_RUN`` previews (never fewer than the trainer's default gives).
    Closing the generator (Gradio's cancel) or cancelling ``cancel`` (the page's Stop) stops the run; the status
    says the time left, estimated from the time so far. ``formats`` are the exports the user ticked (none: the
    model file only); one that cannot hold the model is skipped with a warning.
    """
    from studio.errors import StudioError
    from studio.splat.pipeline import ReconstructOptions, reconstruct

    source, job = stage_uploads(ctx, photos, video)
    train_extra: dict[str, Any] = {}
    if preview_every is None and steps:
        from studio.splat.train import TrainConfig

        # the trainer's default cadence (every 250 steps) would show nothing at all for a 100-step trial run
        preview_every = min(TrainConfig.preview_every, max(1, int(steps) // PREVIEWS_PER_RUN))
    if preview_every:
        train_extra["preview_every"] = int(preview_every)
    options = ReconstructOptions.build(
        steps=int(steps) if steps else None,
        max_minutes=float(max_minutes) if max_minutes else None,
        resolution=int(resolution) if resolution else None,
        background=background,
        masks=masks,
        holdout=int(holdout),
        device=device,
        formats=tuple(formats or ()),
        train=train_extra,
    )
    events: queue.Queue = queue.Queue()
    flag = cancel.child() if cancel is not None else CancelToken()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = reconstruct(
                source,
                job / "model",
                options,
                store=ctx.store,
                on_progress=lambda f, m: events.put(("progress", f, m)),
                on_preview=lambda image: events.put(("preview", image, None)),
                cancel=flag,
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the generator, which re-raises it
            outcome["error"] = exc
        finally:
            events.put(("done", None, None))

    thread = threading.Thread(target=work, name="splat-reconstruct", daemon=True)
    thread.start()
    status = "Starting…"
    preview = None
    last_yield = 0.0
    started = time.monotonic()
    report = progress_reporter(progress)
    try:
        while True:
            kind, a, b = events.get()
            if kind == "progress":
                left = eta_text(a, time.monotonic() - started)
                status = f"{a:.0%} · {b}" + (f" · {left}" if left else "")
                if report is not None:
                    report(a, b)
                if time.monotonic() - last_yield < STATUS_EVERY:
                    continue
            elif kind == "preview":
                preview = a
            else:
                break
            last_yield = time.monotonic()
            yield status, preview, None, [], ""
    finally:
        if thread.is_alive():  # the generator was closed (cancel) or failed: stop the worker
            flag.cancel("the build was stopped")
            thread.join()
    error = outcome.get("error")
    if error is not None:
        if isinstance(error, StudioError):
            raise gr.Error(error.one_line()) from None
        raise error
    result = outcome["result"]
    quality = (
        f"PSNR {result.psnr:.2f} dB, SSIM {result.ssim:.3f} on held-out views"
        if result.psnr is not None
        else "no held-out views"
    )
    summary = (
        f"**Done** in {result.seconds.get('total', 0):.0f} s: {result.registered}/{result.images} images posed,"
        f" {result.gaussians:,} Gaussians, {quality}."
    )
    if result.unregistered:
        summary += f"\n\nNot placed: {', '.join(result.unregistered[:10])}"
    if result.warnings:
        summary += "\n\n" + "\n".join(f"- ▲ {w}" for w in result.warnings)
    # the viewer opens the framed copy (the product only, the camera where the photos were taken)
    viewer = None
    if result.viewer is not None:
        viewer = {"path": str(result.viewer), "camera_position": list(result.viewer_camera or ())}
    else:
        fallback = result.exports.get("splat") or result.exports.get("ply")
        viewer = {"path": str(fallback), "camera_position": []} if fallback else None
    downloads = [str(result.model)] + [str(p) for p in result.exports.values()]
    report_json = result.outdir / "capture_report.json"
    if report_json.is_file():
        downloads.append(str(report_json))
    yield summary, preview, viewer, downloads, str(result.model)


def viewer_update(viewer: dict[str, Any] | None) -> Any:
    """The Model3D update for a build's viewer: the framed copy, the camera at the photographed distance and
    elevation (``camera_position`` = alpha, beta in degrees, radius)."""
    if not viewer or not viewer.get("path"):
        return None
    camera = viewer.get("camera_position") or []
    if len(camera) == 3:
        return gr.update(value=viewer["path"], camera_position=tuple(float(c) for c in camera))
    return gr.update(value=viewer["path"])


def use_in_ad_handler(
    ctx: AppContext,
    model_path: str | None,
    seconds: float = SPIN_SECONDS,
    size: int = SPIN_SIZE,
    device: str = "auto",
    progress: Any = None,
    cancel: CancelToken | None = None,
) -> tuple[str, str]:
    """Render the orbit MP4 of the last model, gate and sign it like every published video
    (``studio.splat.screening.publish_spin``, with the app's store and CLIP) and record it in the store as a
    ``spin`` asset: (message, mp4). A blocked spin is quarantined and raises ``ComplianceError``."""
    from studio.devices import resolve_device
    from studio.errors import InputError
    from studio.splat.gaussians import load_model
    from studio.splat.screening import publish_spin

    if not model_path or not Path(model_path).is_file():
        raise InputError("Build a 3D model first.", "Upload photos or a video and press Build.")
    model_path = Path(model_path)
    dev = resolve_device(device)
    gaussians = load_model(model_path, device=dev)
    out = model_path.parent / f"spin-{int(size)}-{time.strftime('%H%M%S')}.mp4"
    out, gated = publish_spin(
        gaussians,
        out,
        store=ctx.store,
        clip=ctx.clip,
        width=int(size),
        height=int(size),
        seconds=float(seconds),
        on_progress=progress_reporter(progress),
        cancel=cancel,
    )
    asset_id = ctx.store.add_asset(out, "spin", width=int(size), height=int(size))
    verdict = gated.report.verdict
    return f"Spin saved (asset #{asset_id}, compliance: {verdict}); pick it in the Ad Studio tab.", str(out)


def stop_job(token: Any) -> None:
    """The Cancel button: stop the session's build or spin (also when it still waits in the queue)."""
    stop(token)


def build_splat_tab(ctx: AppContext) -> TabParts:
    """The tab's components and events (called inside ``with gr.Tab("3D Studio")``)."""
    from studio.errors import StudioError

    with gr.Row():
        with gr.Column(scale=5):
            photos = gr.File(
                label="Photos around the product (20-200, JPEG/PNG)",
                file_count="multiple",
                file_types=["image"],
                elem_id="splat-photos",
                height=160,
            )
            video = gr.File(
                label="Or a video walking around it (MP4/MOV)",
                file_types=["video"],
                elem_id="splat-video",
                height=150,
            )
            check = gr.Button("Check capture", elem_id="splat-check")
            with gr.Accordion("Settings", open=False, elem_id="splat-settings"):
                with gr.Row():
                    steps = gr.Number(
                        value=0,
                        precision=0,
                        minimum=0,
                        label="Training steps (0 = auto: 2000 CPU, 7000 GPU)",
                        elem_id="splat-steps",
                    )
                    max_minutes = gr.Number(
                        value=20,
                        minimum=0,
                        label="Time limit for the whole build (minutes, 0 = none)",
                        info="Extracting a video's frames, reading the photos, finding the camera poses,"
                        " training and export share it; when every photo or frame cannot fit, fewer are used,"
                        " and a build that cannot fit at all is refused before the heavy work",
                        elem_id="splat-minutes",
                    )
                with gr.Row():
                    resolution = gr.Slider(
                        0,
                        1600,
                        value=0,
                        step=32,
                        label="Training resolution (long edge px; 0 = auto: 200 CPU, 800 GPU)",
                        elem_id="splat-resolution",
                    )
                    holdout = gr.Slider(
                        0,
                        16,
                        value=8,
                        step=1,
                        label="Hold out every K-th view (0 = none)",
                        elem_id="splat-holdout",
                    )
                with gr.Row():
                    background = gr.Dropdown(
                        BACKGROUNDS,
                        value="auto",
                        label="Background",
                        info="Auto: white behind a masked product, the photos' mean colour otherwise",
                    )
                    masks = gr.Dropdown(
                        MASK_CHOICES, value="auto", label="Masks", info="Auto: alpha, else a plain backdrop"
                    )
                    device = gr.Dropdown(
                        list(DEVICE_CHOICES), value="auto", label="Device", elem_id="splat-device"
                    )
                formats = gr.CheckboxGroup(
                    FORMAT_CHOICES,
                    value=list(DEFAULT_FORMATS),
                    label="Export formats (the .safetensors model is always saved)",
                    elem_id="splat-formats",
                )
            build = gr.Button("Build 3D model", variant="primary", elem_id="splat-build")
            stop = gr.Button("Cancel", elem_id="splat-cancel")
        with gr.Column(scale=6):
            report_md = gr.Markdown(
                "Upload photos or a video, then **Check capture** or **Build 3D model**.",
                elem_id="splat-report",
            )
            report_table = gr.Dataframe(headers=CAPTURE_HEADERS, label="Capture report", interactive=False,
                                        wrap=True, visible=False, elem_id="splat-capture-table")  # fmt: skip
            status = gr.Markdown("", elem_id="splat-status")
            preview = gr.Image(
                label="Training preview", interactive=False, elem_id="splat-preview", height=300
            )
            viewer = gr.Model3D(label="3D model", elem_id="splat-viewer", height=420)
            downloads = gr.File(
                label="Downloads (.safetensors, .ply, .splat, .spz, capture report)",
                file_count="multiple",
                interactive=False,
                elem_id="splat-downloads",
            )
            with gr.Row():
                spin_seconds = gr.Slider(
                    3, 15, value=SPIN_SECONDS, step=1, label="Spin length (s)", elem_id="splat-spin-seconds"
                )
                spin_size = gr.Dropdown(
                    [480, 720, 1080], value=SPIN_SIZE, label="Spin size (px)", elem_id="splat-spin-size"
                )
            use = gr.Button("Use in an ad", elem_id="splat-use")
            spin_video = gr.Video(label="Product spin", interactive=False, elem_id="splat-spin", height=300)
            use_status = gr.Markdown("", elem_id="splat-use-status")
    model_state = gr.State("")
    token = gr.State(None)  # the session's running build or spin, cancelled by the Stop button
    viewer_file = gr.State(None)  # the build's viewer copy and camera, shown once the build has finished

    def on_check(photos_value, video_value):
        try:
            text, data = check_capture_handler(ctx, photos_value, video_value)
        except StudioError as exc:
            raise gr.Error(message(exc)) from None
        return text, gr.update(value=capture_rows(data), visible=True)

    def on_build(
        photos_value,
        video_value,
        steps_v,
        minutes_v,
        res_v,
        bg_v,
        masks_v,
        holdout_v,
        device_v,
        formats_v,
        cancel,
        progress=gr.Progress(),  # noqa: B008 - gradio injects the tracker
    ):
        try:
            yield from reconstruct_handler(
                ctx,
                photos_value,
                video_value,
                steps_v,
                minutes_v,
                res_v,
                bg_v,
                masks_v,
                holdout_v,
                device_v,
                progress=progress,
                formats=formats_v,
                cancel=cancel,
            )
        except StudioError as exc:
            raise gr.Error(message(exc)) from None

    def on_use(model_value, seconds_v, size_v, device_v, cancel, progress=gr.Progress()):  # noqa: B008
        try:
            return use_in_ad_handler(
                ctx, model_value, seconds_v, size_v, device_v, progress=progress, cancel=cancel
            )
        except StudioError as exc:
            raise gr.Error(message(exc)) from None

    check.click(on_check, inputs=[photos, video], outputs=[report_md, report_table], api_name="splat_check",
                concurrency_id=QUICK_QUEUE, concurrency_limit=QUICK_LIMIT)  # fmt: skip
    # The viewer is cleared before the build and set by a plain event after it, never by the build's generator:
    # gradio 6's Model3D drops a .splat/.ply that arrives as the last update of a streaming event (the final
    # message repeats the value, which cancels the viewer's lazy loading), and the 3D view stayed empty.
    build_event = build.click(
        lambda old: (None, new_token(old)),
        inputs=[token],
        outputs=[viewer, token],
        queue=False,
        api_visibility="private",
    ).then(
        on_build,
        inputs=[
            photos,
            video,
            steps,
            max_minutes,
            resolution,
            background,
            masks,
            holdout,
            device,
            formats,
            token,
        ],
        outputs=[status, preview, viewer_file, downloads, model_state],
        concurrency_id=GPU_QUEUE,
        concurrency_limit=1,
        api_name="splat_build",
    )
    build_event.success(viewer_update, inputs=[viewer_file], outputs=[viewer], api_visibility="private")
    stop.click(stop_job, inputs=[token], cancels=[build_event], queue=False, api_visibility="private")
    spin_event = use.click(
        new_token, inputs=[token], outputs=[token], queue=False, api_visibility="private"
    ).then(
        on_use,
        inputs=[model_state, spin_seconds, spin_size, device, token],
        outputs=[use_status, spin_video],
        concurrency_id=GPU_QUEUE,
        concurrency_limit=1,
        api_name="splat_use_in_ad",
    )
    return TabParts(jobs=[build_event, spin_event])
