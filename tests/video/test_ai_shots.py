"""AI shots in ads (studio.video.ai_shots): the retiming to 30 fps without judder, the templates' clip requests and
their weight-free fallback, the clip cache's key, and whole ads rendered with an AI motion shot and a B-roll shot
from the tiny local-folder models (ffprobe-checked), rendered again with new copy from the cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.media.encode import EncodeSettings
from studio.spec import parse_spec
from studio.video.ai_shots import (
    ClipCache,
    MotionPipelines,
    motion_layers,
    plan_clip,
    resolve_motion,
    retime_positions,
)
from studio.video.compose import iter_frames
from studio.video.timeline import ClipLayer, ImageLayer, MotionClipLayer, Shot, Timeline
from tests.helpers import ffprobe, make_photo

FAST = EncodeSettings(preset="veryfast")


def product_photo(path: Path) -> Path:
    """A tea box with a label on a plain backdrop (faithful mode separates it without alpha)."""
    image = Image.new("RGB", (480, 640), (245, 245, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((150, 150, 330, 520), fill=(40, 110, 70))
    draw.rectangle((170, 300, 310, 420), fill=(235, 225, 200))
    for y in (320, 350, 380):
        draw.rectangle((185, y, 295, y + 10), fill=(40, 40, 45))
    image.save(path)
    return path


def _spec(tmp_path: Path, **extra):
    photos = [
        str(product_photo(tmp_path / "tea.png")),
        str(make_photo(tmp_path / "b.jpg", (800, 600), seed=2)),
    ]
    data = {"product": "tea box", "photos": photos, "headline": "Morning tea", "selling_points": ["Hand picked"],
            "duration": 5, "music": None, "platforms": ["square"], **extra}  # fmt: skip
    return parse_spec(data)


# -- retiming ---------------------------------------------------------------------------------------------------
def test_retime_positions_advance_evenly_without_repeats():
    positions = retime_positions(45, 59)  # a 45-frame 24 fps clip over a 59-frame shot at 30 fps
    steps = np.diff(positions)
    assert positions[0] >= 0 and positions[-1] <= 44
    assert np.allclose(steps[1:-1], 45 / 59)  # every output frame advances the motion by the same amount
    assert np.allclose(retime_positions(30, 30), np.arange(30))  # same length: the frames as they are
    # nearest-frame sampling (what an fps filter does) repeats source frames in a pattern: the judder avoided
    assert len(np.unique(np.round(positions))) < len(positions)


def _ramp_clip(path: Path, frames: int = 24, fps: int = 24) -> Path:
    """A clip whose frame i is a flat grey of level 40 + 6 i (its brightness says which frame is shown)."""
    from studio.media.encode import encode_frames

    levels = [np.full((64, 64, 3), 40 + 6 * i, np.uint8) for i in range(frames)]
    encode_frames(iter(levels), path, width=64, height=64, fps=fps, frame_count=frames, settings=FAST)
    return path


def test_a_24fps_clip_plays_at_30fps_without_held_frames(tmp_path):
    clip = _ramp_clip(tmp_path / "ramp.mp4")
    from studio.video.timeline import Box

    def levels(layer) -> np.ndarray:
        timeline = Timeline(width=64, height=64, fps=30, shots=(Shot(duration=1.0, layers=(layer,)),))
        return np.array([np.asarray(f, np.float32).mean() for f in iter_frames(timeline)])

    box = Box(0, 0, 64, 64)
    retimed = np.diff(levels(MotionClipLayer(path=str(clip), box=box)))
    assert len(retimed) == 29
    # 24 source frames over 30 output frames: 0.8 source frames (4.8 grey levels) per output frame, every frame
    assert np.all(retimed[1:-1] > 3.0) and np.all(retimed[1:-1] < 6.6), retimed
    plain = np.diff(levels(ClipLayer(path=str(clip), box=box)))  # ffmpeg's fps filter: a frame held every 5
    assert (np.abs(plain) < 1.0).sum() >= 5


def test_an_ai_clip_enters_like_a_photo_card(tmp_path):
    """A motion clip in a photo card slides, fades and casts its shadow as the photo it replaces does (one drawing
    path for both), so swapping the weight-free motion for an AI clip keeps the layout's entrance."""
    from studio.media.encode import encode_frames
    from studio.video.timeline import Anim, Box

    card = np.full((64, 64, 3), 200, np.uint8)
    clip = tmp_path / "flat.mp4"
    encode_frames(iter([card] * 8), clip, width=64, height=64, fps=24, frame_count=8, settings=FAST)
    still = tmp_path / "still.png"
    Image.fromarray(card).save(still)
    entrance = Anim(fade_in=0.5, slide=(24.0, 0.0))
    box = Box(40, 40, 64, 64)

    def lit(layer) -> list[tuple[int, float]]:
        timeline = Timeline(width=144, height=144, fps=30, shots=(Shot(duration=0.6, layers=(layer,)),))
        out = []
        for frame in list(iter_frames(timeline))[2:17:5]:
            grey = np.asarray(frame.convert("L"), np.float32)
            columns = np.nonzero(grey[72] > 8)[0]  # the middle row: where the card (or its shadow) starts
            out.append((int(columns[0]) if len(columns) else -1, float(grey[60:100, 50:90].mean())))
        return out

    photo = lit(ImageLayer(path=str(still), box=box, anim=entrance, shadow=True, radius=8))
    moving = lit(MotionClipLayer(path=str(clip), box=box, anim=entrance, shadow=True, radius=8))
    assert [c for c, _ in moving] == [c for c, _ in photo]  # the same slide (and shadow) frame by frame
    assert moving[0][0] > moving[-1][0]  # it moves in from the right
    assert moving[0][1] < moving[-1][1]  # and fades in


# -- templates, requests, fallback ------------------------------------------------------------------------------
@pytest.mark.parametrize("template", ["showcase", "promo", "features"])
def test_templates_place_ai_shots_and_fall_back_without_weights(tmp_path, template):
    from studio.ads import resolve_resources
    from studio.video.templates import timeline_for

    spec = _spec(tmp_path, template=template, duration=8, ai_motion={"photos": [1]},
                 broll=[{"prompt": "morning mist over tea fields", "seconds": 2}])  # fmt: skip
    timeline = timeline_for(spec, "tiktok", resolve_resources(spec))
    assert abs(timeline.duration - 8) < 1e-6
    requests = [layer.request for layer in motion_layers(timeline)]
    assert {(r.task, r.slot) for r in requests} == {("i2v", "photo 1"), ("t2v", "b-roll 1")}
    assert next(s for s in timeline.shots if s.name == "b-roll 1").duration == pytest.approx(2.4)
    # no weights for wan2.2-ti2v-5b in this STUDIO_HOME (and no CUDA for a 5B model): the weight-free motion
    resolved, notes = resolve_motion(timeline)
    assert not any(isinstance(layer, MotionClipLayer) for s in resolved.shots for layer in s.layers)
    photos = [layer.path for s in resolved.shots for layer in s.layers if isinstance(layer, ImageLayer)]
    assert str(spec.photos[0]) in photos
    assert [n.status for n in notes] == ["fallback"] * len(requests)
    for note in notes:
        assert (
            "weights not on this machine" in note.reason
            and "studio models pull wan2.2-ti2v-5b" in note.reason
        )
        assert ("no CUDA GPU found" in note.reason) or ("GPU " in note.reason)
    assert "models" not in resolved.meta and resolved.meta["ai_clips"] == []
    assert resolved.duration == timeline.duration


def test_the_cache_key_ignores_the_copy_and_follows_the_pixels(tmp_path):
    from studio.ads import resolve_resources
    from studio.video.templates import timeline_for

    def key(**extra) -> str:
        spec = _spec(tmp_path, **{"ai_motion": {"photos": [1], "seed": 3}, **extra})
        (layer,) = motion_layers(timeline_for(spec, "square", resolve_resources(spec)))
        box = (round(layer.box.w), round(layer.box.h))
        return plan_clip(layer.request, box, 2.0).key

    first = key()
    assert key(headline="A new headline", selling_points=["New point"], price="NT$ 1", cta="Buy") == first
    assert key(ai_motion={"photos": [1], "seed": 4}) != first
    assert key(ai_motion={"photos": [1], "seed": 3, "prompt": "tea steam"}) != first
    assert key(ai_motion={"photos": [1], "seed": 3, "faithful": False}) != first
    assert key(ai_motion={"photos": [1], "seed": 3, "steps": 7}) != first


def test_cancelled_before_any_clip(tmp_path):
    from studio.ads import resolve_resources
    from studio.cancel import CancelToken
    from studio.errors import Cancelled
    from studio.video.templates import timeline_for

    spec = _spec(tmp_path, ai_motion={"photos": [1]})
    token = CancelToken()
    token.cancel("stopped")
    with pytest.raises(Cancelled):
        resolve_motion(timeline_for(spec, "square", resolve_resources(spec)), cancel=token)


def test_a_failed_clip_leaves_nothing_in_the_cache(tmp_path):
    cache = ClipCache(tmp_path / "cache")

    def broken(out: Path) -> None:
        out.write_bytes(b"half a clip")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cache.put("k", broken)
    assert cache.get("k") is None and list((tmp_path / "cache").iterdir()) == []
    # a clip being made by another running process (a batch worker) is left alone; a dead one's is cleared
    running = tmp_path / "cache" / f".tmp-{os.getpid()}-abc"
    dead = tmp_path / "cache" / ".tmp-999999999-abc"
    running.mkdir()
    dead.mkdir()

    def good(out: Path) -> None:
        out.write_bytes(b"clip")
        out.with_suffix(".json").write_text("{}")

    assert cache.put("k", good) == tmp_path / "cache" / "k.mp4" and cache.get("k") is not None
    assert running.is_dir() and not dead.exists()


# -- whole ads from the tiny local-folder models ----------------------------------------------------------------
def test_an_ad_with_ai_motion_and_broll_then_new_copy_from_the_cache(tiny_folders, tmp_path, studio_home):
    from studio.ads import make_ad
    from studio.compliance.provenance import read_manifest

    ai = {"engine": str(tiny_folders["wan_ti2v"]), "photos": [1], "steps": 2, "size": "32x32", "seed": 7}
    broll = [{"engine": str(tiny_folders["wan_t2v"]), "prompt": "soft steam over tea", "seconds": 1.5,
              "steps": 1, "size": "32x32"}]  # fmt: skip
    pipes = MotionPipelines()
    result = make_ad(_spec(tmp_path, ai_motion=ai, broll=broll), tmp_path / "out", encode=FAST, motion=pipes)
    notes = {n.slot: n for n in result.motion}
    assert {s: n.status for s, n in notes.items()} == {"photo 1": "generated", "b-roll 1": "generated"}
    assert pipes.generations == 2 and notes["photo 1"].engine == "wan2.2-ti2v-5b"
    (output,) = result.outputs
    (stream,) = [s for s in ffprobe(output.path)["streams"] if s["codec_type"] == "video"]
    assert (stream["width"], stream["height"], stream["r_frame_rate"]) == (1080, 1080, "30/1")
    assert int(stream["nb_read_frames"]) == 150 and float(stream["duration"]) == pytest.approx(5.0, abs=0.02)
    # the clips and their sidecars live in the cache; the sidecar says what made them
    cache = studio_home / "cache" / "ai_clips"
    clips = sorted(cache.glob("*.mp4"))
    assert len(clips) == 2 and not list(cache.glob(".tmp-*"))
    sidecar = json.loads(Path(notes["photo 1"].sidecar).read_text(encoding="utf-8"))
    assert sidecar["seed"] == 7 and sidecar["model"] == "local:wan_ti2v" and sidecar["settings"]["faithful"]
    assert "tea box" in sidecar["prompt"] and sidecar["fidelity"] is not None
    # the gate read the models of the clips (timeline.meta["models"]) into the ad's Content Credentials
    manifest = read_manifest(output.path)
    assert manifest.ai_generated is True
    assert set(json.dumps(manifest.compliance).split('"')) >= {"wan2.2-ti2v-5b", "wan2.1-t2v-1.3b"}
    gated = manifest.compliance["ai_clips"]  # the gate read both sidecars (timeline.meta["ai_clips"])
    assert sorted(c["task"] for c in gated) == ["i2v", "t2v"] and not any(c["error"] for c in gated)

    # what the compliance gate reads: the models' licence-registry ids and the clips' sidecars
    from studio.ads import build_timeline, resolve_resources

    spec = _spec(tmp_path, ai_motion=ai, broll=broll)
    resolved, _ = resolve_motion(build_timeline(spec, "square", resolve_resources(spec)), pipelines=pipes)
    assert resolved.meta["models"] == "wan2.2-ti2v-5b,wan2.1-t2v-1.3b"
    assert resolved.meta["ai_clips"] == [notes["photo 1"].sidecar, notes["b-roll 1"].sidecar]

    # new copy: nothing is generated again, the cache is reported, the clips are the same files
    stamps = {p: p.stat().st_mtime_ns for p in clips}
    spec = _spec(tmp_path, ai_motion=ai, broll=broll, headline="一口喝見阿里山的清晨", selling_points=["新的賣點"],
                 price="NT$ 680", cta="立即選購")  # fmt: skip
    again = make_ad(spec, tmp_path / "out2", encode=FAST, motion=pipes, screen=False)  # the screen ran above
    assert [n.status for n in again.motion] == ["cached", "cached"]
    assert all("from the clip cache" in n.line for n in again.motion)
    assert pipes.generations == 2 and pipes.loads == 2
    assert {p: p.stat().st_mtime_ns for p in sorted(cache.glob("*.mp4"))} == stamps
    assert again.outputs[0].duration == 5.0


def test_the_cli_says_why_a_shot_falls_back(tmp_path, studio_home, capsys):
    from studio.cli import main

    photo = product_photo(tmp_path / "tea.png")
    code = main(["ad", "--photo", str(photo), "--headline", "Morning tea", "--duration", "6", "--music", "none",
                 "--platform", "square", "--ai-motion", "wan2.2-ti2v-5b", "--broll", "mist over tea fields",
                 "-o", str(tmp_path / "out"), "--draft", "--no-screen", "--json"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(out)
    assert [(n["slot"], n["status"]) for n in data["ai_motion"]] == [
        ("photo 1", "fallback"),
        ("b-roll 1", "fallback"),
    ]
    for note in data["ai_motion"]:
        assert "weights not on this machine" in note["reason"]
        assert "`studio models pull wan2.2-ti2v-5b`" in note["reason"] and "\n" not in note["line"]
    assert data["ai_motion"][0]["line"].startswith("AI motion, photo 1 (square): weight-free motion instead")
    assert data["outputs"][0]["duration"] == 6.0
