"""Export / import round trips: the Inria PLY, antimatter15 .splat and Niantic .spz, and the model file."""

from __future__ import annotations

import gzip
import math
import struct

import numpy as np
import pytest
import torch

from studio.errors import InputError, ModelError
from studio.splat import export as E
from studio.splat.gaussians import SH_C0, Gaussians, load_model

INRIA_PLY_PROPERTIES = (
    ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"]
    + [f"f_rest_{i}" for i in range(45)]
    + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
)


def _model(n: int = 200, degree: int = 3, seed: int = 0) -> Gaussians:
    g = torch.Generator().manual_seed(seed)
    quats = torch.randn(n, 4, generator=g)
    return Gaussians(
        means=torch.randn(n, 3, generator=g) * 2.0,
        quats=quats / quats.norm(dim=1, keepdim=True),
        log_scales=torch.randn(n, 3, generator=g) * 0.5 - 4.0,
        opacity_logits=torch.randn(n, generator=g) * 2.0,
        sh=torch.cat(
            [torch.randn(n, 1, 3, generator=g), torch.randn(n, 15, 3, generator=g).clamp(-1, 1) * 0.3], dim=1
        )[:, : (degree + 1) ** 2].contiguous(),
        sh_degree=degree,
        meta={"center": [0.0, 0.0, 0.0]},
    )


def _same_rotation(q1: torch.Tensor, q2: torch.Tensor) -> torch.Tensor:
    """Angle between two quaternion sets (q and -q are the same rotation), radians."""
    q1 = q1 / q1.norm(dim=1, keepdim=True)
    q2 = q2 / q2.norm(dim=1, keepdim=True)
    return 2 * torch.acos((q1 * q2).sum(1).abs().clamp(max=1.0))


def _ply_header(path) -> tuple[list[str], int]:
    data = path.read_bytes()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    lines = data[:end].decode("ascii").splitlines()
    return lines, end


def test_ply_matches_inria_layout_and_round_trips_exactly(tmp_path):
    g = _model()
    path = E.export(g, tmp_path / "model.ply")
    lines, header_len = _ply_header(path)
    assert lines[:3] == ["ply", "format binary_little_endian 1.0", "element vertex 200"]
    props = [line.split() for line in lines[3:-1]]
    assert all(p[:2] == ["property", "float"] for p in props)
    assert [p[2] for p in props] == INRIA_PLY_PROPERTIES
    assert header_len < 10_000
    assert path.stat().st_size == header_len + 200 * 62 * 4
    back = E.read_ply(path)
    assert back.sh_degree == 3
    for name, t in g.tensors().items():
        assert torch.equal(getattr(back, name), t), name
    # f_rest is channel-major, as Inria writes it: f_rest_0..14 are red coefficients 1..15.
    row = np.frombuffer(path.read_bytes()[header_len:], dtype="<f4").reshape(200, 62)
    assert np.allclose(row[:, 9:24], g.sh[:, 1:, 0].numpy())
    assert np.allclose(row[:, 3:6], 0.0)  # nx ny nz present and zero


def test_ply_dc_only_export_for_simple_viewers(tmp_path):
    g = _model()
    path = E.export(g, tmp_path / "viewer.ply", sh_degree=0)
    lines, header_len = _ply_header(path)
    names = [line.split()[2] for line in lines[3:-1]]
    assert not any(n.startswith("f_rest") for n in names) and "f_dc_0" in names and "nx" in names
    assert header_len < 10_000
    back = load_model(path)
    assert back.sh_degree == 0 and torch.equal(back.sh[:, 0], g.sh[:, 0])


def test_splat_round_trip_within_format_precision(tmp_path):
    g = _model(degree=1)
    path = E.export(g, tmp_path / "model.splat")
    assert path.stat().st_size == 32 * g.n
    back = E.read_splat(path)
    assert back.sh_degree == 0 and back.n == g.n
    # Rows are sorted (largest x most opaque first): match them back by position.
    order = [int(torch.argmin((g.means - m).norm(dim=1))) for m in back.means]
    src = g.with_sh_degree(0)
    idx = torch.tensor(order)
    assert torch.equal(back.means, src.means[idx])
    assert torch.allclose(back.scales, src.scales[idx], rtol=1e-6)
    rgb_src = (0.5 + SH_C0 * src.sh[idx, 0]).clamp(0, 1)
    rgb_back = 0.5 + SH_C0 * back.sh[:, 0]
    assert float((rgb_src - rgb_back).abs().max()) <= 0.5 / 255 + 1e-6
    assert float((src.opacities[idx] - back.opacities).abs().max()) <= 0.5 / 255 + 1e-6
    assert float(_same_rotation(src.quats[idx], back.quats).max()) < 0.03
    size_key = torch.exp(back.log_scales.sum(1)) * back.opacities
    assert bool((size_key[:-1] >= size_key[1:] - 1e-6).all())


def test_spz_header_and_round_trip_within_format_precision(tmp_path):
    g = _model(degree=3)
    path = E.export(g, tmp_path / "model.spz")
    raw = gzip.decompress(path.read_bytes())
    magic, version, n, degree, frac, flags, reserved = struct.unpack("<IIIBBBB", raw[:16])
    assert raw[:4] == b"NGSP" and magic == E.SPZ_MAGIC
    assert (version, n, degree, frac, flags, reserved) == (2, g.n, 3, 12, 0, 0)
    assert len(raw) == 16 + g.n * (9 + 1 + 3 + 3 + 3 + 45)
    assert path.stat().st_size < len(E.ply_bytes(g)) / 3  # compact
    back = E.read_spz(path)
    prec = E.format_precision()["spz"]
    assert float((back.means - g.means).abs().max()) <= prec["position"] + 1e-7
    assert float((back.log_scales - g.log_scales).abs().max()) <= prec["log_scale"] + 1e-6
    assert float((back.opacities - g.opacities).abs().max()) <= prec["opacity"] + 1e-6
    in_range = (g.sh[:, 0].abs() < 3.0).all(dim=1)  # DC values the 8-bit colour field can hold
    assert float((back.sh[in_range, 0] - g.sh[in_range, 0]).abs().max()) <= prec["sh0"] + 1e-6
    assert float((back.sh[:, 1:4] - g.sh[:, 1:4]).abs().max()) <= prec["sh1"] + 1e-6  # 5 bits kept
    assert float((back.sh[:, 4:] - g.sh[:, 4:]).abs().max()) <= prec["sh_rest"] + 1e-6  # 4 bits kept
    # v2 stores x y z with 8 bits and rebuilds w, which is coarse when w is near 0 (a property of the format).
    angle = _same_rotation(back.quats, g.quats)
    w_big = g.quats[:, 0].abs() > 0.3
    assert float(angle[w_big].max()) < 0.05 and float(angle.max()) < 0.25 and float(angle.median()) < 0.02
    # Position fixed point is signed 24-bit: negative coordinates survive.
    assert float(g.means.min()) < -1.0 and torch.allclose(back.means, g.means, atol=prec["position"] + 1e-7)


def _with_far(g: Gaussians, far: torch.Tensor, offset: float) -> Gaussians:
    """``g`` with the Gaussians where ``far`` is True moved ``offset`` units out along x."""
    means = g.means.clone()
    means[far, 0] += offset
    return Gaussians(**{**g.tensors(), "means": means}, sh_degree=g.sh_degree, meta=dict(g.meta))


@pytest.mark.parametrize("fmt", E.FORMATS)
def test_a_far_floater_is_exported_in_every_format(tmp_path, fmt):
    g = _model(n=400, degree=3)
    far = torch.zeros(g.n, dtype=torch.bool)
    far[7] = True  # one floater 5000 units out: beyond .spz's +-2048
    model = _with_far(g, far, 5000.0)
    said: list[str] = []
    path = E.export(model, tmp_path / f"model.{fmt}", on_warning=said.append)
    back = E.read_splat(path) if fmt == "splat" else E.read_spz(path) if fmt == "spz" else E.read_ply(path)
    if fmt == "spz":  # dropped with a warning; the rest kept at full precision
        assert back.n == g.n - 1 and len(said) == 1 and "dropped 1 of 400" in said[0], said
        prec = E.format_precision()["spz"]["position"]
        assert torch.allclose(back.means, model.means[~far], atol=prec + 1e-7)
    else:  # float32 positions hold it: nothing lost, nothing said
        assert back.n == g.n and said == []
        assert float(back.means[:, 0].max()) > 4000


def test_spz_lowers_precision_when_many_lie_beyond_its_range(tmp_path):
    g = _model(n=100, degree=0)
    model = _with_far(g, torch.arange(g.n) % 2 == 0, 3000.0)  # half the model: its own large units
    said: list[str] = []
    path = E.export(model, tmp_path / "big.spz", on_warning=said.append)
    raw = gzip.decompress(path.read_bytes())
    frac = struct.unpack("<IIIBBBB", raw[:16])[4]
    assert frac == E.spz_fractional_bits(float(model.means.abs().max())) == 11, frac
    assert len(said) == 1 and "11 fractional bits" in said[0], said
    back = E.read_spz(path)
    assert back.n == g.n and float((back.means - model.means).abs().max()) <= 0.5 / (1 << 11) + 1e-4


def test_spz_refuses_a_model_no_precision_can_hold(tmp_path):
    g = _model(n=4)
    far = Gaussians(**{**g.tensors(), "means": g.means + 1e7}, sh_degree=g.sh_degree)
    with pytest.raises(ModelError, match="cannot hold"):
        E.export(far, tmp_path / "far.spz")
    assert not (tmp_path / "far.spz").exists()
    assert E.spz_fractional_bits(1e7) == -1 and E.spz_fractional_bits(1.0) == E.SPZ_FRACTIONAL_BITS


def test_readers_reject_bad_files(tmp_path):
    (tmp_path / "bad.ply").write_bytes(b"not a ply at all")
    with pytest.raises(InputError, match="not a PLY"):
        E.read_ply(tmp_path / "bad.ply")
    mesh = b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n"
    (tmp_path / "mesh.ply").write_bytes(mesh)
    with pytest.raises(InputError, match="lacks"):
        E.read_ply(tmp_path / "mesh.ply")
    (tmp_path / "bad.splat").write_bytes(b"\0" * 33)
    with pytest.raises(InputError, match="32-byte"):
        E.read_splat(tmp_path / "bad.splat")
    (tmp_path / "bad.spz").write_bytes(gzip.compress(b"XXXX" + b"\0" * 12))
    with pytest.raises(InputError, match="magic"):
        E.read_spz(tmp_path / "bad.spz")
    good = E.spz_bytes(_model(n=3, degree=0))
    (tmp_path / "cut.spz").write_bytes(gzip.compress(gzip.decompress(good)[:-5]))
    with pytest.raises(InputError, match="truncated"):
        E.read_spz(tmp_path / "cut.spz")
    with pytest.raises(InputError, match="format"):
        E.export(_model(n=3), tmp_path / "x.obj")
    with pytest.raises(InputError, match="does not end"):
        E.export(_model(n=3), tmp_path / "x.ply", "spz")


def test_non_finite_models_are_refused(tmp_path):
    g = _model(n=5)
    bad = Gaussians(**{**g.tensors(), "opacity_logits": torch.full((5,), math.nan)}, sh_degree=g.sh_degree)
    with pytest.raises(ModelError, match="non-finite"):
        E.export(bad, tmp_path / "bad.ply")
    assert list(tmp_path.iterdir()) == []


def test_model_file_round_trip_keeps_metadata(tmp_path):
    g = _model(n=50).with_meta(metrics={"psnr": 27.5, "ssim": 0.91})
    path = g.save(tmp_path / "model.safetensors")
    back = load_model(path)
    assert back.meta["metrics"] == {"psnr": 27.5, "ssim": 0.91}
    assert back.sh_degree == 3
    for name, t in g.tensors().items():
        assert torch.equal(getattr(back, name), t)
    with pytest.raises(InputError):
        g.save(tmp_path / "model.ply")
    (tmp_path / "other.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError):
        load_model(tmp_path / "other.safetensors")
    # Every exported format loads back through load_model.
    for fmt in E.FORMATS:
        loaded = load_model(E.export(path, tmp_path / f"m.{fmt}"))
        assert loaded.n == g.n


def _bomb(path, header: bytes, inflated: int) -> int:
    """A .spz whose gzip stream holds ``header`` then ``inflated`` zero bytes; returns the file's size."""
    chunk = b"\0" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as gz:
        gz.write(header)
        for _ in range(inflated // len(chunk)):
            gz.write(chunk)
    return path.stat().st_size


def test_a_spz_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    """A small file whose gzip stream inflates far past what its header promises (issue 8: 3 MB -> 6.8 GB):
    decompression stops at the header's size, so memory stays at the size of the claimed model."""
    import tracemalloc

    header = struct.pack("<IIIBBBB", E.SPZ_MAGIC, 2, 1000, 0, 12, 0, 0)  # 1,000 Gaussians: 19 kB of data
    size = _bomb(tmp_path / "bomb.spz", header, 256 << 20)  # then 256 MB of zeros
    assert size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="has data past its 1000 Gaussians"):
            E.read_spz(tmp_path / "bomb.spz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # what the header allows, plus gzip's buffers; not 256 MB

    huge = struct.pack("<IIIBBBB", E.SPZ_MAGIC, 2, 400_000_000, 3, 12, 0, 0)  # a header that claims 25 GB
    _bomb(tmp_path / "claims.spz", huge, 1 << 20)
    with pytest.raises(InputError, match="claims 400,000,000 Gaussians; at most 10,000,000"):
        E.read_spz(tmp_path / "claims.spz")
    (tmp_path / "empty.spz").write_bytes(gzip.compress(b""))
    with pytest.raises(InputError, match="too short"):
        E.read_spz(tmp_path / "empty.spz")
    (tmp_path / "plain.spz").write_bytes(b"NGSP not gzip at all")
    with pytest.raises(InputError, match="not a gzip-compressed"):
        E.read_spz(tmp_path / "plain.spz")


def test_export_formats_skips_a_format_that_cannot_hold_the_model_and_keeps_the_rest(tmp_path):
    g = _model(n=50, degree=1)
    far = torch.zeros(g.n, dtype=torch.bool)
    far[:25] = True
    model = _with_far(g, far, 1e7)  # half the model beyond any .spz precision
    said: list[str] = []
    written = E.export_formats(model, tmp_path, E.FORMATS, on_warning=said.append)
    assert set(written) == {"ply", "splat"} and not (tmp_path / "model.spz").exists()
    assert len(said) == 1 and said[0].startswith("Skipped the .spz export:") and "cannot hold" in said[0]
    assert E.read_ply(written["ply"]).n == E.read_splat(written["splat"]).n == g.n
    assert E.export_formats(model, tmp_path / "none", (), on_warning=said.append) == {}
