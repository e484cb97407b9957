"""bench/splat_lego_gpu.py (benchmark 12b) on CPU at toy scale: both arms (gsplat's default recipe through
our CPU rasterizer, and our train()) run in child processes, are evaluated at the right steps with the clock
paused, and the report (time to target, ratios, memory, table) is complete. GPU figures need a CUDA GPU."""

from __future__ import annotations

import importlib.util
import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from studio.splat.gaussians import Gaussians, rgb_to_sh0
from studio.splat.rasterize import render_gaussians
from studio.splat.spin import look_at

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "splat_lego_gpu.py"
SIZE = 32
N_VIEWS = 16  # views 0 and 8 are held out


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_splat_lego_gpu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/splat/conftest.py


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> Path:
    """A NeRF-format capture (transforms_train.json + RGBA PNGs, Blender cameras) of 40 coloured Gaussians."""
    folder = tmp_path_factory.mktemp("capture")
    (folder / "train").mkdir()
    g = torch.Generator().manual_seed(0)
    n = 40
    sh = torch.zeros(n, 4, 3)
    sh[:, 0] = rgb_to_sh0(torch.rand(n, 3, generator=g))
    truth = Gaussians(
        means=torch.randn(n, 3, generator=g) * 0.35,
        quats=torch.randn(n, 4, generator=g),
        log_scales=torch.log(torch.rand(n, 3, generator=g) * 0.12 + 0.05),
        opacity_logits=torch.full((n,), 2.5),
        sh=sh,
        sh_degree=1,
    )
    angle = 0.9
    focal = 0.5 * SIZE / math.tan(angle / 2)
    K = np.array([[focal, 0, SIZE / 2], [0, focal, SIZE / 2], [0, 0, 1.0]])
    frames = []
    for i in range(N_VIEWS):
        theta, elev = 2 * math.pi * i / N_VIEWS, math.radians(20 if i % 2 else -10)
        pos = 3.0 * np.array(
            [math.cos(elev) * math.cos(theta), math.cos(elev) * math.sin(theta), math.sin(elev)]
        )
        w2c = look_at(pos, np.zeros(3), np.array([0.0, 0.0, 1.0]))
        with torch.no_grad():
            out = render_gaussians(truth, K, w2c, SIZE, SIZE, (0.0, 0.0, 0.0))  # premultiplied colour
        alpha = out.alpha.numpy()
        rgb = out.image.numpy() / np.maximum(alpha, 1e-6)[..., None]
        rgba = np.dstack([np.clip(rgb, 0, 1), alpha])
        Image.fromarray((rgba * 255 + 0.5).astype(np.uint8)).save(folder / "train" / f"r_{i}.png")
        c2w = np.linalg.inv(w2c) @ np.diag([1.0, -1.0, -1.0, 1.0])  # OpenCV -> Blender camera axes
        frames.append({"file_path": f"./train/r_{i}", "transform_matrix": c2w.tolist()})
    (folder / "transforms_train.json").write_text(json.dumps({"camera_angle_x": angle, "frames": frames}))
    return folder


TINY = "tiny:steps=25,refine_start=5,refine_every=5,refine_stop=20,sh_interval=10"


def _args(capture: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "--data",
        str(capture),
        "--long-edge",
        str(SIZE),
        "--device",
        "cpu",
        "--threads",
        "1",
        "--eval-every",
        "10",
        "--gsplat-steps-scaler",
        "0.0004",  # gsplat's 30k schedule x 0.0004: 12 steps, densifying at steps 1 to 5
        "--studio",
        "init_points=64",
        "--variant",
        TINY,
        "--json",
        str(tmp_path / "report.json"),
        "--markdown",
        str(tmp_path / "report.md"),
        "--progress",
        str(tmp_path / "progress.jsonl"),
        *extra,
    ]


def test_both_arms_run_in_child_processes_and_report(bench, capture, tmp_path):
    assert bench.main(_args(capture, tmp_path, "--target-psnr", "0")) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    gs, ours = report["arms"]
    assert (gs["arm"], ours["arm"]) == ("gsplat-default@0.0004", "studio/tiny")  # a shortened recipe is named
    assert "14 training + 2 held-out views" in report["views"] and report["environment"]["torch"]

    # Evaluated every 10 steps and after the last step; training seconds grow and exclude evaluation.
    assert [h["step"] for h in gs["history"]] == [10, 12]
    assert gs["steps_done"] == gs["steps_planned"] == 12
    assert [h["step"] for h in ours["history"]] == [10, 20, 25] and ours["steps_done"] == 25
    for arm in (gs, ours):
        seconds = [h["seconds"] for h in arm["history"]]
        assert seconds == sorted(seconds) and 0 < seconds[-1] <= arm["training_seconds"] + 1e-3
        assert arm["eval_seconds"] > 0 and not arm["capped"] and arm["device"] == "cpu"
        assert arm["training_seconds"] + arm["eval_seconds"] <= arm["wall_seconds"] + 0.01  # clock paused
        assert arm["final"] == {k: arm["history"][-1][k] for k in ("psnr", "ssim", "gaussians")}
        assert all(math.isfinite(h["psnr"]) and 0 < h["ssim"] <= 1 for h in arm["history"])
        # A target of 0 dB is reached at the first evaluation.
        first = arm["history"][0]
        assert arm["time_to_target"] == {"step": 10, "seconds": first["seconds"]}
        assert arm["peak_gpu_allocated_mib"] is None and arm["peak_rss_mib"] > 0
    # Our evaluation agrees with train()'s own final one.
    assert ours["final"]["psnr"] == pytest.approx(ours["train_eval"]["psnr"], abs=0.02)

    # gsplat's recipe: its learning rates and strategy (scaled for the smoke run), from our initial Gaussians;
    # DefaultStrategy densified, so it read usable gradients and radii from the CPU stand-in.
    recipe = gs["recipe"]
    assert (
        recipe["lr"]["means"] == pytest.approx(1.6e-4 * recipe["scene_scale"]) and recipe["max_steps"] == 12
    )
    assert recipe["lr"]["shN"] == pytest.approx(2.5e-3 / 20) and recipe["adam_eps"] == 1e-15
    assert recipe["strategy"]["refine_stop_iter"] == 6 and recipe["strategy"]["grow_grad2d"] == 0.0002
    assert gs["init"]["kind"] == "carved" and gs["init"]["config"] == ours["init"]["config"]
    assert ours["same_init_as_gsplat"] is True
    assert gs["final"]["gaussians"] != gs["init"]["gaussians"]
    assert ours["recipe"]["holdout_every"] == 8 and ours["overrides"]["steps"] == 25

    (comparison,) = report["comparisons"]
    expected = gs["time_to_target"]["seconds"] / ours["time_to_target"]["seconds"]
    assert comparison["studio_arm"] == "studio/tiny"
    assert comparison["speedup_to_target"] == pytest.approx(expected, rel=0.01)
    assert comparison["psnr_not_lower"] == (ours["final"]["psnr"] >= gs["final"]["psnr"])
    assert "reference is gsplat-default@0.0004, not the full 30k recipe" in comparison["note"]

    lines = [json.loads(x) for x in (tmp_path / "progress.jsonl").read_text().splitlines()]
    assert [(x["arm"], x["step"]) for x in lines] == [("gsplat-default@0.0004", s) for s in (10, 12)] + [
        ("studio/tiny", s) for s in (10, 20, 25)
    ]
    table = (tmp_path / "report.md").read_text()
    assert "| studio/tiny | 25/25 | no |" in table and "time to 0 dB" in table


def test_time_to_target_comparison_and_table(bench):
    history = [
        {"step": 500, "seconds": 4.0, "psnr": 30.1, "ssim": 0.9, "gaussians": 10},
        {"step": 1000, "seconds": 8.5, "psnr": 33.2, "ssim": 0.95, "gaussians": 20},
        {"step": 1500, "seconds": 13.0, "psnr": 34.0, "ssim": 0.96, "gaussians": 30},
    ]
    assert bench.time_to_target(history, 33.0) == {"step": 1000, "seconds": 8.5}
    assert bench.time_to_target(history, 30.1) == {"step": 500, "seconds": 4.0}
    assert bench.time_to_target(history, 35.0) is None

    def arm(name, kind, seconds, psnr, capped=False):
        h = [{"step": 10, "seconds": seconds, "psnr": psnr, "ssim": 0.9, "gaussians": 5}]
        return {
            "arm": name,
            "kind": kind,
            "history": h,
            "time_to_target": bench.time_to_target(h, 33.0),
            "final": {"psnr": psnr, "ssim": 0.9, "gaussians": 5},
            "capped": capped,
            "steps_done": 10,
            "steps_planned": 10,
            "training_seconds": seconds,
            "eval_seconds": 1.0,
            "peak_gpu_allocated_mib": 2048.0,
            "peak_gpu_reserved_mib": 4096.0,
            "device_name": "GPU",
        }

    results = [
        arm("gsplat-default", "gsplat-default", 80.0, 35.0, capped=True),
        arm("studio/a", "studio", 8.0, 35.1),
        arm("studio/b", "studio", 5.0, 34.0),
        arm("studio/c", "studio", 1.0, 20.0),
    ]
    rows = {r["studio_arm"]: r for r in bench.compare(results, 33.0)}
    assert rows["studio/a"]["speedup_to_target"] == 10.0 and rows["studio/a"]["target_met"]
    assert rows["studio/b"]["speedup_to_target"] == 16.0 and not rows["studio/b"]["psnr_not_lower"]
    assert not rows["studio/b"]["target_met"] and "lower bound" in rows["studio/b"]["note"]
    assert rows["studio/c"]["speedup_to_target"] is None and "did not reach" in rows["studio/c"]["note"]
    table = bench.markdown(
        bench.assemble(results, {"target_psnr": 33.0, "eval_every": 10, "date": "d", "command": "c"})
    )
    assert "| studio/c | 10/10 | no | 5 | not reached | 20.00 dB |" in table
    assert "| gsplat-default | 10/10 | capped | 5 | **80.0 s** (10) |" in table and "| 2.00 / 4.00 |" in table
    assert "| studio/a | 10.00x | +0.10 dB | MET |" in table


def test_caps_stop_training_and_evaluation_time_is_not_training_time(bench, capture, monkeypatch):
    """A slow evaluation (0.5 s) passes the 0.4 s wall-time cap at the first evaluation: training stops there,
    is still evaluated, and the 0.5 s is not counted as training time."""
    evaluate = bench.Recorder.evaluate

    def slow_evaluate(self, step, seconds, gaussians):
        time.sleep(0.5)
        return evaluate(self, step, seconds, gaussians)

    monkeypatch.setattr(bench.Recorder, "evaluate", slow_evaluate)
    scene = bench.load_scene(capture, SIZE)
    settings = {"device": "cpu", "eval_every": 10, "target_psnr": 99.0, "cap_seconds": 0.4}
    args = bench.make_parser().parse_args(_args(capture, Path("/nonexistent")))
    for arm in bench.build_arms(args):
        result = bench.run_arm(arm, scene, settings)
        assert result["capped"] and result["steps_done"] == 10, arm["name"]
        assert [h["step"] for h in result["history"]] == [10] and result["time_to_target"] is None
        # Training stopped right after the first evaluation: the 0.5 s it took is not on the training clock.
        assert result["training_seconds"] - result["history"][0]["seconds"] < 0.25, arm["name"]


def test_cpu_stand_in_has_what_default_strategy_reads(bench):
    from gsplat.strategy import DefaultStrategy

    g = torch.Generator().manual_seed(0)
    n = 50
    params = {
        "means": torch.nn.Parameter(torch.randn(n, 3, generator=g) * 0.3),
        "scales": torch.nn.Parameter(torch.full((n, 3), math.log(0.05))),
        "quats": torch.nn.Parameter(torch.randn(n, 4, generator=g)),
        "opacities": torch.nn.Parameter(torch.zeros(n)),
        "sh0": torch.nn.Parameter(torch.rand(n, 1, 3, generator=g)),
    }
    optimizers = {k: torch.optim.Adam([params[k]], lr=1e-3) for k in params}
    strategy = DefaultStrategy()
    state = strategy.initialize_state(scene_scale=1.0)
    view = torch.eye(4)
    view[2, 3] = 3.0
    K = torch.tensor([[40.0, 0, 16], [0, 40.0, 12], [0, 0, 1]])
    renders, alphas, info = bench._torch_rasterization(
        params["means"],
        params["quats"],
        torch.exp(params["scales"]),
        torch.sigmoid(params["opacities"]),
        params["sh0"],
        view[None],
        K[None],
        32,
        24,
        sh_degree=0,
        backgrounds=torch.ones(1, 3),
        packed=False,
    )
    assert renders.shape == (1, 24, 32, 3) and alphas.shape == (1, 24, 32, 1)
    assert info["means2d"].shape == (1, n, 2) and info["radii"].shape == (1, n, 2)
    assert info["radii"].dtype == torch.int32 and (info["width"], info["height"], info["n_cameras"]) == (
        32,
        24,
        1,
    )
    strategy.step_pre_backward(params, optimizers, state, 0, info)
    renders.mean().backward()
    assert info["means2d"].grad is not None and float(info["means2d"].grad.abs().sum()) > 0
    strategy.step_post_backward(params, optimizers, state, 0, info, packed=False)
    drawn = (info["radii"][0] > 0).all(-1)
    assert torch.equal(state["count"] > 0, drawn) and float(state["grad2d"][drawn].sum()) > 0


def test_arguments_are_checked(bench, capture, tmp_path, capsys):
    assert bench.main(["--data", str(tmp_path / "missing"), "--device", "cpu"]) == 2
    assert "lego data not found" in capsys.readouterr().err
    base = ["--data", str(capture), "--device", "cpu"]
    for extra, message in [
        (["--studio", "stepz=3"], "Unknown training settings: stepz"),
        (["--studio", "holdout_every=4"], "holdout_every is fixed"),
        (["--studio", "steps=many"], "is not a number"),
        (["--variant", "a b:steps=3"], "plain name"),
        (["--variant", "a:steps=3", "--variant", "a:steps=4"], "share a name"),
        (["--arms", "inria"], "--arms takes"),
        (["--eval-every", "0"], "--eval-every"),
    ]:
        assert bench.main(base + extra) == 2, extra
        assert message in capsys.readouterr().err, extra
