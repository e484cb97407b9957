"""C2PA provenance: the local certificate chain, signing JPEG/PNG/MP4 offline, reading back, tampering, labels."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from studio.compliance.provenance import (
    AI_SOURCE_TYPE,
    HUMAN_SOURCE_TYPE,
    draw_visible_label,
    ensure_identity,
    read_manifest,
    sign_file,
)
from studio.errors import InputError, RenderError
from tests.helpers import fill_disk_when_signing

VERDICT = {"verdict": "review", "rules": ["tw-ads.food.exaggerated"], "packs": {"tw-ads": 1}}


def _image(path: Path, fmt: str) -> Path:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(path, fmt)
    return path


def _video(path: Path, seconds: float = 1.0, size: str = "320x568") -> Path:
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
         f"testsrc=size={size}:rate=30", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    return path


def test_identity_is_a_ca_chain_with_the_right_usages(studio_home: Path) -> None:
    ident = ensure_identity()
    certs = x509.load_pem_x509_certificates(ident.chain_pem)
    assert len(certs) == 2
    ee, ca = certs
    assert ee.issuer == ca.subject and ee.subject != ee.issuer  # not self-signed
    assert (
        isinstance(ee.public_key(), ec.EllipticCurvePublicKey) and ee.public_key().curve.name == "secp256r1"
    )
    assert ee.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = ee.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key_file = studio_home / "c2pa" / "signer.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((studio_home / "c2pa" / "ca.key").stat().st_mode) == 0o600
    # created once, reused afterwards
    assert ensure_identity().chain_pem == ident.chain_pem


@pytest.mark.parametrize(("name", "fmt"), [("a.jpg", "JPEG"), ("a.png", "PNG")])
def test_sign_and_read_back_images(tmp_path: Path, name: str, fmt: str) -> None:
    path = _image(tmp_path / name, fmt)
    sign_file(path, VERDICT, ai_generated=True, title="ad.jpg")
    summary = read_manifest(path)
    assert summary.found and summary.validation_state == "Trusted" and summary.trusted
    assert summary.failures == []
    assert summary.digital_source_type == AI_SOURCE_TYPE and summary.ai_generated is True
    assert summary.verdict == "review" and summary.compliance["rules"] == ["tw-ads.food.exaggerated"]
    assert summary.title == "ad.jpg" and summary.signer.endswith("content signer")
    with Image.open(path) as im:  # still a valid image
        assert im.size == (128, 96)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary files left


def test_sign_mp4_and_detect_tampering(tmp_path: Path) -> None:
    path = _video(tmp_path / "ad.mp4")
    sign_file(path, {"verdict": "pass"}, ai_generated=False)
    summary = read_manifest(path)
    assert summary.validation_state == "Trusted" and summary.digital_source_type == HUMAN_SOURCE_TYPE
    assert summary.ai_generated is False and summary.verdict == "pass"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # flip a byte of the video payload
    tampered = tmp_path / "tampered.mp4"
    tampered.write_bytes(bytes(data))
    bad = read_manifest(tampered)
    assert bad.found and bad.validation_state == "Invalid"
    assert any("mismatch" in code for code in bad.failures)


def test_another_installation_sees_valid_but_not_trusted(tmp_path: Path, monkeypatch) -> None:
    path = _image(tmp_path / "a.jpg", "JPEG")
    sign_file(path, VERDICT, ai_generated=True)
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "other-home"))
    summary = read_manifest(path)
    assert summary.validation_state == "Valid" and not summary.trusted and summary.failures == []


def test_unsigned_unsupported_and_corrupt_files(tmp_path: Path) -> None:
    plain = _image(tmp_path / "plain.jpg", "JPEG")
    assert read_manifest(plain).found is False
    ply = tmp_path / "model.ply"
    ply.write_bytes(b"ply\nformat binary_little_endian 1.0\nend_header\n")
    with pytest.raises(InputError, match="not supported for .ply"):
        sign_file(ply, VERDICT, ai_generated=True)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"this is not a jpeg at all" * 10)
    before = corrupt.read_bytes()
    with pytest.raises(RenderError, match="Could not sign corrupt.jpg"):
        sign_file(corrupt, VERDICT, ai_generated=True)
    assert corrupt.read_bytes() == before  # a failed sign leaves the original untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.jpg", "model.ply", "plain.jpg"]
    with pytest.raises(InputError, match="does not exist"):
        read_manifest(tmp_path / "missing.jpg")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_manifest(empty)
    with pytest.raises(InputError, match="Cannot read Content Credentials"):
        read_manifest(corrupt)


def test_visible_label_on_a_still_changes_only_its_corner(tmp_path: Path) -> None:
    path = tmp_path / "still.png"
    Image.new("RGB", (1080, 1920), (40, 90, 160)).save(path)
    draw_visible_label(path)
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    changed = np.any(pixels != [40, 90, 160], axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 2000  # a readable badge, not a speck
    assert xs.min() >= 40 and ys.min() >= 150  # left margin, below the platform UI band at the top
    assert xs.max() < 1080 * 0.6 and ys.max() < 1920 * 0.2


def test_visible_label_on_a_video(tmp_path: Path) -> None:
    path = _video(tmp_path / "clip.mp4", seconds=0.5)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    first = np.frombuffer(next(reader), np.uint8).reshape(meta["size"][1], meta["size"][0], 3).copy()
    reader.close()
    draw_visible_label(path)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta2 = next(reader)
    labelled = np.frombuffer(next(reader), np.uint8).reshape(meta2["size"][1], meta2["size"][0], 3)
    reader.close()
    assert meta2["size"] == meta["size"]
    diff = np.abs(labelled.astype(int) - first.astype(int)).sum(axis=2)
    top_left = diff[40:120, 10:200].mean()
    bottom = diff[400:, :].mean()
    assert top_left > 20 > bottom  # the badge is there; the rest is the same picture (re-encoded)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())
    assert os.path.getsize(path) > 0


@pytest.fixture(params=["while writing", "when closing"])
def full_disk(request, monkeypatch):
    """The signer's output file behaves as on a disk that fills (c2pa's own write or the final flush fails)."""
    fill_disk_when_signing(monkeypatch, at_close=request.param == "when closing")


@pytest.mark.parametrize("fmt, suffix", [("JPEG", ".jpg"), ("PNG", ".png")])
def test_a_disk_that_fills_while_signing_is_one_line_and_leaves_nothing(tmp_path, full_disk, fmt, suffix):
    path = _image(tmp_path / f"ad{suffix}", fmt)
    before = path.read_bytes()
    with pytest.raises(RenderError) as info:
        sign_file(path, VERDICT, ai_generated=False)
    line = info.value.one_line()
    assert (
        line.startswith(f"Could not write the signed copy of ad{suffix}")
        and "No space left on device" in line
    )
    assert "Free some disk space" in line and "\n" not in line
    assert path.read_bytes() == before  # unchanged
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ad{suffix}"]  # no temporary left behind


def test_a_file_size_limit_from_the_kernel_while_signing(tmp_path, studio_home):
    """The real thing, no injection: RLIMIT_FSIZE lets the original exist but not its (larger) signed copy."""
    path = _image(tmp_path / "ad.jpg", "JPEG")
    ensure_identity()  # the key and certificates are written before the limit
    code = (
        "import resource, signal, sys\n"
        "from studio.compliance.provenance import sign_file\n"
        "from studio.errors import StudioError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead\n"
        f"limit = {path.stat().st_size} + 64\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
        "try:\n"
        f"    sign_file({str(path)!r}, {{'verdict': 'pass'}}, ai_generated=False)\n"
        "except StudioError as exc:\n"
        "    print(exc.one_line()); sys.exit(exc.exit_code)\n"
    )
    before = path.read_bytes()
    env = {**os.environ, "STUDIO_HOME": str(studio_home)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout.startswith("Could not write the signed copy of ad.jpg") and result.stderr == ""
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["ad.jpg"]
