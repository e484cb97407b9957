"""Structure-from-motion through the pycolmap worker process, on synthetic scenes with known cameras."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_synthetic import relative_rotation_errors, render_views, write_views

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError
from studio.splat.colmap_io import read_model
from studio.splat.focus import camera_centers
from studio.splat.sfm import (
    SfmOptions,
    choose_sfm,
    expected_pairs,
    features_for_count,
    retrieval_pairs,
    run_sfm,
    sequential_pairs,
    visual_word_similarity,
)


def worker_processes(needle: str) -> list[int]:
    """Pids of live processes whose command line contains ``needle`` (Linux /proc)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if needle in cmdline and state != "Z":
            pids.append(int(proc.name))
    return pids


def umeyama(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Similarity (s, R, t) minimising |dst - (s R src + t)|."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    U, S, Vt = np.linalg.svd(b.T @ a / len(src))
    D = np.eye(3)
    if np.linalg.det(U @ Vt) < 0:
        D[2, 2] = -1
    R = U @ D @ Vt
    s = np.trace(np.diag(S) @ D) / a.var(0).sum()
    return s, R, mu_d - s * R @ mu_s


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    """12 textured views on a ring, plus 9 views of a different scene (a second, smaller model) and the SfM
    result."""
    root = tmp_path_factory.mktemp("ring")
    K, images, poses = render_views(12, 400, 300, seed=0)
    write_views(root / "images", images)
    _, other, _ = render_views(12, 400, 300, seed=21)
    write_views(root / "images", other[:9], prefix="zz_other")
    messages = []
    result = run_sfm(
        root / "images",
        root / "work",
        options=SfmOptions(min_registered=8, max_features=3000),
        on_progress=lambda f, m: messages.append((f, m)),
    )
    truth = {f"view_{i:02d}.jpg": p for i, p in enumerate(poses)}
    return result, truth, K, messages, root


def test_sfm_recovers_the_ring_of_cameras_from_the_largest_model(ring):
    result, truth, K, messages, _ = ring
    assert result.registered == sorted(truth)
    # the other scene made its own, smaller model: reported, not used
    assert result.unregistered == [f"zz_other_{i:02d}.jpg" for i in range(9)]
    assert result.other_models and max(result.other_models) < 12
    assert result.images == 21
    estimated = {im.name: im.world_to_cam() for im in result.model.images.values()}
    errors = relative_rotation_errors(estimated, truth)
    assert len(errors) == 66
    assert max(errors) < 1.0, f"relative rotation error up to {max(errors):.2f} deg"
    # camera centres match the truth up to a similarity, within 2 % of the ring radius (2.6)
    names = sorted(truth)
    est_c = camera_centers(np.stack([estimated[n] for n in names]))
    gt_c = camera_centers(np.stack([truth[n] for n in names]))
    s, R, t = umeyama(est_c, gt_c)
    residual = np.linalg.norm((s * est_c @ R.T + t) - gt_c, axis=1)
    assert residual.max() < 0.02 * 2.6
    # one shared camera, focal close to the truth (0.9 * 400 = 360 px)
    (camera,) = result.model.cameras.values()
    assert camera.width == 400 and camera.height == 300
    assert camera.params[0] == pytest.approx(K[0, 0], rel=0.03)
    assert len(result.model.xyz) > 300
    assert set(result.timings) == {"extract", "match", "map"}
    # progress is monotone, covers the three stages and ends at 1
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("features" in m for _, m in messages) and any("registered" in m for _, m in messages)


def test_sfm_keeps_pycolmap_out_of_this_process_and_glog_in_the_log(ring):
    result, *_ = ring
    assert "pycolmap" not in sys.modules  # the worker imported it, we did not
    log = result.log_path.read_text()
    assert "feature_extraction" in log and "incremental_pipeline" in log  # glog went to the log file


def test_sfm_model_reads_back_identically_from_disk(ring):
    result, *_ = ring
    again = read_model(result.model_dir)
    assert again.image_names == result.registered
    assert np.allclose(again.xyz, result.model.xyz)


def test_sfm_mixed_image_sizes_get_one_camera_each(tmp_path):
    # even views from a 400x300 camera, odd views from a 480x360 one with a longer lens
    _, small, _poses = render_views(12, 400, 300, seed=1)
    K_big, big, _ = render_views(12, 480, 360, seed=1)
    images = [small[i] if i % 2 == 0 else big[i] for i in range(12)]
    write_views(tmp_path / "images", images)
    result = run_sfm(
        tmp_path / "images", tmp_path / "work", options=SfmOptions(min_registered=8, max_features=3000)
    )
    assert len(result.registered) >= 11
    sizes = {(c.width, c.height): c for c in result.model.cameras.values()}
    assert set(sizes) == {(400, 300), (480, 360)}
    assert sizes[(480, 360)].params[0] == pytest.approx(K_big[0, 0], rel=0.05)
    for image in result.model.images.values():
        index = int(image.name[5:7])
        camera = result.model.cameras[image.camera_id]
        assert (camera.width, camera.height) == ((400, 300) if index % 2 == 0 else (480, 360))


def test_sfm_on_unrelated_noise_images_is_a_clear_error_and_prints_nothing(tmp_path, capfd):
    rng = np.random.default_rng(3)
    noise = [(rng.random((240, 320, 3)) * 255).astype(np.uint8) for _ in range(8)]
    write_views(tmp_path / "images", noise)
    with pytest.raises(InputError) as info:
        run_sfm(tmp_path / "images", tmp_path / "work", options=SfmOptions(min_registered=8))
    assert "None of the 8 images could be placed in 3D" in info.value.message
    assert "overlap" in info.value.hint
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # pycolmap's glog output stayed in the log file
    assert "feature_extraction" in (tmp_path / "work" / "sfm.log").read_text()


def test_sfm_needs_enough_images(tmp_path):
    _, images, _ = render_views(3, 200, 150)
    write_views(tmp_path / "images", images)
    with pytest.raises(InputError, match="at least 8 images; got 3"):
        run_sfm(tmp_path / "images", tmp_path / "work")


def test_sfm_cancel_stops_the_worker_and_leaves_no_result(tmp_path):
    _, images, _ = render_views(12, 400, 300, seed=2)
    write_views(tmp_path / "images", images)
    cancel = CancelToken()

    with pytest.raises(Cancelled):
        run_sfm(
            tmp_path / "images",
            tmp_path / "work",
            options=SfmOptions(min_registered=8),
            on_progress=lambda f, m: cancel.cancel(),  # as soon as the worker reported anything
            cancel=cancel,
        )
    # the worker was stopped, not left running: no process has this run's spec on its command line
    spec = str((tmp_path / "work" / "sfm_spec.json").resolve())
    assert cancel.cancelled and not worker_processes(spec), worker_processes(spec)
    assert not (tmp_path / "work" / "sfm_result.json").exists()
    assert not list((tmp_path / "work").glob("sparse/*/images.bin"))


def test_sequential_pairs_reach_neighbours_further_ones_and_close_the_loop():
    pairs = sequential_pairs(40, 3, loop=2)
    assert all(i < j for i, j in pairs)
    assert {(0, 1), (0, 2), (0, 3), (36, 39)} <= pairs and (0, 5) not in pairs
    assert {(0, 4), (0, 8), (0, 16), (0, 32)} <= pairs  # quadratic reach: 2^k further on
    assert {(0, 38), (0, 39), (1, 38), (1, 39)} <= pairs  # the walk ends where it began
    assert (2, 39) not in pairs and (5, 39) not in pairs
    assert sequential_pairs(5, 10, loop=3) == {(i, j) for i in range(5) for j in range(i + 1, 5)}
    assert not any(j - i > 3 for i, j in sequential_pairs(40, 3, quadratic=False, loop=0))


def test_retrieval_pairs_join_each_image_to_its_most_similar_ones():
    sim = np.array([[1, 0.9, 0.1, 0.2], [0.9, 1, 0.3, 0.1], [0.1, 0.3, 1, 0.8], [0.2, 0.1, 0.8, 1]])
    assert retrieval_pairs(sim, 1) == {(0, 1), (2, 3)}
    assert retrieval_pairs(sim, 2) == {(0, 1), (0, 3), (1, 2), (2, 3)}
    assert retrieval_pairs(sim, 10) == {(i, j) for i in range(4) for j in range(i + 1, 4)}


def test_visual_words_find_the_images_of_the_same_place():
    rng = np.random.default_rng(0)
    places = [rng.random((40, 128)) ** 4 for _ in range(3)]  # three places, each with its own descriptors
    images = []
    for k in range(9):  # images 0-2 show place 0, 3-5 place 1, 6-8 place 2: the same features, jittered
        base = places[k // 3]
        pick = rng.choice(40, 30, replace=False)
        images.append((base[pick] + 0.02 * rng.random((30, 128))) * 255)
    sim = visual_word_similarity(images, words=32, seed=0)
    assert sim.shape == (9, 9) and np.allclose(np.diag(sim), 1.0)
    for i in range(9):
        others = [j for j in np.argsort(-sim[i]) if j != i][:2]
        assert all(j // 3 == i // 3 for j in others), (i, others, sim[i])
    assert np.allclose(visual_word_similarity([np.zeros((0, 128))] * 3), 0.0)


def test_the_sfm_choice_follows_the_capture():
    assert features_for_count(20) == (1600, 8192)
    edges = [features_for_count(n) for n in (20, 97, 250, 600)]
    assert edges == sorted(edges, reverse=True)  # more photos: smaller images, fewer features
    small, large, video = choose_sfm(30), choose_sfm(97), choose_sfm(97, video=True)
    assert small.matcher == "exhaustive" and large.matcher == "retrieval" and video.matcher == "sequential"
    assert (large.max_image_size, large.max_features) == features_for_count(97)
    assert choose_sfm(97, mapper="incremental", max_image_size=2000).max_image_size == 2000
    assert choose_sfm(97, mapper="incremental").mapper == "incremental"
    assert choose_sfm(97).mapper == "global"  # pycolmap 4.2 has GLOMAP
    assert expected_pairs(97, small) == 97 * 96 // 2
    assert expected_pairs(97, video) < expected_pairs(97, large) < 97 * 96 // 2 / 2


def test_retrieval_pairs_and_the_global_mapper_register_the_ring(tmp_path):
    _, images, poses = render_views(16, 400, 300, seed=0)
    write_views(tmp_path / "images", images)
    options = SfmOptions(
        matcher="retrieval",
        mapper="global",
        max_features=3000,
        sequential_overlap=2,
        retrieval_neighbours=3,
        loop_closure=2,
    )
    result = run_sfm(tmp_path / "images", tmp_path / "work", options=options)
    assert len(result.registered) == 16
    pairs = (tmp_path / "work" / "pairs.txt").read_text().splitlines()
    assert 16 * 2 <= len(pairs) < 16 * 15 // 2  # planned, not every pair
    assert "view_00.jpg view_15.jpg" in pairs  # the loop closed
    log = result.log_path.read_text()
    assert "global_pipeline" in log and "incremental_pipeline" not in log  # GLOMAP mapped it
    estimated = {im.name: im.world_to_cam() for im in result.model.images.values()}
    truth = {f"view_{i:02d}.jpg": p for i, p in enumerate(poses)}
    assert max(relative_rotation_errors(estimated, truth)) < 1.0
    # the worker reports each stage's CPU seconds beside its wall seconds (benchmarks on a busy machine)
    worker = json.loads((tmp_path / "work" / "sfm_result.json").read_text())
    assert set(worker["cpu_seconds"]) == {"extract", "match", "map"} == set(result.timings)
    assert all(v > 0 for v in worker["cpu_seconds"].values())
