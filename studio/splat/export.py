"""Export Gaussian splats to the files viewers open, and read them back.

* ``.ply``: the reference (Inria 3DGS) layout, binary little-endian, one float32 per property:
  ``x y z nx ny nz f_dc_0..2 f_rest_0..(3*(K-1)-1) opacity scale_0..2 rot_0..3`` with raw parameters (opacity
  logit, log scales, quaternion w x y z) and ``f_rest`` channel-major (all red coefficients, then green, then
  blue). ``sh_degree=0`` drops ``f_rest`` for viewers that only show the DC colour (e.g. gradio's Model3D).
* ``.splat`` (antimatter15): 32 bytes per Gaussian, largest and most opaque first: position 3 x float32, scale
  3 x float32 (linear), colour RGBA 4 x uint8 (DC colour, opacity), rotation 4 x uint8 (w x y z, q*128+128).
* ``.spz`` (Niantic, version 2): gzip of a 16-byte header (magic ``NGSP``, version 2, count, SH degree,
  fractional bits, flags, reserved) then, attribute by attribute: positions as 24-bit signed fixed point,
  alphas (uint8 opacity), colours (uint8, DC * 0.15 * 255 + 127.5), scales (uint8, (log + 10) * 16),
  rotations (x y z of the unit quaternion with w >= 0, uint8 q*127.5+127.5) and SH (uint8, coefficient-major,
  channel-minor, x*128+128; 5 bits kept for degree 1, 4 for higher). Coordinates are written as they are (no
  axis conversion), so a round trip is exact up to quantisation. 24-bit positions with 12 fractional bits hold
  +-2048 units: ``fit_to_format`` drops the few Gaussians beyond that (far floaters; the object has radius 1 in
  the normalised frame) or, when many lie beyond it (a model in its own large units), writes fewer fractional
  bits (the header carries them), and says what it did.

Written from the format descriptions; all writes are atomic.
"""

from __future__ import annotations

import gzip
import io
import logging
import math
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from studio.errors import InputError, ModelError
from studio.fsutil import atomic_output
from studio.splat.gaussians import SH_C0, Gaussians, num_sh_coeffs

log = logging.getLogger(__name__)
Format = Literal["ply", "splat", "spz"]
FORMATS: tuple[str, ...] = ("ply", "splat", "spz")
SPZ_MAGIC = 0x5053474E  # "NGSP" little-endian
SPZ_MAX_POINTS = 10_000_000  # the reference reader's limit too; 10 M Gaussians of degree 3 are 640 MB
SPZ_VERSION = 2
SPZ_FRACTIONAL_BITS = 12
SPZ_COLOR_SCALE = 0.15
MAX_PLY_HEADER = 64 * 1024
SPZ_POSITION_LIMIT = (1 << 23) - 1  # largest 24-bit signed fixed-point value
SPZ_MAX_DROPPED = (
    0.01  # share of Gaussians .spz may drop (far floaters) before it lowers the precision instead
)


def _arrays(g: Gaussians) -> dict[str, np.ndarray]:
    return {k: v.detach().to("cpu", torch.float32).numpy() for k, v in g.tensors().items()}


def _check_finite(g: Gaussians) -> None:
    for name, t in g.tensors().items():
        if not bool(torch.isfinite(t).all()):
            raise ModelError(f"The model has non-finite values in {name}.", "Retrain or load another model.")


@dataclass(frozen=True)
class Fitted:
    """What a format can hold of a model: the Gaussians to write, the ``.spz`` fractional bits, the number
    dropped, and a warning (None when nothing was lost)."""

    gaussians: Gaussians
    fractional_bits: int
    dropped: int = 0
    warning: str | None = None


def spz_fractional_bits(max_abs: float) -> int:
    """The most fractional bits (at most ``SPZ_FRACTIONAL_BITS``) whose 24-bit fixed point holds ``max_abs``;
    -1 when even 0 bits cannot (beyond about 8.4 million units)."""
    for bits in range(SPZ_FRACTIONAL_BITS, -1, -1):
        if round(max_abs * (1 << bits)) <= SPZ_POSITION_LIMIT:
            return bits
    return -1


def fit_to_format(g: Gaussians, fmt: str) -> Fitted:
    """What ``fmt`` can represent of ``g`` (pure; see the module docstring for the ``.spz`` rule).

    ``.ply`` and ``.splat`` hold any finite model. ``.spz`` positions are 24-bit fixed point: up to
    ``SPZ_MAX_DROPPED`` of the Gaussians beyond its range are dropped (far floaters); more than that lowers the
    fractional bits until every one fits. ``ModelError`` when no precision can hold the model.
    """
    if fmt != "spz":
        return Fitted(g, SPZ_FRACTIONAL_BITS)
    means = g.means.detach().to("cpu", torch.float64)
    reach = means.abs().amax(dim=1)
    limit = SPZ_POSITION_LIMIT / (1 << SPZ_FRACTIONAL_BITS)
    far = torch.round(reach * (1 << SPZ_FRACTIONAL_BITS)) > SPZ_POSITION_LIMIT
    n_far = int(far.sum())
    if n_far == 0:
        return Fitted(g, SPZ_FRACTIONAL_BITS)
    if n_far <= SPZ_MAX_DROPPED * g.n and n_far < g.n:
        keep = ~far
        kept = replace(g, **{name: t[keep.to(t.device)] for name, t in g.tensors().items()})
        return Fitted(
            kept,
            SPZ_FRACTIONAL_BITS,
            dropped=n_far,
            warning=f".spz: dropped {n_far} of {g.n} Gaussians farther than {limit:.0f} units from the origin"
            " (far floaters; .spz positions cannot hold them). The model file and .ply keep them.",
        )
    bits = spz_fractional_bits(float(reach.max()))
    if bits < 0:
        raise ModelError(
            f"The model reaches {float(reach.max()):.3g} units from the origin; .spz positions cannot hold it.",
            "Export .ply or .splat instead.",
        )
    return Fitted(
        g,
        bits,
        warning=f".spz: {n_far} of {g.n} Gaussians lie farther than {limit:.0f} units from the origin, so"
        f" positions were written with {bits} fractional bits (steps of {1 / (1 << bits):.3g} units) instead of"
        f" {SPZ_FRACTIONAL_BITS}.",
    )


def export(
    model: Gaussians | str | os.PathLike[str],
    path: str | os.PathLike[str],
    format: Format | None = None,
    *,
    sh_degree: int | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Path:
    """Write ``model`` (Gaussians or a model file) to ``path`` as ply / splat / spz (from the suffix when
    ``format`` is None). ``sh_degree`` lowers the SH degree written (0 = DC colour only). What the format
    cannot hold is dropped or written coarser (``fit_to_format``) and ``on_warning`` is told; ``ModelError``
    when the model is empty, not finite, or cannot be represented at all."""
    from studio.splat.gaussians import load_model

    g = model if isinstance(model, Gaussians) else load_model(model)
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError(f"Unknown splat export format {fmt!r}.", f"Use one of {', '.join(FORMATS)}.")
    if path.suffix.lower() != f".{fmt}":
        raise InputError(f"The file {path.name} does not end in .{fmt}.", f"Name it something.{fmt}.")
    if sh_degree is not None:
        if not 0 <= sh_degree <= 3:
            raise InputError(f"sh_degree must be 0..3, got {sh_degree}.")
        g = g.with_sh_degree(min(sh_degree, g.sh_degree))
    if g.n == 0:
        raise ModelError("The model has no Gaussians to export.")
    _check_finite(g)
    fitted = fit_to_format(g, fmt)
    if fitted.warning and on_warning is not None:
        on_warning(fitted.warning)
    if fmt == "spz":
        data = spz_bytes(fitted.gaussians, fractional_bits=fitted.fractional_bits)
    else:
        data = {"ply": ply_bytes, "splat": splat_bytes}[fmt](fitted.gaussians)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def export_formats(
    g: Gaussians,
    folder: str | os.PathLike[str],
    formats: tuple[str, ...] | list[str],
    *,
    stem: str = "model",
    on_warning: Callable[[str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
) -> dict[str, Path]:
    """Write ``g`` as ``folder/<stem>.<fmt>`` for each format: {format: path} of those written.

    A format that cannot represent the model (``ModelError``), or whose exporter fails unexpectedly (logged
    with its traceback), is skipped and ``on_warning`` says why: the other formats, and the model file the
    caller saved first, are never lost to one export."""
    from studio.errors import StudioError

    warn = on_warning or (lambda message: None)
    folder = Path(folder)
    written: dict[str, Path] = {}
    for index, fmt in enumerate(formats):
        try:
            written[fmt] = export(g, folder / f"{stem}.{fmt}", fmt, on_warning=warn)
        except StudioError as exc:
            warn(f"Skipped the .{fmt} export: {exc.one_line()}")
        except Exception as exc:  # a bug in one exporter must not cost the model
            log.exception("the .%s export failed", fmt)
            warn(f"Skipped the .{fmt} export: {type(exc).__name__}: {exc}"[:300])
        if on_progress is not None:
            on_progress((index + 1) / len(formats), f"exported {fmt}" if fmt in written else f"skipped {fmt}")
    return written


# ---------------------------------------------------------------------------------------------------- PLY


def ply_properties(sh_degree: int) -> list[str]:
    """The vertex properties of a 3DGS PLY, in order."""
    n_rest = 3 * (num_sh_coeffs(sh_degree) - 1)
    return (
        ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"]
        + [f"f_rest_{i}" for i in range(n_rest)]
        + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    )


def ply_bytes(g: Gaussians) -> bytes:
    a = _arrays(g)
    n = g.n
    rest = a["sh"][:, 1:, :].transpose(0, 2, 1).reshape(n, -1)  # channel-major, as Inria
    columns = [
        a["means"],
        np.zeros((n, 3), np.float32),
        a["sh"][:, 0, :],
        rest,
        a["opacity_logits"][:, None],
        a["log_scales"],
        a["quats"],
    ]
    table = np.ascontiguousarray(np.concatenate(columns, axis=1), dtype="<f4")
    names = ply_properties(g.sh_degree)
    assert table.shape[1] == len(names)
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {n}"]
    header += [f"property float {name}" for name in names]
    header.append("end_header")
    return ("\n".join(header) + "\n").encode("ascii") + table.tobytes()


def read_ply(path: str | os.PathLike[str]) -> Gaussians:
    """Read a 3DGS PLY (ours, Inria's, gsplat's; ``nx ny nz`` optional) into Gaussians."""
    from plyfile import PlyData

    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(MAX_PLY_HEADER)
            if not head.startswith(b"ply") or b"end_header" not in head:
                raise InputError(f"{path.name} is not a PLY file (no 'ply' magic / header).")
            fh.seek(0)
            ply = PlyData.read(fh)
    except InputError:
        raise
    except Exception as exc:  # plyfile raises many types on malformed input
        raise InputError(f"{path.name} is not a readable PLY file ({exc}).") from exc
    if "vertex" not in ply:
        raise InputError(f"{path.name} has no vertex element.", "Expected a 3D Gaussian splat PLY.")
    v = ply["vertex"].data
    names = set(v.dtype.names or ())
    required = [
        "x",
        "y",
        "z",
        "f_dc_0",
        "f_dc_1",
        "f_dc_2",
        "opacity",
        "scale_0",
        "scale_1",
        "scale_2",
        "rot_0",
        "rot_1",
        "rot_2",
        "rot_3",
    ]
    missing = [r for r in required if r not in names]
    if missing:
        raise InputError(
            f"{path.name} is not a Gaussian-splat PLY: it lacks {', '.join(missing)}.",
            "Expected the 3DGS layout (f_dc_*, opacity, scale_*, rot_*).",
        )
    rest_names = sorted((p for p in names if p.startswith("f_rest_")), key=lambda s: int(s.rsplit("_", 1)[1]))
    n_rest = len(rest_names)
    degree = {0: 0, 9: 1, 24: 2, 45: 3}.get(n_rest)
    if degree is None:
        raise InputError(f"{path.name} has {n_rest} f_rest properties; expected 0, 9, 24 or 45.")

    def col(*keys: str) -> np.ndarray:
        return np.stack([np.asarray(v[k], dtype=np.float32) for k in keys], axis=1)

    n = len(v)
    sh = np.zeros((n, num_sh_coeffs(degree), 3), np.float32)
    sh[:, 0] = col("f_dc_0", "f_dc_1", "f_dc_2")
    if n_rest:
        sh[:, 1:] = col(*rest_names).reshape(n, 3, -1).transpose(0, 2, 1)
    return Gaussians(
        means=torch.from_numpy(col("x", "y", "z")),
        quats=torch.from_numpy(col("rot_0", "rot_1", "rot_2", "rot_3")),
        log_scales=torch.from_numpy(col("scale_0", "scale_1", "scale_2")),
        opacity_logits=torch.from_numpy(np.asarray(v["opacity"], dtype=np.float32).copy()),
        sh=torch.from_numpy(sh),
        sh_degree=degree,
        meta={"source": path.name},
    )


# ---------------------------------------------------------------------------------------------------- .splat


def _unit_quats(q: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(q, axis=1, keepdims=True)
    out = q / np.maximum(norm, 1e-12)
    out[norm[:, 0] < 1e-12] = [1.0, 0.0, 0.0, 0.0]
    return out


def _to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


SPLAT_DTYPE = np.dtype([("pos", "<f4", 3), ("scale", "<f4", 3), ("rgba", "u1", 4), ("rot", "u1", 4)])


def splat_bytes(g: Gaussians) -> bytes:
    a = _arrays(g)
    opacity = 1.0 / (1.0 + np.exp(-a["opacity_logits"].astype(np.float64)))
    order = np.argsort(-np.exp(a["log_scales"].astype(np.float64).sum(1)) * opacity, kind="stable")
    rows = np.zeros(g.n, dtype=SPLAT_DTYPE)
    rows["pos"] = a["means"]
    rows["scale"] = np.exp(a["log_scales"])
    rows["rgba"][:, :3] = _to_u8((0.5 + SH_C0 * a["sh"][:, 0, :]) * 255.0)
    rows["rgba"][:, 3] = _to_u8(opacity * 255.0)
    rows["rot"] = _to_u8(_unit_quats(a["quats"]) * 128.0 + 128.0)
    return rows[order].tobytes()


def read_splat(path: str | os.PathLike[str]) -> Gaussians:
    """Read an antimatter15 ``.splat`` file (DC colour only, so SH degree 0)."""
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) == 0 or len(raw) % SPLAT_DTYPE.itemsize:
        raise InputError(
            f"{path.name} is {len(raw)} bytes, not a whole number of 32-byte .splat rows.", "Export it again."
        )
    rows = np.frombuffer(raw, dtype=SPLAT_DTYPE)
    rgba = rows["rgba"].astype(np.float32) / 255.0
    alpha = np.clip(rgba[:, 3], 0.5 / 255.0, 1.0 - 0.5 / 255.0)
    scale = rows["scale"].astype(np.float32)
    if not np.all(np.isfinite(rows["pos"])) or not np.all(scale > 0):
        raise InputError(f"{path.name} has invalid positions or scales.", "Export it again.")
    sh = ((rgba[:, :3] - 0.5) / SH_C0)[:, None, :]
    quats = (rows["rot"].astype(np.float32) - 128.0) / 128.0
    return Gaussians(
        means=torch.from_numpy(rows["pos"].astype(np.float32)),
        quats=torch.from_numpy(_unit_quats(quats).astype(np.float32)),
        log_scales=torch.from_numpy(np.log(scale)),
        opacity_logits=torch.from_numpy(np.log(alpha / (1.0 - alpha)).astype(np.float32)),
        sh=torch.from_numpy(sh.astype(np.float32)),
        sh_degree=0,
        meta={"source": path.name},
    )


# ---------------------------------------------------------------------------------------------------- .spz


def _quantize_sh(x: np.ndarray, bits: int) -> np.ndarray:
    q = np.round(x * 128.0) + 128.0
    bucket = 1 << (8 - bits)
    q = np.floor((q + bucket // 2) / bucket) * bucket
    return np.clip(q, 0, 255).astype(np.uint8)


def spz_bytes(g: Gaussians, *, fractional_bits: int = SPZ_FRACTIONAL_BITS) -> bytes:
    """The ``.spz`` file of ``g``; ``ModelError`` when a position does not fit (``fit_to_format`` first)."""
    a = _arrays(g)
    n = g.n
    limit = SPZ_POSITION_LIMIT
    fixed = np.round(a["means"].astype(np.float64) * (1 << fractional_bits))
    if np.any(np.abs(fixed) > limit):
        raise ModelError(
            f"A Gaussian lies farther than {limit / (1 << fractional_bits):.0f} units from the origin; "
            ".spz positions cannot hold it.",
            "Export .ply instead.",
        )
    fixed = fixed.astype(np.int64) & 0xFFFFFF
    positions = np.stack([fixed & 0xFF, (fixed >> 8) & 0xFF, (fixed >> 16) & 0xFF], axis=-1).astype(np.uint8)
    opacity = 1.0 / (1.0 + np.exp(-a["opacity_logits"].astype(np.float64)))
    alphas = _to_u8(opacity * 255.0)
    colors = _to_u8(a["sh"][:, 0, :] * (SPZ_COLOR_SCALE * 255.0) + 0.5 * 255.0)
    scales = _to_u8((a["log_scales"] + 10.0) * 16.0)
    q = _unit_quats(a["quats"])  # w x y z
    q = np.where(q[:, :1] < 0, -q, q)  # w >= 0, so w can be recovered from x y z
    rotations = _to_u8(q[:, 1:] * 127.5 + 127.5)
    k = num_sh_coeffs(g.sh_degree) - 1
    sh = np.zeros((n, k, 3), np.uint8)
    if k:
        sh[:, :3] = _quantize_sh(a["sh"][:, 1:4], 5)
        if k > 3:
            sh[:, 3:] = _quantize_sh(a["sh"][:, 4:], 4)
    header = struct.pack("<IIIBBBB", SPZ_MAGIC, SPZ_VERSION, n, g.sh_degree, fractional_bits, 0, 0)
    body = b"".join(x.tobytes() for x in (positions, alphas, colors, scales, rotations, sh))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(header + body)
    return buffer.getvalue()


def read_spz(path: str | os.PathLike[str]) -> Gaussians:
    """Read a Niantic ``.spz`` (version 2) file."""
    path = Path(path)
    # Decompress only as much as the header says the file holds (plus one byte to notice trailing data): a small
    # gzip "bomb" would otherwise inflate to gigabytes in memory before any check.
    try:
        with gzip.open(path, "rb") as gz:
            head = gz.read(16)
            if len(head) < 16:
                raise InputError(f"{path.name} is too short to be a .spz file.")
            magic, version, n, degree, frac_bits, _flags, _reserved = struct.unpack("<IIIBBBB", head)
            if magic != SPZ_MAGIC:
                raise InputError(f"{path.name} is not a .spz file (magic {magic:#x}, expected NGSP).")
            if version != SPZ_VERSION:
                raise InputError(f"{path.name} is .spz version {version}; this reader handles version 2.")
            if degree > 3:
                raise InputError(f"{path.name} has SH degree {degree}; at most 3 is supported.")
            if n > SPZ_MAX_POINTS:
                raise InputError(
                    f"{path.name} claims {n:,} Gaussians; at most {SPZ_MAX_POINTS:,} are read.",
                    "Export a smaller model (or .ply).",
                )
            k = num_sh_coeffs(degree) - 1
            sizes = [n * 9, n, n * 3, n * 3, n * 3, n * k * 3]
            expected = sum(sizes)
            body = gz.read(expected + 1)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(f"{path.name} is not a gzip-compressed .spz file ({exc}).") from exc
    if len(body) != expected:
        what = "has data past its" if len(body) > expected else f"holds {len(body)} data bytes for"
        raise InputError(f"{path.name} is truncated or damaged (it {what} {n} Gaussians).")
    raw = head + body
    parts, offset = [], 16
    for size in sizes:
        parts.append(np.frombuffer(raw, dtype=np.uint8, count=size, offset=offset))
        offset += size
    pos_b, alphas, colors, scales, rots, sh_b = parts
    pos_b = pos_b.reshape(n, 3, 3).astype(np.int64)
    fixed = pos_b[..., 0] | (pos_b[..., 1] << 8) | (pos_b[..., 2] << 16)
    fixed = np.where(fixed & 0x800000, fixed - (1 << 24), fixed)
    means = (fixed / float(1 << frac_bits)).astype(np.float32)
    alpha = np.clip(alphas.astype(np.float64) / 255.0, 0.5 / 255.0, 1.0 - 0.5 / 255.0)
    xyz = rots.reshape(n, 3).astype(np.float64) / 127.5 - 1.0
    w = np.sqrt(np.clip(1.0 - np.sum(xyz * xyz, axis=1), 0.0, None))
    sh = np.zeros((n, k + 1, 3), np.float32)
    sh[:, 0] = (colors.reshape(n, 3).astype(np.float32) - 127.5) / (SPZ_COLOR_SCALE * 255.0)
    if k:
        sh[:, 1:] = (sh_b.reshape(n, k, 3).astype(np.float32) - 128.0) / 128.0
    return Gaussians(
        means=torch.from_numpy(means),
        quats=torch.from_numpy(np.concatenate([w[:, None], xyz], axis=1).astype(np.float32)),
        log_scales=torch.from_numpy(scales.reshape(n, 3).astype(np.float32) / 16.0 - 10.0),
        opacity_logits=torch.from_numpy(np.log(alpha / (1.0 - alpha)).astype(np.float32)),
        sh=torch.from_numpy(sh),
        sh_degree=int(degree),
        meta={"source": path.name},
    )


def format_precision() -> dict[str, dict[str, float]]:
    """Worst-case round-trip errors per format and quantity (used by tests and docs)."""
    return {
        "spz": {
            "position": 0.5 / (1 << SPZ_FRACTIONAL_BITS),
            "log_scale": 0.5 / 16.0,
            "opacity": 0.5 / 255.0,
            "sh0": 0.5 / (SPZ_COLOR_SCALE * 255.0),
            "sh1": 4.5 / 128.0,  # 8-step buckets (5 bits) after rounding to 1/128
            "sh_rest": 8.5 / 128.0,  # 16-step buckets (4 bits) for degree >= 2
            "quat": math.sqrt(3) * 0.5 / 127.5 * 2,
        },
        "splat": {"opacity": 0.5 / 255.0, "rgb": 0.5 / 255.0, "quat": 0.5 / 128.0 * 2},
    }
