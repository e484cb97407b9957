"""AI motion end to end on the CPU with tiny, seeded, randomly initialised pipelines (tests/video/tiny_motion):
every engine family generates the frames it is asked for, the seed decides the frames, cancellation stops
mid-denoise, a CUDA out-of-memory steps down one profile, and the clip is encoded to the delivery settings."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError, ModelError
from studio.video.ai_generate import MotionRequest, generate_frames, generate_with_step_down, write_clip
from studio.video.engines import ENGINES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _request(task: str, **kw) -> MotionRequest:
    base = {"task": task, "prompt": "a tea box, the camera slowly pushes in", "width": 32, "height": 32, "frames": 9,
                "steps": 2, "guidance": 5.0, "seed": 0}  # fmt: skip
    base.update(kw)
    return MotionRequest(**base)


PHOTO = Image.new("RGB", (32, 32), (200, 40, 40))


@pytest.mark.parametrize(
    ("pipe_name", "engine", "task", "extra"),
    [
        ("wan_t2v", "wan2.1-t2v-1.3b", "t2v", {}),
        ("wan_ti2v", "wan2.2-ti2v-5b", "i2v", {"image": PHOTO}),
        ("wan_vace", "wan2.1-vace-1.3b", "vace", {"image": PHOTO}),
        ("ltx_t2v", "ltx-video", "t2v", {"guidance": 1.0}),
        ("ltx_i2v", "ltx-video", "i2v", {"guidance": 1.0, "image": PHOTO}),
    ],
)
def test_every_engine_generates_the_frames_asked_for(tiny_pipes, pipe_name, engine, task, extra):
    steps: list[float] = []
    video = generate_frames(
        tiny_pipes[pipe_name],
        ENGINES[engine],
        _request(task, **extra),
        on_progress=lambda f, m: steps.append(f),
    )
    assert video.shape == (9, 32, 32, 3) and video.dtype == np.uint8
    assert steps[-2:] == [0.5, 1.0]  # one report per denoising step


def test_same_seed_same_frames_other_seed_other_frames(tiny_pipes):
    engine = ENGINES["wan2.1-t2v-1.3b"]
    a = generate_frames(tiny_pipes["wan_t2v"], engine, _request("t2v", seed=7))
    b = generate_frames(tiny_pipes["wan_t2v"], engine, _request("t2v", seed=7))
    c = generate_frames(tiny_pipes["wan_t2v"], engine, _request("t2v", seed=8))
    assert np.array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 1.0


def test_cancel_stops_mid_denoise(tiny_pipes):
    token = CancelToken()
    seen: list[float] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction >= 0.25:
            token.cancel()

    request = _request("t2v", steps=4)
    with pytest.raises(Cancelled):
        generate_frames(
            tiny_pipes["wan_t2v"], ENGINES["wan2.1-t2v-1.3b"], request, on_progress=progress, cancel=token
        )
    assert seen == [0.0, 0.25]  # stopped after the first of four steps: nothing decoded


def test_rules_are_checked_not_silently_fixed(tiny_pipes):
    engine = ENGINES["wan2.2-ti2v-5b"]
    with pytest.raises(InputError, match="divisible by 32"):
        generate_frames(tiny_pipes["wan_ti2v"], engine, _request("i2v", width=48, image=PHOTO))
    with pytest.raises(InputError, match="4k\\+1"):
        generate_frames(tiny_pipes["wan_ti2v"], engine, _request("i2v", frames=10, image=PHOTO))
    with pytest.raises(InputError, match="stretch"):
        generate_frames(tiny_pipes["wan_ti2v"], engine, _request("i2v", image=Image.new("RGB", (64, 32))))
    with pytest.raises(InputError, match="cannot do 'vace'"):
        generate_frames(tiny_pipes["wan_ti2v"], engine, _request("vace", image=PHOTO))


def test_out_of_memory_steps_down_one_profile(tiny_pipes):
    """The first profile's transformer raises CUDA's out-of-memory error (simulated) on its first forward."""
    import torch

    pipe = tiny_pipes["wan_t2v"]
    loads: list[str] = []
    downs: list[tuple[str, str]] = []

    def raise_oom(module, args):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    hooks = []

    def load(profile: str):
        loads.append(profile)
        for hook in hooks:
            hook.remove()
        hooks.clear()
        if profile == "full":
            hooks.append(pipe.transformer.register_forward_pre_hook(raise_oom))
        return pipe

    engine = ENGINES["wan2.1-t2v-1.3b"]
    try:
        video, used = generate_with_step_down(
            load, engine, _request("t2v"), "full", on_step_down=lambda a, b: downs.append((a, b))
        )
    finally:
        for hook in hooks:
            hook.remove()
    assert (loads, used, downs) == (["full", "offload"], "offload", [("full", "offload")])
    assert video.shape == (9, 32, 32, 3)

    def always_oom(profile: str):
        hooks.append(pipe.transformer.register_forward_pre_hook(raise_oom))
        return pipe

    try:
        with pytest.raises(ModelError, match="even with the group_fp8 profile"):
            generate_with_step_down(always_oom, engine, _request("t2v"), "group")
    finally:
        for hook in hooks:
            hook.remove()


def test_clip_is_encoded_to_the_delivery_settings_with_a_sidecar(tiny_pipes, tmp_path):
    import json

    from studio.media.encode import delivery_problems
    from studio.media.probe import probe_video

    engine = ENGINES["wan2.2-ti2v-5b"]
    video = generate_frames(tiny_pipes["wan_ti2v"], engine, _request("i2v", image=PHOTO))
    out = write_clip(video, tmp_path / "clip.mp4", fps=engine.fps, sidecar={"engine": engine.name, "seed": 0})
    assert delivery_problems(out) == []
    v = probe_video(out)
    assert (v.width, v.height, v.frames, v.fps) == (32, 32, 9, 24)
    assert json.loads((tmp_path / "clip.json").read_text()) == {"engine": "wan2.2-ti2v-5b", "seed": 0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.json", "clip.mp4"]


def test_speed_settings_apply_and_still_generate():
    from studio.video.ai_profiles import apply_speed
    from tests.video import tiny_motion

    pipe = tiny_motion.wan_t2v()  # its own pipeline: a cache hook stays on the transformer
    assert apply_speed(pipe, cache="fbc") == ["cache=fbc"]
    video = generate_frames(pipe, ENGINES["wan2.1-t2v-1.3b"], _request("t2v", steps=3))
    assert video.shape == (9, 32, 32, 3)
    with pytest.raises(InputError, match="Unknown cache"):
        apply_speed(pipe, cache="teacache")
    with pytest.raises(InputError, match="downloads"):
        apply_speed(pipe, attention="flash_hub")
