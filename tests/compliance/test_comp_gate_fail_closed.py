"""Fail closed: a check that should run and cannot is a review (named, with its reason), never a silent pass."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.compliance.findings import CHECK_FAILED_RULE
from studio.compliance.gate import ExportContext, TimedText, gate_output
from studio.compliance.provenance import read_manifest
from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import load_pack
from studio.compliance.visual import screen_media
from studio.errors import ComplianceError, InputError
from studio.store import Store


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite3")


def _still(path: Path, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (200, 160, 3), dtype=np.uint8)).save(path, "JPEG")
    return path


def _failed(report, check: str):
    found = [f for f in report.findings if f.rule == CHECK_FAILED_RULE and f.detector == check]
    assert found, f"no failed-check finding for {check}: {[f.to_json() for f in report.findings]}"
    return found[0]


def _publishable(result, tmp: Path, final: Path) -> dict:
    result.publish(tmp, final)
    return json.loads(final.with_name(final.name + ".compliance.json").read_text(encoding="utf-8"))


def test_a_broken_import_of_the_visual_screen_is_a_review_not_a_pass(tmp_path, store, monkeypatch):
    monkeypatch.setitem(sys.modules, "studio.compliance.visual", None)  # `import` now raises ImportError
    tmp = _still(tmp_path / ".ad.part.jpg")
    result = gate_output(tmp, tmp_path / "ad.jpg", ExportContext(kind="image"), store=store)
    assert result.report.verdict == "review"
    failed = _failed(result.report, "visual")
    assert failed.action == "review" and "cannot be imported" in failed.message
    assert "visual" not in result.report.checks_skipped  # said as a failure, not hidden as a skip
    assert read_manifest(tmp).verdict == "review"  # the signed verdict says so too
    saved = _publishable(result, tmp, tmp_path / "ad.jpg")
    assert saved["verdict"] == "review" and saved["findings"][0]["detector"] == "visual"


def test_a_video_the_gate_cannot_decode_is_a_review_naming_the_decoder(tmp_path, store, media, monkeypatch):
    from studio.compliance import frames as frames_module
    from studio.errors import RenderError

    garbage = tmp_path / ".bad.part.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)  # an MP4 header, then garbage
    with pytest.raises(InputError):  # a user's own corrupt file given to the screen is bad input ...
        screen_media(garbage, packs=[load_pack("ip")], bank=ReferenceBank(store), embedder=None)
    with pytest.raises(RenderError):  # ... and a corrupt output cannot even be signed: nothing is published
        gate_output(garbage, tmp_path / "bad.mp4", ExportContext(kind="ad"), store=store)
    assert not (tmp_path / "bad.mp4").exists()

    def failing_probe(path):
        raise InputError(f"The video {Path(path).name} is corrupt or not a video (moov atom not found).")

    tmp = media.video(tmp_path / ".ad.part.mp4", [media.scene(1)], 1.0)
    monkeypatch.setattr(frames_module, "probe", failing_probe)  # a decoder that cannot read the output
    result = gate_output(tmp, tmp_path / "ad.mp4", ExportContext(kind="ad"), store=store)
    assert result.report.verdict == "review"  # ... never a pass
    assert "moov atom not found" in _failed(result.report, "visual").message


def test_a_decoder_that_fails_part_way_is_named_and_what_was_decoded_still_counts(
    tmp_path, store, media, monkeypatch
):
    from studio.compliance import frames as frames_module

    bank = ReferenceBank(store)
    logo = media.logo(3)
    bank.add([_save(logo, tmp_path / "logo.png")], owner="ACME")
    frame = media.scene(4, size=(720, 960))
    video = media.video(
        tmp_path / "clip.mp4", [media.paste(frame, logo, (100, 200, 580, 680)), frame, frame], 1.0
    )
    real = frames_module.iter_frames

    def breaking(*args, **kwargs):
        for n, frame in enumerate(real(*args, **kwargs)):
            if n == 3:
                raise InputError("Could not decode the video clip.mp4 (a damaged packet).")
            yield frame

    monkeypatch.setattr(frames_module, "iter_frames", breaking)
    findings, _, _ = screen_media(video, packs=[load_pack("ip")], bank=bank, embedder=None)
    assert any(f.rule == "ip.near-copy" for f in findings)  # the copy in the first second was seen
    (failed,) = [f for f in findings if f.rule == CHECK_FAILED_RULE]
    assert (
        failed.detector == "decode"
        and "damaged packet" in failed.message
        and "the rest of the video is unscreened" in failed.message
    )


def test_a_missing_stored_reference_image_makes_the_gate_review(tmp_path, store, media):
    bank = ReferenceBank(store)
    bank.add([_save(media.logo(8), tmp_path / "ref.png")], owner="ACME")
    bank.list()[0].path.unlink()
    tmp = _still(tmp_path / ".ad.part.jpg")
    result = gate_output(tmp, tmp_path / "ad.jpg", ExportContext(kind="image"), store=store)
    assert result.report.verdict == "review"
    assert "ref:1" in _failed(result.report, "reference_images").message


class _Crashing:
    """A CLIP embedder whose image tower raises (a broken checkpoint, out of memory): texts still embed."""

    def __init__(self, inner, *, texts_too: bool = False):
        self.inner, self.texts_too = inner, texts_too
        self.name, self.calls = inner.name, 0

    @property
    def dim(self):
        return self.inner.dim

    def embed_texts(self, texts):
        if self.texts_too:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return self.inner.embed_texts(texts)

    def embed_images(self, images):
        self.calls += 1
        raise RuntimeError("CUDA error: an illegal memory access was encountered")


@pytest.mark.parametrize("texts_too", [False, True], ids=["images-crash", "texts-crash"])
def test_a_crashing_clip_model_is_a_review_and_the_hashes_still_block(
    tmp_path, store, media, tiny_clip, texts_too
):
    from studio.compliance.embed import ClipEmbedder

    crashing = _Crashing(
        ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint), texts_too=texts_too
    )
    bank = ReferenceBank(store)
    logo = media.logo(11)
    bank.add([_save(logo, tmp_path / "ref.png")], owner="ACME", licence="all rights reserved")
    clean = _still(tmp_path / ".clean.part.jpg")
    result = gate_output(
        clean, tmp_path / "clean.jpg", ExportContext(kind="image"), store=store, embedder=crashing
    )
    assert result.report.verdict == "review"
    failed = _failed(result.report, "clip_concept")
    assert "RuntimeError" in failed.message and "illegal memory access" in failed.message
    assert "clip_concept" not in result.report.checks_run and "pdq" in result.report.checks_run
    copy = tmp_path / ".copy.part.png"
    logo.save(copy)
    with pytest.raises(ComplianceError, match="ip.near-copy"):  # the weight-free checks kept running
        gate_output(copy, tmp_path / "copy.png", ExportContext(kind="image"), store=store, embedder=crashing)


def test_a_clip_model_that_should_load_and_cannot_is_a_review_missing_weights_are_a_skip(tmp_path, store):
    from studio.compliance.embed import ClipHandle
    from studio.errors import ModelError

    def broken():
        raise ImportError("No module named 'open_clip'")

    def absent():
        raise ModelError("The CLIP weights ViT-B-32/laion2b_s34b_b79k are not on this machine.")

    ctx = ExportContext(kind="image")
    result = gate_output(_still(tmp_path / ".a.part.jpg"), tmp_path / "a.jpg", ctx, store=store,
                         embedder=ClipHandle(broken))  # fmt: skip
    assert result.report.verdict == "review" and "open_clip" in _failed(result.report, "clip_concept").message
    result = gate_output(_still(tmp_path / ".b.part.jpg"), tmp_path / "b.jpg", ctx, store=store,
                         embedder=ClipHandle(absent))  # fmt: skip
    assert result.report.verdict == "pass"
    assert "not on this machine" in result.report.checks_skipped["clip_concept"]


def test_a_crashing_text_check_is_a_review(tmp_path, store, monkeypatch):
    import studio.compliance.gate as gate_module

    def broken(*args, **kwargs):
        raise RuntimeError("the rule engine fell over")

    monkeypatch.setattr(gate_module, "check_texts", broken)
    ctx = ExportContext(kind="image", texts=(TimedText("三天降血壓"),), category="food")
    result = gate_output(_still(tmp_path / ".a.part.jpg"), tmp_path / "a.jpg", ctx, store=store)
    assert result.report.verdict == "review" and "fell over" in _failed(result.report, "phrase").message
    assert "phrase" not in result.report.checks_run


def test_a_blocked_rerender_never_touches_the_earlier_files_report(tmp_path, store):
    final = tmp_path / "out" / "ad.jpg"
    good_tmp = _still(tmp_path / ".ad.part.jpg")
    good = gate_output(good_tmp, final, ExportContext(kind="image", texts=(TimedText("幫助消化"),), category="food"),
                       store=store)  # fmt: skip
    good.publish(good_tmp, final)
    before = final.with_name("ad.jpg.compliance.json").read_bytes()
    bad_tmp = _still(tmp_path / ".ad.part.jpg", seed=2)
    with pytest.raises(ComplianceError):
        gate_output(bad_tmp, final, ExportContext(kind="image", texts=(TimedText("三天降血壓"),), category="food"),
                    store=store)  # fmt: skip
    assert final.with_name("ad.jpg.compliance.json").read_bytes() == before
    assert not final.with_name("ad.jpg.compliance.html").read_text(encoding="utf-8").count("BLOCK")
    assert read_manifest(final).verdict == "pass"
    from studio.fsutil import sha256_file

    assert json.loads(before)["media"]["sha256"] == sha256_file(final)  # the report names the file it judged


def _save(picture, path: Path) -> Path:
    picture.save(path)
    return path
