"""Render speed: the same 15 s 1080x1920 three-photo showcase ad rendered three ways in one run.

1. ours     studio's renderer: compositor frames piped into one ffmpeg encode (studio.ads pipeline)
2. moviepy  a straightforward moviepy CompositeVideoClip of the same layers (same photos, same pre-rendered text,
            the same Ken Burns moves, fades and crossfades), written with the same x264 settings
3. floor    encoding the finished frames alone: our frames dumped to a raw file first (not timed), then one
            ffmpeg encode of that file with the same encoder and audio settings

Each variant runs in its own process, so its peak memory (Python + ffmpeg children) is its own.
Targets (issue 2): ours >= 4x faster than moviepy, <= 1.5x the floor, peak memory < 1.5 GB.

Usage: python bench/render_speed.py [--preset medium] [--skip-moviepy]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(workdir: Path, preset: str):
    """The benchmark spec and its timeline (the bundled sample photos when present, else generated ones)."""
    from studio.ads import bundled_music, resolve_resources
    from studio.spec import parse_spec
    from studio.video.templates import timeline_for

    sample = ROOT / "assets" / "sample"
    photos = sorted(p for p in sample.glob("*.jpg"))[:3] if sample.is_dir() else []
    if len(photos) < 3:
        from tests.helpers import make_photo

        photos = [make_photo(workdir / f"photo{i}.jpg", (1600, 2000), seed=i) for i in range(3)]
    logo = sample / "logo.png"
    spec = parse_spec(
        {
            "product": "山嵐茶坊 高山烏龍",
            "photos": [str(p) for p in photos],
            "logo": str(logo) if logo.is_file() else None,
            "headline": "一口喝見阿里山的清晨",
            "selling_points": ["高山茶區手採嫩葉", "低溫烘焙 回甘不苦澀", "獨立包裝 隨時沖泡"],
            "price": "NT$ 680 買二送一",
            "cta": "立即選購",
            "template": "showcase",
            "duration": 15,
            "platforms": ["tiktok"],
            "music": "default" if bundled_music() else None,
        }
    )
    res = resolve_resources(spec)
    return spec, res, timeline_for(spec, "tiktok", res)


def audio_for(timeline, workdir: Path) -> Path | None:
    from studio.ads import _prepare_audio

    return _prepare_audio(timeline, workdir / "music.wav")


def run_ours(workdir: Path, preset: str) -> dict:
    from studio.media.encode import EncodeSettings, encode_frames
    from studio.video.compose import iter_frames

    _, _, timeline = build(workdir, preset)
    audio = audio_for(timeline, workdir)
    t0 = time.perf_counter()
    encode_frames(
        iter_frames(timeline),
        workdir / "ours.mp4",
        width=timeline.width,
        height=timeline.height,
        fps=timeline.fps,
        frame_count=timeline.frame_count,
        audio_wav=audio,
        settings=EncodeSettings(preset=preset),
    )
    return {"seconds": time.perf_counter() - t0}


def run_floor(workdir: Path, preset: str) -> dict:
    from studio.media import ffmpeg_exe
    from studio.media.encode import EncodeSettings, audio_args, video_args
    from studio.video.compose import iter_frames

    _, _, timeline = build(workdir, preset)
    audio = audio_for(timeline, workdir)
    raw = workdir / "frames.rgb"
    with open(raw, "wb") as fh:  # not timed: the frames already exist for the floor
        fh.writelines(frame.tobytes() for frame in iter_frames(timeline))
    settings = EncodeSettings(preset=preset)
    audio_in = (
        ["-i", str(audio)]
        if audio
        else ["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
    )
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{timeline.width}x{timeline.height}",
        "-r",
        str(timeline.fps),
        "-i",
        str(raw),
        *audio_in,
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        *video_args(timeline.width, timeline.height, timeline.fps, settings),
        *audio_args(settings),
        "-t",
        f"{timeline.frame_count / timeline.fps:.6f}",
        "-movflags",
        "+faststart",
        str(workdir / "floor.mp4"),
    ]
    subprocess.run(["cat", str(raw)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    seconds = time.perf_counter() - t0
    raw.unlink()
    return {"seconds": seconds}


def run_moviepy(workdir: Path, preset: str) -> dict:
    """The same layers as moviepy clips: the straightforward way to build this ad with moviepy."""
    import numpy as np
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, vfx
    from PIL import Image

    from studio.images import load_photo
    from studio.video.compose import _Text, ease, ease_in_out
    from studio.video.timeline import GradientLayer, ImageLayer, RectLayer, TextLayer

    _, _, timeline = build(workdir, preset)
    audio = audio_for(timeline, workdir)
    W, H = timeline.width, timeline.height
    shots = []
    for start, shot in zip(timeline.shot_starts(), timeline.shots):
        clips = []
        for layer in shot.layers:
            end = shot.duration if layer.end is None else layer.end
            if isinstance(layer, GradientLayer):
                ramp = np.linspace(0, 1, H)[:, None, None]
                grad = np.array(layer.top) * (1 - ramp) + np.array(layer.bottom) * ramp
                clip = ImageClip(np.broadcast_to(grad, (H, W, 3)).astype(np.uint8))
            elif isinstance(layer, RectLayer):
                box = layer.box
                rgba = np.zeros((round(box.h), round(box.w), 4), np.uint8)
                rgba[..., :3] = layer.color[:3]
                alpha = np.full(round(box.h), layer.color[3], np.float32)
                n = round(box.h * layer.fade_top)
                alpha[:n] *= np.linspace(0, 1, n) ** 1.6
                rgba[..., 3] = alpha[:, None].astype(np.uint8)
                clip = ImageClip(rgba).with_position((box.x, box.y))
            elif isinstance(layer, ImageLayer):
                box = layer.box
                photo = load_photo(layer.path)
                if photo.mode == "RGBA" and layer.matte is None:  # a logo: contain, keep alpha
                    photo.thumbnail((round(box.w), round(box.h)))
                    clip = ImageClip(np.asarray(photo)).with_position(
                        (box.x + (box.w - photo.width) / 2, box.y + (box.h - photo.height) / 2)
                    )
                else:
                    photo = photo.convert("RGB")
                    cover = max(box.w / photo.width, box.h / photo.height)
                    base = photo.resize(
                        (round(photo.width * cover), round(photo.height * cover)), Image.LANCZOS
                    )
                    if layer.blur:  # the blurred, darkened backdrop behind a wide photo (done once, as ours)
                        from PIL import ImageFilter

                        base = base.filter(ImageFilter.GaussianBlur(layer.blur))
                    if layer.dim:
                        base = Image.eval(base, lambda v, d=layer.dim: int(v * (1.0 - d)))
                    z0, z1 = layer.zoom
                    (fx0, fy0), (fx1, fy1) = layer.pan

                    def zoom(t, z0=z0, z1=z1, d=end):
                        return z0 + (z1 - z0) * ease_in_out(t / d)

                    def position(t, z0=z0, z1=z1, d=end, base=base, box=box, f=(fx0, fy0, fx1, fy1)):
                        u = ease_in_out(t / d)
                        z = z0 + (z1 - z0) * u
                        fx, fy = f[0] + (f[2] - f[0]) * u, f[1] + (f[3] - f[1]) * u
                        w, h = base.width * z, base.height * z
                        x = min(max(fx * w - box.w / 2, 0), w - box.w)
                        y = min(max(fy * h - box.h / 2, 0), h - box.h)
                        return (-x, -y)

                    moving = ImageClip(np.asarray(base)).resized(zoom).with_position(position)
                    clip = CompositeVideoClip([moving.with_duration(end)], size=(round(box.w), round(box.h)))
                    clip = clip.with_position((box.x, box.y))
            elif isinstance(layer, TextLayer):
                prepared = _Text(layer, timeline, shot)
                rgba = np.dstack([np.asarray(prepared.rgb), np.asarray(prepared.alpha)])
                x, y = prepared.pos
                sx, sy = layer.anim.slide
                fade = layer.anim.fade_in

                def text_pos(t, x=x, y=y, sx=sx, sy=sy, fade=fade):
                    k = 1 - (ease(t / fade) if fade else 1)
                    return (x + sx * k, y + sy * k)

                clip = ImageClip(rgba, duration=end - layer.start).with_position(text_pos)
                if fade:
                    clip = clip.with_effects([vfx.CrossFadeIn(fade)])
            else:
                continue
            clips.append(clip.with_start(layer.start).with_duration(end - layer.start))
        shot_clip = CompositeVideoClip(clips, size=(W, H)).with_duration(shot.duration).with_start(start)
        if shot.transition.duration:
            shot_clip = shot_clip.with_effects([vfx.CrossFadeIn(shot.transition.duration)])
        shots.append(shot_clip)
    video = CompositeVideoClip(shots, size=(W, H)).with_duration(timeline.frame_count / timeline.fps)
    if audio:
        video = video.with_audio(AudioFileClip(str(audio)))
    t0 = time.perf_counter()
    video.write_videofile(
        str(workdir / "moviepy.mp4"),
        fps=timeline.fps,
        codec="libx264",
        preset=preset,
        audio_codec="aac",
        audio_fps=48000,
        audio_bitrate="192k",
        logger=None,
        ffmpeg_params=["-crf", "20", "-profile:v", "high", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
    )
    return {"seconds": time.perf_counter() - t0}


VARIANTS = {"ours": run_ours, "floor": run_floor, "moviepy": run_moviepy}


def child(variant: str, workdir: Path, preset: str) -> None:
    result = VARIANTS[variant](workdir, preset)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result.update(
        python_peak_mb=self_kb / 1024,
        ffmpeg_peak_mb=children_kb / 1024,
        peak_mb=(self_kb + children_kb) / 1024,
    )
    print("RESULT " + json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="medium", help="x264 preset for all variants (default: medium)")
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        child(args.variant, Path(args.workdir), args.preset)
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        for variant in ("ours", "floor", "moviepy"):
            if variant == "moviepy" and args.skip_moviepy:
                continue
            out = subprocess.run(  # noqa: PLW1510 - the return code is read below
                [sys.executable, __file__, "--variant", variant, "--workdir", tmp, "--preset", args.preset],
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                sys.exit(f"{variant} failed:\n{out.stderr[-3000:]}")
            line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
            results[variant] = json.loads(line[7:])
            print(
                f"{variant:8s} {results[variant]['seconds']:7.2f} s   peak {results[variant]['peak_mb']:7.0f} MB"
                f" (python {results[variant]['python_peak_mb']:.0f} + ffmpeg {results[variant]['ffmpeg_peak_mb']:.0f})",
                flush=True,
            )
    ours, floor = results["ours"]["seconds"], results["floor"]["seconds"]
    print(f"\nours / floor       = {ours / floor:.2f}x   (target <= 1.5x)")
    if "moviepy" in results:
        print(f"moviepy / ours     = {results['moviepy']['seconds'] / ours:.2f}x   (target >= 4x)")
    print(f"peak memory (ours) = {results['ours']['peak_mb']:.0f} MB   (target < 1536 MB)")
    print(
        f"machine: {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}, "
        f"preset {args.preset}, {time.strftime('%Y-%m-%d')}"
    )


if __name__ == "__main__":
    main()
