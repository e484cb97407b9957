"""Time the asset generators and measure what they produce (sizes, audio levels).

    .venv/bin/python bench/assets_generate.py [--deb fonts-noto-cjk_*.deb]

Writes nothing under assets/: every output goes to a temporary folder. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deb", type=Path, help="time the font subsetting too, from this .deb")
    args = parser.parse_args()
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench_assets.") as tmp:
        out = Path(tmp)
        if args.deb:
            subset = load("subset_font")
            t0 = time.perf_counter()
            subset.main(["--deb", str(args.deb), "--out-dir", str(out / "fonts")])
            sizes = ", ".join(
                f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted((out / "fonts").glob("*.otf"))
            )
            rows.append(("subset_font.py (both weights, with HKSCS)", time.perf_counter() - t0, sizes))
        product = load("make_sample_product")
        for shot in product.SHOTS:
            t0 = time.perf_counter()
            product.main(["--out", str(out / "sample"), "--only", shot.name])
            size = (out / "sample" / shot.file).stat().st_size
            rows.append(
                (
                    f"make_sample_product.py --only {shot.name}",
                    time.perf_counter() - t0,
                    f"{shot.size[0]}x{shot.size[1]} JPEG q92, {size / 1e6:.2f} MB",
                )
            )
        t0 = time.perf_counter()
        product.main(["--out", str(out / "sample"), "--only", "logo"])
        rows.append(
            (
                "make_sample_product.py --only logo",
                time.perf_counter() - t0,
                f"800x800 PNG, {(out / 'sample' / 'logo.png').stat().st_size / 1e6:.3f} MB",
            )
        )
        music = load("make_music")
        t0 = time.perf_counter()
        mix = music.render()
        t_render = time.perf_counter() - t0
        stats = music.measure(mix)
        t0 = time.perf_counter()
        music.encode_m4a(mix, out / "music.m4a")
        t_encode = time.perf_counter() - t0
        levels = (
            f"{stats['seconds']:.3f} s, peak {stats['peak_dbfs']:.2f} dBFS, RMS {stats['rms_dbfs']:.2f} dBFS, "
            f"{stats.get('lufs_integrated', float('nan')):.2f} LUFS, {stats['clipped_samples']} clipped"
        )
        rows.append(("make_music.render()", t_render, levels))
        rows.append(
            (
                "make_music.encode_m4a() (AAC 192k)",
                t_encode,
                f"{(out / 'music.m4a').stat().st_size / 1e6:.2f} MB",
            )
        )
    print("| step | seconds | result |\n|---|---|---|")
    for name, secs, what in rows:
        print(f"| {name} | {secs:.1f} | {what} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
