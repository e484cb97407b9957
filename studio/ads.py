"""Making ads: spec -> one MP4 per platform, each with a cover image and an .srt of its on-screen text.

This is the one function the CLI, the app and batch scripts call. A render is all-or-nothing: every platform is
rendered to a temporary file first; only when all succeed (and pass the export gate) are they renamed into place.
A failure leaves no partial file and is recorded in the store as failed with its reason.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from studio.cancel import CancelToken, check
from studio.crash import crash_point
from studio.errors import Cancelled, ComplianceError, DependencyError, InputError, StudioError
from studio.fsutil import ensure_writable_dir, fsync_dir, fsync_file
from studio.images import load_photo
from studio.media.encode import EncodeSettings, encode_frames
from studio.media.types import is_video
from studio.progress import ProgressFn, null_progress, scaled
from studio.spec import AdSpec
from studio.store import Store
from studio.video import ai_shots  # registers the AI clip layer kind with the compositor
from studio.video.compose import iter_frames, render_frame
from studio.video.presets import get_preset
from studio.video.templates import TEMPLATES, Resources
from studio.video.text import resolve_font
from studio.video.timeline import Timeline

log = logging.getLogger(__name__)
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
    motion: list[ai_shots.MotionNote] = field(default_factory=list)  # per AI shot: generated/cached/fallback


# A gate screens a finished temporary file (a platform's MP4, then its cover JPEG) before it is renamed onto
# its final path, and returns what to publish with it (``studio.compliance.gate.GateResult``: its ``staged``
# reports; None: nothing). It raises ``ComplianceError`` when the file is blocked (see studio.compliance).
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


def build_timeline(spec: AdSpec, platform: str, resources: Resources, width: int | None = None) -> Timeline:
    """The timeline of one platform, ``width`` px wide (None: the platform's own size; see ``Preset.at_width``)."""
    return TEMPLATES[spec.template](spec, get_preset(platform).at_width(width), resources)


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
    cancel: CancelToken | None = None,
    project: str | None = None,
    stem: str | None = None,
    motion: ai_shots.MotionPipelines | None = None,
    clip_cache: ai_shots.ClipCache | None = None,
    width: int | None = None,
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
    render, after recording the failure in ``store``. Files are named ``STEM-PLATFORM.mp4`` (``stem`` defaults to
    the product name's slug; batch names them by product id). ``width``: render each platform that many pixels
    wide, keeping its aspect and scaling the layout and safe zones (drafts, previews; None: the platform's size).

    Every file is written into a scratch folder of this render (``outdir/.studio-render-*``, unique per render, so
    two renders of one product at once never share a temporary name). The finished set is committed in one step:
    the renames are journalled in the store first, so a kill during them is completed by ``recover_renders`` at
    the next start; a kill before that leaves only the scratch folder, which ``recover_renders`` removes while
    recording the render as ``interrupted``.

    AI shots (``spec.ai_motion``, ``spec.broll``) get their clips before any frame is drawn
    (``studio.video.ai_shots.resolve_motion``: from ``clip_cache``, default ``$STUDIO_HOME/cache/ai_clips``, or
    generated with the caller's loaded pipeline ``motion``), or the weight-free motion where this machine cannot
    run the model; ``AdResult.motion`` says which, and why.
    """
    report = on_progress or null_progress
    outdir = Path(outdir)
    log.info("ad %r: %s, %g s, %s", spec.product, spec.template, spec.duration, ",".join(spec.platforms))
    for platform in spec.platforms:  # a bad width is the caller's input, not a failed render
        get_preset(platform).at_width(width)
    render_id = None
    project_id = None
    if store is not None:
        project_id = store.project(project or spec.product)
        render_id = store.start_render("ad", spec.to_data(), project_id)
    timings: dict[str, float] = {}
    status, reason = "done", None
    temps: list[tuple[Path, Path]] = []  # (temporary, final)
    scratch: Path | None = None
    committed = False
    try:
        t0 = time.perf_counter()
        check(cancel, "The render")
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
        scratch = outdir / f".studio-render-{render_id or 0}-{uuid.uuid4().hex[:12]}"
        if store is not None and render_id is not None:
            store.set_render_scratch(render_id, scratch)  # recorded before it exists: a kill never orphans it
        work = scratch / "work"  # intermediate files; the folder's top level holds only the output set
        work.mkdir(parents=True)
        resources = resolve_resources(spec)
        if spec.spin is not None:
            resources = _with_spin(spec, resources, work)
        timelines = {p: build_timeline(spec, p, resources, width) for p in spec.platforms}
        motion_notes: list[ai_shots.MotionNote] = []
        ai_share = 0.0
        if any(ai_shots.motion_layers(t) for t in timelines.values()):
            ai_share = 0.5  # of the progress bar: generating clips takes longer than cutting the ad
            t_ai = time.perf_counter()
            cache = clip_cache or ai_shots.ClipCache()
            pipelines = motion or ai_shots.MotionPipelines()  # one load for every shot of this render
            for k, platform in enumerate(list(timelines)):
                timelines[platform], notes = ai_shots.resolve_motion(
                    timelines[platform],
                    cache=cache,
                    pipelines=pipelines,
                    on_progress=scaled(
                        report, ai_share * k / len(timelines), ai_share * (k + 1) / len(timelines)
                    ),
                    cancel=cancel,
                )
                motion_notes += notes
            for note in motion_notes:
                log.info("%s", note.line)
            timings["ai_motion"] = time.perf_counter() - t_ai
        timings["prepare"] = time.perf_counter() - t0
        outputs: list[AdOutput] = []
        blocked: list[BlockedOutput] = []
        base = stem or slug(spec.product)
        n = len(timelines)
        # every platform's timeline lasts exactly spec.duration (the templates check it): one music bed
        audio = _prepare_audio(next(iter(timelines.values())), work / "music.wav")
        for k, (platform, timeline) in enumerate(timelines.items()):
            part = scaled(report, ai_share + (1 - ai_share) * k / n, ai_share + (1 - ai_share) * (k + 1) / n)
            t1 = time.perf_counter()
            final = outdir / f"{base}-{platform}.mp4"
            tmp = scratch / final.name
            mine = len(temps)  # this platform's files start here in ``temps``
            temps.append((tmp, final))
            part(0.0, f"{platform}: rendering")
            encode_frames(
                _checked(iter_frames(timeline), cancel),
                tmp,
                width=timeline.width,
                height=timeline.height,
                fps=timeline.fps,
                frame_count=timeline.frame_count,
                audio_wav=audio,
                settings=encode,
                on_progress=lambda f, m, part=part, platform=platform: part(f * 0.97, f"{platform}: {m}"),
            )
            crash_point("ad-after-encode")
            cover_final = outdir / f"{base}-{platform}-cover.jpg"
            cover_tmp = scratch / cover_final.name
            temps.append((cover_tmp, cover_final))
            render_frame(timeline, cover_time(timeline)).save(cover_tmp, "JPEG", quality=90)
            srt_final = outdir / f"{base}-{platform}.srt"
            srt_tmp = scratch / srt_final.name
            temps.append((srt_tmp, srt_final))
            srt_tmp.write_text(srt_text(timeline), encoding="utf-8")
            if gate is not None:
                check(cancel, "The render")
                part(0.98, f"{platform}: compliance screen")
                try:
                    for published, target in ((tmp, final), (cover_tmp, cover_final)):  # every picture
                        gated = gate(published, target, timeline, spec)
                        crash_point("ad-after-gate")
                        temps += list(getattr(gated, "staged", ()))  # its reports, staged in scratch
                except ComplianceError as exc:
                    for staged, _ in temps[mine:]:  # the blocked file itself waits in quarantine
                        staged.unlink(missing_ok=True)
                    del temps[mine:]
                    blocked.append(BlockedOutput(platform, exc.one_line()))
                    if all_or_nothing or len(blocked) == n:
                        raise
                    continue
            else:  # unscreened by an explicit choice: the reports say so
                from studio.compliance.gate import write_unscreened_report
                from studio.fsutil import sha256_file

                for published, target in ((tmp, final), (cover_tmp, cover_final)):
                    written = write_unscreened_report(
                        published, UNSCREENED_REASON, media_sha256=sha256_file(published), published_as=target
                    )
                    temps.append((written, target.with_name(written.name)))
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
        status, reason = "done", None
        if gate is None:
            status, reason = "unscreened", UNSCREENED_REASON
        elif blocked:
            status = "blocked"
            reason = "; ".join(f"{b.platform}: {b.message}" for b in blocked)
            reason += f" (published: {', '.join(o.platform for o in outputs)})"
        check(cancel, "The render")
        # the commit: everything is on disk; journal the renames, then make them (nothing cancels from here)
        for tmp, _ in temps:
            fsync_file(tmp)
        with _folder_lock(outdir):  # two renders of one product publish whole sets, one after the other
            if store is not None and render_id is not None:
                store.set_render_journal(render_id, temps, [o.to_json() for o in outputs])
            committed = True
            crash_point("ad-after-journal")
            _apply_moves(temps)
        fsync_dir(outdir)
        temps.clear()
        shutil.rmtree(scratch, ignore_errors=True)
        timings["total"] = time.perf_counter() - t0
        if store is not None and render_id is not None:
            _record_outputs(
                store,
                render_id,
                project_id,
                [o.to_json() for o in outputs],
                timings,
                status=status,
                reason=reason,
            )
        report(1.0, "done" if not blocked else f"done; blocked: {', '.join(b.platform for b in blocked)}")
        log.info(
            "ad render %s done in %.1f s: %s", render_id, timings["total"], [o.path.name for o in outputs]
        )
        return AdResult(render_id, outputs, timings, blocked, screened=gate is not None, motion=motion_notes)
    except BaseException as exc:
        if (
            committed
        ):  # a failure (or a second Ctrl-C) during the renames: finish them, never leave half a set
            _apply_moves(temps)
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            if store is not None and render_id is not None:
                _record_outputs(store, render_id, project_id, [o.to_json() for o in outputs], timings,
                                status=status, reason=reason)  # fmt: skip
            raise
        for _tmp, final in temps:
            if final.suffix == ".mp4":  # reports the gate wrote for an output that will not exist
                for suffix in (".compliance.json", ".compliance.html"):
                    report_file = final.with_name(final.name + suffix)
                    if report_file.exists() and not final.exists():
                        report_file.unlink()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if store is not None and render_id is not None:
            status = (
                "cancelled"
                if isinstance(exc, Cancelled | KeyboardInterrupt)
                else "blocked"
                if isinstance(exc, ComplianceError)
                else "failed"
            )
            if cancel is not None and cancel.cancelled:  # e.g. ffmpeg stopped by the same Ctrl-C
                status = "cancelled"
            reason = exc.one_line() if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
            store.finish_render(render_id, status, reason=reason, timings=timings)
        log.info(
            "ad render %s stopped: %s",
            render_id,
            exc.one_line() if isinstance(exc, StudioError) else repr(exc),
        )
        if (
            cancel is not None
            and cancel.cancelled
            and isinstance(exc, Exception)
            and not isinstance(exc, Cancelled)
        ):
            raise Cancelled(
                f"The render was cancelled ({cancel.reason}).", "Nothing partial was kept."
            ) from exc
        raise


def recover_renders(store: Store) -> list[int]:
    """Settle the renders of processes that died (SIGKILL, a crash, a reboot); returns their ids.

    A render killed during its journalled renames is completed (its outputs were whole) and recorded ``done``;
    any other is recorded ``interrupted``, its scratch folder and any compliance report of a missing output
    removed. Renders of live processes are left alone. The CLI and the app call this when they start.
    """
    settled = []
    for row in store.claim_stale_renders():
        journal = row.journal
        if journal and journal.get("moves"):
            moves = [(Path(a), Path(b)) for a, b in journal["moves"]]
            _apply_moves(moves)
            if moves:
                fsync_dir(moves[0][1].parent)
            if row.scratch is not None:
                shutil.rmtree(row.scratch, ignore_errors=True)
            outputs = journal.get("outputs", [])
            if all(Path(o["path"]).is_file() for o in outputs):
                status = "unscreened" if any(_unscreened(Path(o["path"])) for o in outputs) else "done"
                _record_outputs(
                    store, row.id, row.project_id, outputs, row.timings, recovered=True, status=status
                )
                settled.append(row.id)
                continue
        if row.scratch is not None:
            if row.scratch.is_dir():
                for name in os.listdir(row.scratch):
                    if name.endswith(".mp4"):  # the gate's reports for an output that never appeared
                        final = row.scratch.parent / name
                        for suffix in (".compliance.json", ".compliance.html"):
                            report_file = final.with_name(final.name + suffix)
                            if report_file.exists() and not final.exists():
                                report_file.unlink()
            shutil.rmtree(row.scratch, ignore_errors=True)
        store.finish_render(
            row.id,
            "interrupted",
            reason="The process rendering it stopped (killed or crashed) before it finished; nothing was kept.",
            timings=row.timings,
        )
        settled.append(row.id)
    return settled


def _unscreened(output: Path) -> bool:
    """Whether ``output``'s report says it was published without the screen."""
    import json

    report = output.with_name(output.name + ".compliance.json")
    try:
        return json.loads(report.read_text(encoding="utf-8")).get("verdict") == "unscreened"
    except (OSError, ValueError):
        return False


def _checked(frames: Iterator, cancel: CancelToken | None) -> Iterator:
    """``frames``, polling ``cancel`` before each one (the encoder stops ffmpeg when this raises)."""
    for frame in frames:
        check(cancel, "The render")
        yield frame


def _apply_moves(moves: list[tuple[Path, Path]]) -> None:
    """Rename each temporary onto its final name; idempotent (a move already made is skipped)."""
    for k, (tmp, final) in enumerate(moves):
        if tmp.exists():
            os.replace(tmp, final)
        if k == 0:
            crash_point("ad-mid-rename")


def _record_outputs(
    store: Store,
    render_id: int,
    project_id: int | None,
    outputs: list[dict],
    timings: dict[str, float],
    *,
    recovered: bool = False,
    status: str = "done",
    reason: str | None = None,
) -> None:
    for output in outputs:
        store.add_asset(
            output["path"],
            "video",
            project_id=project_id,
            role=f"ad:{output['platform']}",
            width=output["width"],
            height=output["height"],
        )
    if recovered:
        reason = "completed at the next start: the process stopped during its final renames"
    store.finish_render(render_id, status, outputs=outputs, timings=timings, reason=reason)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` (flock on the folder itself: no lock file is left behind)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: renders of one product at once may interleave
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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


def _with_spin(spec: AdSpec, resources: Resources, work: Path) -> Resources:
    """The 3D product spin shot: a ready spin clip (.mp4, e.g. from the 3D Studio's "use in an ad") is used as it
    is; a splat model is orbited once on the brand background."""
    from dataclasses import replace

    from studio.colours import hex_to_rgb

    if is_video(spec.spin):
        return replace(resources, spin_clip=Path(spec.spin))

    try:
        from studio.splat.spin import render_orbit
    except ImportError as exc:  # pragma: no cover - the splat package ships with studio
        raise InputError("The 3D spin needs studio's splat module.", "Reinstall studio.") from exc
    clip = work / "spin.mp4"  # removed with the render's scratch folder
    bg = tuple(c / 255 for c in hex_to_rgb(spec.brand.background))
    render_orbit(Path(spec.spin), clip, width=SPIN_SIZE, height=SPIN_SIZE, seconds=3.0, fps=30, background=bg)
    return replace(resources, spin_clip=clip)
