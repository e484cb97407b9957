"""Cost of provenance on a 15 s 1080x1920 H.264 ad: C2PA signing, reading back, the visible AI label.

    .venv/bin/python bench/compliance_provenance.py

Makes the test clip with the bundled ffmpeg (testsrc2 + a sine tone, libx264 veryfast), then times
``sign_file`` (embedding a manifest, via a temporary file and a rename), ``read_manifest`` (validation with the
local CA as trust anchor) and ``draw_visible_label`` (one ffmpeg overlay pass, libx264 veryfast, crf 18).
Each step runs ``--repeat`` times on fresh copies; the median is reported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STUDIO_HOME"] = str(Path(tmp) / "home")
        from studio.compliance.provenance import draw_visible_label, ensure_identity, read_manifest, sign_file

        clip = Path(tmp) / "ad.mp4"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
             "testsrc2=size=1080x1920:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-t", "15", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
             "-movflags", "+faststart", str(clip)],
            check=True,
        )  # fmt: skip
        t0 = time.perf_counter()
        ensure_identity()
        identity_s = time.perf_counter() - t0
        timings: dict[str, list[float]] = {"sign": [], "read": [], "label": []}
        for i in range(args.repeat):
            copy = Path(tmp) / f"copy{i}.mp4"
            shutil.copy(clip, copy)
            t0 = time.perf_counter()
            draw_visible_label(copy)
            timings["label"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            sign_file(copy, {"verdict": "pass"}, ai_generated=True)
            timings["sign"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            summary = read_manifest(copy)
            timings["read"].append(time.perf_counter() - t0)
            assert summary.validation_state == "Trusted", summary
        size_mb = clip.stat().st_size / 1e6
    print(
        f"clip: 15 s 1080x1920 30 fps H.264 + AAC, {size_mb:.1f} MB; first-use certificate chain {identity_s:.3f} s"
    )
    for step, values in timings.items():
        print(
            f"{step:6s} median {statistics.median(values):.3f} s  (runs: {', '.join(f'{v:.3f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
