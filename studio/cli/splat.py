"""`studio splat`: photos, a video or a posed set -> a 3D Gaussian-splat model; capture check; spins; exports.

    studio splat INPUT -o OUTDIR [options]      reconstruct (same as `studio splat build INPUT ...`)
    studio splat check INPUT                    the capture report, before any heavy work
    studio splat render MODEL --orbit -o spin.mp4
    studio splat export MODEL --format ply|splat|spz

A thin layer over ``studio.splat.pipeline.reconstruct`` and splat-core's export / spin functions. A first
argument that is not a command name is the INPUT of ``build`` (a folder literally named like a command needs
``studio splat build NAME``).
"""

from __future__ import annotations

from pathlib import Path

import click

from studio.cli.common import choices, default, print_json, progress_bar
from studio.devices import DEVICE_CHOICES
from studio.splat import SPIN_FPS, SPIN_SECONDS, SPIN_SIZE
from studio.splat.capture import CaptureThresholds
from studio.splat.pipeline import CPU_RESOLUTION, GPU_RESOLUTION, ReconstructOptions

FORMATS = ("ply", "splat", "spz")


class SplatGroup(click.Group):
    """A group whose default command is ``build``: ``studio splat INPUT ...`` == ``studio splat build INPUT ...``."""

    default_command = "build"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "INPUT... -o OUTDIR [OPTIONS] | COMMAND [ARGS]...")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        build = self.commands.get(self.default_command)
        if build is not None:
            with formatter.section("Options of `studio splat INPUT` (the build command)"):
                rows = [
                    p.get_help_record(ctx)
                    for p in build.get_params(ctx)
                    if isinstance(p, click.Option) and p.name != "help"
                ]
                formatter.write_dl([r for r in rows if r is not None])


@click.group(cls=SplatGroup, context_settings={"help_option_names": ["-h", "--help"]})
def splat() -> None:
    """3D product splats: reconstruct from photos, a video, a COLMAP model or a transforms.json.

    INPUT is a folder of photos (JPEG/PNG, EXIF orientation honoured), photo files, a video (MP4/MOV: the
    sharpest frames are sampled), a COLMAP project/sparse folder, or a transforms.json (NeRF or nerfstudio).
    Writes model.safetensors plus model.ply / model.splat (viewers), capture_report.json, cameras.json and
    result.json into OUTDIR.
    """


def _require_file(model: Path) -> None:
    """Fail fast (before importing torch) on a model path that is not there."""
    if not model.is_file():
        from studio.errors import InputError

        raise InputError(
            f"The model file {model} does not exist.", "Build one with `studio splat INPUT -o OUT`."
        )


def _parse_crop(value: str | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        numbers = tuple(float(v) for v in value.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) != 6:
        raise click.BadParameter("give six numbers: minx,miny,minz,maxx,maxy,maxz", param_hint="--crop")
    return numbers


def _parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(
            f"{', '.join(bad) or value!r}: use a comma list of {', '.join(FORMATS)}", param_hint="--formats"
        )
    return formats


@splat.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (created if missing).",
)
@click.option("--steps", type=int, help="Training steps (default: 2000 on CPU, 7000 on CUDA).")
@click.option(
    "--max-minutes",
    type=float,
    help="Time limit for the whole run, capture check to export: a video's frame extraction and reading the"
    " images (both timed on a short sample first), SfM, training and export share it (the plan is shown on the"
    " progress line); when every image or frame cannot fit, fewer are used, evenly spread (a video's frames also"
    " fewer candidates or smaller); a loading stage that overruns is stopped and the rest planned again; a run"
    " that cannot fit at all is refused before the heavy work.",
)
@click.option(
    "--train-minutes",
    type=float,
    help="Stop training after this many minutes (training alone, then evaluate).",
)
@click.option(
    "--resolution",
    type=int,
    help=f"Training images' long edge, px (default: {CPU_RESOLUTION} on CPU, {GPU_RESOLUTION} on CUDA).",
)
@click.option(
    "--sfm-resolution",
    type=int,
    default=default(ReconstructOptions, "sfm_resolution"),
    help="Long edge of the images SfM sees, px (default: by photo count, 1600 for up to 40 photos).",
)
@click.option(
    "--device",
    type=click.Choice(DEVICE_CHOICES),
    default=default(ReconstructOptions, "device"),
    show_default=True,
)
@click.option(
    "--holdout",
    type=int,
    default=default(ReconstructOptions, "holdout"),
    show_default=True,
    help="Hold out every K-th view for PSNR/SSIM (0: none).",
)
@click.option(
    "--background",
    default="auto",
    show_default=True,
    help="Training background: auto, white, black, grey, green, #rrggbb or r,g,b. auto: white behind masked "
    "objects, the photos' mean colour when there are no masks (the whole scene is trained).",
)
@click.option(
    "--masks",
    type=click.Choice(choices(ReconstructOptions, "masks")),
    default=default(ReconstructOptions, "masks"),
    show_default=True,
    help="auto: alpha, else plain-backdrop separation; alpha: only RGBA alpha; none: no masks.",
)
@click.option("--crop", help="Crop box in the normalised frame (object radius 1, up +y): x0,y0,z0,x1,y1,z1.")
@click.option("--no-normalize", is_flag=True, help="Keep the input's coordinate frame.")
@click.option(
    "--frames",
    "video_frames",
    type=int,
    default=default(ReconstructOptions, "video_frames"),
    show_default=True,
    help="Frames kept from a video.",
)
@click.option(
    "--matcher",
    type=click.Choice(choices(ReconstructOptions, "matcher")),
    default=default(ReconstructOptions, "matcher"),
    show_default=True,
    help="SfM matching. auto: sequential with loop closure for video frames, every pair up to 40 photos,"
    " retrieval (neighbours in capture order + nearest images by visual words) beyond.",
)
@click.option(
    "--mapper",
    type=click.Choice(["auto", "incremental", "global"]),
    default="auto",
    show_default=True,
    help="SfM mapper (auto: pycolmap's global mapper where installed).",
)
@click.option(
    "--formats",
    default=",".join(default(ReconstructOptions, "formats")),
    show_default=True,
    help="Exports: comma list of ply,splat,spz.",
)
@click.option(
    "--schedule",
    type=click.Choice(choices(ReconstructOptions, "schedule")),
    default=default(ReconstructOptions, "schedule"),
    show_default=True,
    help="Training schedule: compact (CPU-sized) or the full 3DGS one; auto picks by device.",
)
@click.option("--seed", type=int, default=default(ReconstructOptions, "seed"), show_default=True)
@click.option("--resume", is_flag=True, help="Continue from the last training checkpoint in OUTDIR.")
@click.option("--project", help="Record the run under this project name.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the result.")
def build(
    inputs: tuple[Path, ...],
    outdir: Path,
    steps: int | None,
    max_minutes: float | None,
    train_minutes: float | None,
    resolution: int | None,
    sfm_resolution: int | None,
    device: str,
    holdout: int,
    background: str,
    masks: str,
    crop: str | None,
    no_normalize: bool,
    video_frames: int,
    matcher: str,
    mapper: str,
    formats: str,
    schedule: str,
    seed: int,
    resume: bool,
    project: str | None,
    as_json: bool,
) -> None:
    """Reconstruct a splat model from INPUT into OUTDIR (also the default: `studio splat INPUT -o OUTDIR`)."""
    from studio.splat.pipeline import reconstruct
    from studio.store import open_store

    options = ReconstructOptions.build(
        steps=steps,
        max_minutes=max_minutes,
        train_minutes=train_minutes,
        resolution=resolution,
        sfm_resolution=sfm_resolution,
        device=device,
        holdout=holdout,
        background=background,
        masks=masks,
        crop=_parse_crop(crop),
        normalize=not no_normalize,
        video_frames=video_frames,
        matcher=matcher,
        mapper=mapper,
        formats=_parse_formats(formats),
        schedule=schedule,
        seed=seed,
        resume=resume,
    )
    source = inputs[0] if len(inputs) == 1 else list(inputs)
    store = open_store()
    project_id = store.project(project) if project else None
    with progress_bar("Splat") as report:
        result = reconstruct(source, outdir, options, store=store, on_progress=report, project_id=project_id)
    if as_json:
        print_json(result.to_json())
        return
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    quality = (
        f"PSNR {result.psnr:.2f} dB, SSIM {result.ssim:.3f}"
        if result.psnr is not None
        else "no held-out views"
    )
    click.echo(
        f"{result.registered}/{result.images} images posed, {result.gaussians:,} Gaussians,"
        f" {result.steps} steps on {result.device}, {quality}, {result.seconds.get('total', 0):.0f} s"
    )
    click.echo(f"model  {result.model}")
    for fmt, path in result.exports.items():
        click.echo(f"{fmt:6s} {path}")


@splat.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--min-usable",
    type=int,
    default=default(CaptureThresholds, "min_usable"),
    show_default=True,
    help="Fewer usable images is an error.",
)
@click.option(
    "--frames",
    "video_frames",
    type=int,
    default=default(ReconstructOptions, "video_frames"),
    show_default=True,
    help="Frames sampled from a video before checking.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def check(inputs: tuple[Path, ...], min_usable: int, video_frames: int, as_json: bool) -> None:
    """Capture check: counts, blur, exposure, near-duplicates and sizes; exit 2 if the set is unusable."""
    import tempfile

    from studio.errors import InputError
    from studio.splat.capture import check_capture, require_usable
    from studio.splat.inputs import detect_input, read_transforms_json, resolve_frame_file

    source = detect_input(inputs[0] if len(inputs) == 1 else list(inputs))
    thresholds = CaptureThresholds(min_usable=min_usable)
    with (
        tempfile.TemporaryDirectory(prefix="studio-splat-check-") as tmp,
        progress_bar("Checking") as report,
    ):
        if source.kind == "video":
            from studio.splat.video_frames import sample_frames

            files = sample_frames(source.path, Path(tmp), count=video_frames).paths
        elif source.kind == "nerf":
            data = read_transforms_json(source.files[0])
            files = [
                resolve_frame_file(source.files[0].parent, str(f.get("file_path", "")))
                for f in data["frames"]
            ]
        else:
            files = source.files
        if not files:
            raise InputError(f"No images found in {source.path}.")
        result = check_capture(files, thresholds=thresholds, ignored=source.ignored, on_progress=report)
    if as_json:
        print_json({"input": str(source.path), "kind": source.kind, **result.to_json()})
    else:
        click.echo(result.text())
    require_usable(result)


@splat.command()
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--orbit", is_flag=True, required=True, help="Render a turntable orbit around the object.")
@click.option(
    "-o", "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output MP4."
)
@click.option("--width", type=int, default=SPIN_SIZE, show_default=True)
@click.option("--height", type=int, default=SPIN_SIZE, show_default=True)
@click.option("--seconds", type=float, default=SPIN_SECONDS, show_default=True, help="Length of one turn.")
@click.option("--fps", type=int, default=SPIN_FPS, show_default=True)
@click.option("--device", type=click.Choice(DEVICE_CHOICES), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def render(
    model: Path,
    orbit: bool,
    out: Path,
    width: int,
    height: int,
    seconds: float,
    fps: int,
    device: str,
    as_json: bool,
) -> None:
    """Render a product spin (MP4) of MODEL (.safetensors, .ply, .splat or .spz)."""
    _require_file(model)
    from studio.devices import resolve_device
    from studio.splat.gaussians import load_model

    if out.suffix.lower() != ".mp4":
        from studio.errors import InputError

        raise InputError(f"The spin must be an .mp4 file, got {out.name!r}.", "Use -o spin.mp4.")
    from studio.splat.screening import publish_spin
    from studio.store import open_store

    dev = resolve_device(device)
    gaussians = load_model(model, device=dev)  # the spin renders on the device the model is on
    with progress_bar("Rendering") as report:
        # a published spin is screened and signed like an ad; blocked: quarantined, ComplianceError
        path, _ = publish_spin(
            gaussians,
            out,
            store=open_store(),
            width=width,
            height=height,
            seconds=seconds,
            fps=fps,
            on_progress=report,
        )
    if as_json:
        print_json({"video": str(path), "width": width, "height": height, "seconds": seconds, "fps": fps})
    else:
        click.echo(str(path))


@splat.command("export")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="ply, splat or spz.")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: MODEL with the format's extension).",
)
def export_command(model: Path, fmt: str, out: Path | None) -> None:
    """Export MODEL to a standard 3DGS .ply, an antimatter15 .splat or a Niantic .spz."""
    _require_file(model)
    from studio.errors import InputError
    from studio.splat.export import export
    from studio.splat.gaussians import load_model

    out = out or model.with_suffix(f".{fmt}")
    if out.suffix.lower() != f".{fmt}":
        raise InputError(f"The output {out.name!r} does not end in .{fmt}.", f"Use -o NAME.{fmt}.")
    if out.resolve() == model.resolve():
        raise InputError("The output would overwrite the model itself.", "Choose another -o path.")
    import os
    import tempfile

    from studio.compliance.gate import discard
    from studio.splat.screening import screen_model
    from studio.store import open_store

    gaussians = load_model(model)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".part.{fmt}", dir=out.parent.resolve())
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        export(gaussians, tmp, fmt, on_warning=lambda message: click.echo(f"warning: {message}", err=True))
        gated = screen_model(gaussians, tmp, out, store=open_store())  # quarantined when blocked
        gated.publish(tmp, out)  # the model, then its report next to it
    finally:
        discard(tmp)
    click.echo(str(out))
