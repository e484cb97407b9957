"""Making ads: spec -> one MP4 per platform, each with a cover image and an .srt of its on-screen text.

This is the one function the CLI, the app and batch scripts call. A render is all-or-nothing: every platform is
rendered to a temporary file first; only when all succeed (and pass the export gate) are they renamed into place.
A failure leaves no partial file and is recorded in the store as failed with its reason.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import InputError, StudioError
from studio.fsutil import ensure_writable_dir
from studio.images import load_photo
from studio.progress import ProgressFn, null_progress, scaled
from studio.spec import AdSpec
from studio.store import Store
from studio.video.compose import iter_frames, render_frame
from studio.video.encode import EncodeSettings, encode_frames
from studio.video.presets import get_preset
from studio.video.templates import TEMPLATES, Resources
from studio.video.text import resolve_font
from studio.video.timeline import Timeline

MIN_PHOTO_EDGE = 320  # px, short edge: smaller photos look blurry on a 1080 px frame


@dataclass(frozen=True)
class AdOutput:
    platform: str
    path: Path
    cover: Path
    srt: Path
    width: int
    height: int
    duration: float
    fps: int

    def to_json(self) -> dict:
        data = asdict(self)
        return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}


@dataclass(frozen=True)
class BlockedOutput:
    """A platform's output that the compliance screen blocked (it waits in quarantine with its report)."""

    platform: str
    message: str  # the gate's one-line reason (rules, quarantine folder)

    def to_json(self) -> dict:
        return {"platform": self.platform, "message": self.message}


@dataclass(frozen=True)
class AdResult:
    render_id: int | None
    outputs: list[AdOutput]
    timings: dict[str, float]
    blocked: list[BlockedOutput] = field(default_factory=list)  # platforms the screen blocked (others kept)
    screened: bool = True  # False: published unscreened by an explicit choice (status "unscreened")


# A gate screens a finished temporary file (a platform's MP4, then its cover JPEG) before it is renamed onto
# its final path, and returns what to publish with it (``studio.compliance.gate.GateResult``: the staged reports;
# None: nothing). It raises ``ComplianceError`` when the file is blocked (see studio.compliance).
Gate = Callable[[Path, Path, Timeline, AdSpec], Any]
UNSCREENED_REASON = "published without the compliance screen (screen=False / --no-screen)"


def slug(text: str) -> str:
    """A file-name stem from the product name: letters and digits of any script (CJK included), '-' between."""
    stem = re.sub(r"[^\w]+|_+", "-", text, flags=re.UNICODE).strip("-").lower()
    return stem[:60] or "ad"


def bundled_music(music_id: str | None = None) -> Path | None:
    """The bundled music track (``music.*`` in assets/manifest.yaml): the first one, or ``music_id``."""
    import yaml

    from studio.settings import assets_dir

    manifest = assets_dir() / "manifest.yaml"
    if not manifest.is_file():
        return None
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8")).get("assets", [])
    for entry in entries:
        if entry.get("kind") == "music" and (music_id is None or entry.get("id") == music_id):
            return assets_dir() / entry["path"]
    return None


def resolve_resources(spec: AdSpec) -> Resources:
    """Check every input file before any heavy work; errors name the field and the file."""
    for index, photo in enumerate(spec.photos):
        load_photo(photo, min_size=MIN_PHOTO_EDGE, what=f"photo {index + 1}")
    if spec.logo is not None:
        load_photo(spec.logo, what="logo")
    music: Path | None = None
    if spec.music == "default":
        music = bundled_music()
    elif spec.music:
        music = bundled_music(spec.music) if spec.music.startswith("music.") else Path(spec.music)
        if music is None or not music.is_file():
            raise InputError(
                f"The music {spec.music!r} was not found.", "Give an audio file path, 'default' or null."
            )
    spin_clip = None
    if spec.spin is not None and not Path(spec.spin).is_file():
        raise InputError(
            f"The 3D spin {spec.spin} does not exist.",
            "Give a splat model (.safetensors, .ply, .splat, .spz) or a spin clip (.mp4).",
        )
    return Resources(
        photos=tuple(Path(p) for p in spec.photos),
        logo=spec.logo,
        font=resolve_font(spec.font),
        music=music,
        spin_clip=spin_clip,
    )


def build_timeline(spec: AdSpec, platform: str, resources: Resources) -> Timeline:
    return TEMPLATES[spec.template](spec, get_preset(platform), resources)


def srt_text(timeline: Timeline) -> str:
    """The on-screen text as SubRip cues (one per text layer, in time order)."""

    def stamp(t: float) -> str:
        ms = round(t * 1000)
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    cues = []
    for n, (start, end, layer) in enumerate(timeline.text_events(), start=1):
        end = min(end, timeline.duration)
        cues.append(f"{n}\n{stamp(start)} --> {stamp(end)}\n{join_lines(layer.lines)}\n")
    return "\n".join(cues)


def join_lines(lines: tuple[str, ...]) -> str:
    """Wrapped lines back into one string: CJK joins without a space, Latin with one."""
    out = ""
    for line in lines:
        if out and not (_is_cjk(out[-1]) or _is_cjk(line[:1])):
            out += " "
        out += line
    return out


def _is_cjk(ch: str) -> bool:
    return bool(ch) and (
        "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"
    )


def cover_time(timeline: Timeline) -> float:
    """When the headline is fully on screen (the best still for a cover)."""
    for start, end, layer in timeline.text_events():
        if layer.role == "headline":
            return min(start + layer.anim.fade_in + 0.3, end - 0.05)
    return min(1.0, timeline.duration / 2)


def make_ad(
    spec: AdSpec,
    outdir: str | Path,
    *,
    store: Store | None = None,
    on_progress: ProgressFn | None = None,
    encode: EncodeSettings = EncodeSettings(),  # noqa: B008 - frozen dataclass
    gate: Gate | None = None,
    screen: bool = True,
    clip: Any = None,
    all_or_nothing: bool = False,
    cancel: threading.Event | None = None,
    project: str | None = None,
) -> AdResult:
    """Render ``spec`` for each of its platforms into ``outdir``.

    Every MP4 and cover JPEG is screened by the compliance export gate and signed before it is published:
    ``gate`` (default: ``studio.compliance.gate.ad_gate(store, clip=clip)``; ``clip`` is the caller's
    ``ClipHandle``, so the CLIP model is loaded once per process or app, not per render). ``screen=False``
    publishes unscreened by an explicit choice: the store records the render as ``unscreened`` (not ``done``)
    and every output gets a report saying so. When the screen cannot even be loaded, nothing is published.

    A platform the screen blocks is quarantined; the other platforms are still published (``AdResult.blocked``
    names the blocked ones; the render is recorded as ``blocked``) unless ``all_or_nothing``, when nothing is.
    When every platform is blocked a ``ComplianceError`` is raised.

    Returns the outputs (MP4 + cover JPEG + .srt per platform). Raises a ``StudioError`` on bad input or a failed
    render, after recording the failure in ``store``.
    """
    from studio.errors import ComplianceError, DependencyError

    report = on_progress or null_progress
    outdir = Path(outdir)
    render_id = None
    project_id = None
    if store is not None:
        project_id = store.project(project or spec.product)
        render_id = store.start_render("ad", spec.to_data(), project_id)
    timings: dict[str, float] = {}
    temps: list[list[Any]] = []  # [temporary, final, what the gate returned for it]
    try:
        t0 = time.perf_counter()
        if gate is None and screen:
            try:
                from studio.compliance.gate import ad_gate
            except ImportError as exc:  # fail closed: no screen, no publishing
                raise DependencyError(
                    f"The compliance screen cannot be loaded ({exc}); nothing was published.",
                    "Reinstall studio; to publish unscreened anyway, turn the screen off explicitly"
                    " (--no-screen), which the history and the reports record.",
                ) from exc
            gate = ad_gate(store, clip=clip, render_id=render_id)
        ensure_writable_dir(outdir)
        resources = resolve_resources(spec)
        if spec.spin is not None:
            resources = _with_spin(spec, resources, outdir)
        timelines = {p: build_timeline(spec, p, resources) for p in spec.platforms}
        timings["prepare"] = time.perf_counter() - t0
        outputs: list[AdOutput] = []
        blocked: list[BlockedOutput] = []
        base = slug(spec.product)
        n = len(timelines)
        with tempfile.TemporaryDirectory(prefix="studio-audio-") as scratch:
            # every platform's timeline lasts exactly spec.duration (the templates check it): one music bed
            audio = _prepare_audio(next(iter(timelines.values())), Path(scratch) / "music.wav")
            for k, (platform, timeline) in enumerate(timelines.items()):
                part = scaled(report, k / n, (k + 1) / n)
                t1 = time.perf_counter()
                final = outdir / f"{base}-{platform}.mp4"
                tmp = outdir / f".{final.stem}.part.mp4"
                cover_final = outdir / f"{base}-{platform}-cover.jpg"
                cover_tmp = outdir / f".{cover_final.stem}.part.jpg"
                srt_final = outdir / f"{base}-{platform}.srt"
                srt_tmp = outdir / f".{srt_final.stem}.part.srt"
                mine = [[tmp, final, None], [cover_tmp, cover_final, None], [srt_tmp, srt_final, None]]
                temps += mine  # removed on any failure below
                part(0.0, f"{platform}: rendering")
                encode_frames(
                    iter_frames(timeline),
                    tmp,
                    width=timeline.width,
                    height=timeline.height,
                    fps=timeline.fps,
                    frame_count=timeline.frame_count,
                    audio_wav=audio,
                    settings=encode,
                    on_progress=lambda f, m, part=part, platform=platform: part(f * 0.97, f"{platform}: {m}"),
                    cancel=cancel,
                )
                render_frame(timeline, cover_time(timeline)).save(cover_tmp, "JPEG", quality=90)
                srt_tmp.write_text(srt_text(timeline), encoding="utf-8")
                if gate is not None:
                    part(0.98, f"{platform}: compliance screen")
                    try:
                        for entry in mine[:2]:  # the MP4, then its cover: every published picture is screened
                            entry[2] = gate(entry[0], entry[1], timeline, spec)
                    except ComplianceError as exc:
                        _discard(mine)
                        del temps[-len(mine) :]
                        blocked.append(BlockedOutput(platform, exc.one_line()))
                        if all_or_nothing or len(blocked) == n:
                            raise
                        continue
                timings[f"render_{platform}"] = time.perf_counter() - t1
                outputs.append(
                    AdOutput(
                        platform,
                        final,
                        cover_final,
                        srt_final,
                        timeline.width,
                        timeline.height,
                        round(timeline.frame_count / timeline.fps, 3),
                        timeline.fps,
                    )
                )
        _publish(temps, unscreened=gate is None)
        temps.clear()
        timings["total"] = time.perf_counter() - t0
        if store is not None and render_id is not None:
            for output in outputs:
                store.add_asset(
                    output.path,
                    "video",
                    project_id=project_id,
                    role=f"ad:{output.platform}",
                    width=output.width,
                    height=output.height,
                )
            status, reason = "done", None
            if gate is None:
                status, reason = "unscreened", UNSCREENED_REASON
            elif blocked:
                status = "blocked"
                reason = "; ".join(f"{b.platform}: {b.message}" for b in blocked)
                reason += f" (published: {', '.join(o.platform for o in outputs)})"
            store.finish_render(
                render_id, status, reason=reason, outputs=[o.to_json() for o in outputs], timings=timings
            )
        report(1.0, "done" if not blocked else f"done; blocked: {', '.join(b.platform for b in blocked)}")
        return AdResult(render_id, outputs, timings, blocked, screened=gate is not None)
    except BaseException as exc:
        _discard(temps)
        if store is not None and render_id is not None:
            from studio.errors import Cancelled

            status = (
                "cancelled"
                if isinstance(exc, Cancelled)
                else "blocked"
                if isinstance(exc, ComplianceError)
                else "failed"
            )
            reason = exc.one_line() if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
            store.finish_render(render_id, status, reason=reason, timings=timings)
        raise


def _publish(temps: list[list[Any]], *, unscreened: bool) -> None:
    """Rename every staged file (and the reports its gate staged) into place; unscreened pictures get a report
    that says so."""
    for tmp, final, gated in temps:
        if gated is not None and hasattr(gated, "publish"):
            gated.publish(tmp, final)
        else:
            tmp.replace(final)
        if unscreened and final.suffix in (".mp4", ".jpg"):
            from studio.compliance.gate import write_unscreened_report
            from studio.fsutil import sha256_file

            write_unscreened_report(final, UNSCREENED_REASON, media_sha256=sha256_file(final))


def _discard(temps: list[list[Any]]) -> None:
    """Remove staged files and the reports staged next to them (never the final paths: an earlier render's
    files and reports stay as they were)."""
    for tmp, _final, _gated in temps:
        tmp.unlink(missing_ok=True)
        for suffix in (".compliance.json", ".compliance.html"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)


def _prepare_audio(timeline: Timeline, wav: Path) -> Path | None:
    from studio.video.audio import prepare_music

    if timeline.audio.path is None:
        return None
    prepare_music(
        Path(timeline.audio.path),
        timeline.frame_count / timeline.fps,
        wav,
        fade_in=timeline.audio.fade_in,
        fade_out=timeline.audio.fade_out,
    )
    return wav


SPIN_SIZE = 540  # px, square: the orbit is rendered once and scaled into the shot's box


def _with_spin(spec: AdSpec, resources: Resources, outdir: Path) -> Resources:
    """The 3D product spin shot: a ready spin clip (.mp4, e.g. from the 3D Studio's "use in an ad") is used as it
    is; a splat model is orbited once on the brand background."""
    from dataclasses import replace

    from studio.video.templates import hex_rgb

    if Path(spec.spin).suffix.lower() in (".mp4", ".mov", ".webm"):
        return replace(resources, spin_clip=Path(spec.spin))

    try:
        from studio.splat.spin import render_orbit
    except ImportError as exc:  # pragma: no cover - the splat package ships with studio
        raise InputError("The 3D spin needs studio's splat module.", "Reinstall studio.") from exc
    cache = Path(tempfile.mkdtemp(prefix="studio-spin-"))
    clip = cache / "spin.mp4"
    bg = tuple(c / 255 for c in hex_rgb(spec.brand.background))
    render_orbit(Path(spec.spin), clip, width=SPIN_SIZE, height=SPIN_SIZE, seconds=3.0, fps=30, background=bg)
    return replace(resources, spin_clip=clip)
