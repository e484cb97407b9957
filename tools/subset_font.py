"""Subset Noto Sans CJK TC (OFL-1.1) into the two fonts bundled under ``assets/fonts``.

Reproducible: the same Debian package and the same fontTools version give byte-identical files (the subsetter
is deterministic and we pin the ``head`` timestamps to the source font's own).

Source: Debian's ``fonts-noto-cjk`` package, whose ``NotoSansCJK-{Regular,Bold}.ttc`` collections hold every CJK
face; the Traditional Chinese face is the one whose family name is "Noto Sans CJK TC". The package is fetched
with ``apt-get download`` into a temporary folder and unpacked with ``dpkg-deb -x``; nothing is installed.

Character set (see :func:`wanted_codepoints`): Basic Latin, Latin-1, General Punctuation, currency signs,
CJK Symbols and Punctuation, Bopomofo (+ extended), half/full-width forms, every character that Python's
``big5`` and ``cp950`` codecs decode from a valid double-byte code, and (optionally, on by default) the extra
characters of ``big5hkscs``. Characters the source face lacks are reported and skipped.

Usage::

    python tools/subset_font.py                       # apt-get download + subset into assets/fonts
    python tools/subset_font.py --deb fonts-noto-cjk_*.deb
    python tools/subset_font.py --ttc-dir /usr/share/fonts/opentype/noto --no-hkscs
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "assets" / "fonts"
FACE_FAMILY = "Noto Sans CJK TC"
# (source collection file, output file name)
WEIGHTS = (
    ("NotoSansCJK-Regular.ttc", "NotoSansTC-Regular.otf"),
    ("NotoSansCJK-Bold.ttc", "NotoSansTC-Bold.otf"),
)

# Unicode blocks kept whole (inclusive ranges).
BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0020, 0x007E, "Basic Latin"),
    (0x00A0, 0x00FF, "Latin-1 Supplement"),
    (0x2000, 0x206F, "General Punctuation"),
    (0x20A0, 0x20CF, "Currency Symbols"),
    (0x2100, 0x214F, "Letterlike Symbols"),
    (0x2190, 0x21FF, "Arrows"),
    (0x2460, 0x24FF, "Enclosed Alphanumerics"),
    (0x2500, 0x257F, "Box Drawing"),
    (0x25A0, 0x25FF, "Geometric Shapes"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0x3100, 0x312F, "Bopomofo"),
    (0x31A0, 0x31BF, "Bopomofo Extended"),
    (0x3200, 0x32FF, "Enclosed CJK Letters and Months"),
    (0x3300, 0x33FF, "CJK Compatibility"),
    (0xFE30, 0xFE4F, "CJK Compatibility Forms (vertical punctuation)"),
    (0xFE50, 0xFE6F, "Small Form Variants"),
    (0xFF00, 0xFFEF, "Halfwidth and Fullwidth Forms"),
)
# OpenType features kept. Vertical writing (vert, vrt2, vkrn, vpal, vhal) and proportional / half-width
# punctuation spacing (palt, halt) matter for CJK layout; kern, mark, ccmp, liga for Latin. Left out on purpose:
# "aalt" and "locl" (they pull in every Japanese / Korean / Simplified glyph variant: 36,884 glyphs instead of
# about 20,000, twice the file size); the TC face's default glyphs already are the Taiwan forms.
LAYOUT_FEATURES = (
    "ccmp",
    "liga",
    "kern",
    "mark",
    "mkmk",
    "palt",
    "halt",
    "vert",
    "vrt2",
    "vkrn",
    "vpal",
    "vhal",
)

# Single characters that ad copy needs even if a block above misses them: currency signs and friends.
EXTRA_CHARS = "$€¥£¢₩•·‧・ー…—–‘’“”™®©°×÷±％★☆♥♡✓※→←↑↓"


def big5_characters(codec: str) -> set[str]:
    """Every character ``codec`` decodes from a valid double-byte code (lead 0x81-0xFE, trail 0x40-0x7E/0xA1-0xFE).

    Private-use results (user-defined areas) are dropped: no font has them.
    """
    chars: set[str] = set()
    trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    for lead in range(0x81, 0xFF):
        for trail in trails:
            try:
                text = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            chars.update(ch for ch in text if not 0xE000 <= ord(ch) <= 0xF8FF)
    return chars


def big5_level1() -> str:
    """The 5,401 common characters of Big5 level 1 (常用國字, codes 0xA440-0xC67E), in code order."""
    out = []
    trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    for lead in range(0xA4, 0xC7):
        for trail in trails:
            if (lead, trail) > (0xC6, 0x7E):
                break
            out.append(bytes((lead, trail)).decode("big5"))
    return "".join(out)


def required_codepoints(hkscs: bool = True) -> set[int]:
    """Characters the fonts must have: Big5 / CP950 (+ HKSCS extras) and the listed currency and punctuation."""
    required = {ord(ch) for ch in EXTRA_CHARS}
    codecs: Iterable[str] = ("big5", "cp950", "big5hkscs") if hkscs else ("big5", "cp950")
    for codec in codecs:
        required.update(ord(ch) for ch in big5_characters(codec))
    return required


def wanted_codepoints(hkscs: bool = True) -> set[int]:
    """The code points we ask the subsetter to keep: whole blocks plus :func:`required_codepoints`.

    Block members the face lacks (unassigned or uncovered code points) are simply not kept.
    """
    wanted = required_codepoints(hkscs)
    for lo, hi, _ in BLOCKS:
        wanted.update(range(lo, hi + 1))
    return wanted


def fetch_debian_package(workdir: Path) -> Path:
    """``apt-get download fonts-noto-cjk`` into ``workdir``; return the .deb path."""
    if shutil.which("apt-get") is None:
        raise SystemExit("apt-get not found: pass --deb or --ttc-dir instead")
    subprocess.run(["apt-get", "download", "fonts-noto-cjk"], cwd=workdir, check=True)
    debs = sorted(workdir.glob("fonts-noto-cjk_*.deb"))
    if not debs:
        raise SystemExit(f"apt-get download left no fonts-noto-cjk_*.deb in {workdir}")
    return debs[-1]


def unpack_deb(deb: Path, workdir: Path) -> Path:
    """``dpkg-deb -x`` the package and return the folder holding the .ttc files."""
    target = workdir / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    found = sorted(target.rglob("NotoSansCJK-Regular.ttc"))
    if not found:
        raise SystemExit(f"{deb.name} has no NotoSansCJK-Regular.ttc")
    return found[0].parent


def deb_version(deb: Path) -> str:
    out = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def pick_face(ttc_path: Path):
    """Return the TTFont of the Traditional Chinese face inside a Noto Sans CJK collection."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(ttc_path), lazy=False)
    for font in collection.fonts:
        if font["name"].getDebugName(1) == FACE_FAMILY:
            return font
    names = [f["name"].getDebugName(1) for f in collection.fonts]
    raise SystemExit(f"{ttc_path.name} has no face named {FACE_FAMILY!r} (faces: {names})")


def subset_face(
    ttc_path: Path, out_path: Path, codepoints: set[int], required: set[int]
) -> tuple[int, list[int]]:
    """Subset the TC face of ``ttc_path`` to ``codepoints``; write ``out_path`` (CFF OpenType).

    Returns (number of code points kept, sorted ``required`` code points absent from the face).
    """
    from fontTools import subset

    font = pick_face(ttc_path)
    cmap = font.getBestCmap()
    present = sorted(cp for cp in codepoints if cp in cmap)
    missing = sorted(cp for cp in required if cp not in cmap)

    options = subset.Options()
    options.layout_features = list(LAYOUT_FEATURES)
    options.name_IDs = ["*"]  # keep copyright, licence and trademark strings (OFL condition 2)
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = True
    options.legacy_kern = True
    options.drop_tables = [t for t in options.drop_tables if t not in ("VORG",)]
    options.recalc_timestamp = False  # reproducible bytes
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=present)
    subsetter.subset(font)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.part")
    font.recalcTimestamp = False  # keep the source's head.modified: same input, same bytes
    try:
        font.save(str(tmp))
        tmp.replace(out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return len(present), missing


def write_licence(unpacked: Path, out_dir: Path) -> None:
    """Write ``OFL.txt``: the upstream copyright line plus the OFL 1.1 text from the Debian copyright file."""
    found = sorted(unpacked.rglob("doc/fonts-noto-cjk/copyright"))
    if not found:
        print(
            f"note: no doc/fonts-noto-cjk/copyright under {unpacked}; OFL.txt left as it is", file=sys.stderr
        )
        return
    copyright_file = found[0]
    lines = copyright_file.read_text(encoding="utf-8").splitlines()
    # The licence text is the "License: SIL-1.1" stanza followed by indented lines (not the Files: reference).
    start = next(
        i for i, line in enumerate(lines[:-1]) if line == "License: SIL-1.1" and lines[i + 1].startswith(" ")
    )
    body: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        text = line[1:]
        body.append("" if text == "." else text)
    header = [
        "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.",
        "Noto is a trademark of Google Inc.",
        "",
        "NotoSansTC-Regular.otf and NotoSansTC-Bold.otf are Modified Versions (subsets) of the",
        '"Noto Sans CJK TC" faces of Noto Sans CJK, made by tools/subset_font.py of this project.',
        "They do not use the Reserved Font Name. They remain under the SIL Open Font License 1.1:",
        "",
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
        "This license is copied below, and is also available with a FAQ at: https://openfontlicense.org",
        "",
        "",
    ]
    (out_dir / "OFL.txt").write_text("\n".join(header + body).rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deb", type=Path, help="a downloaded fonts-noto-cjk_*.deb")
    parser.add_argument("--ttc-dir", type=Path, help="a folder holding NotoSansCJK-{Regular,Bold}.ttc")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-hkscs", action="store_true", help="leave out the extra HKSCS characters")
    args = parser.parse_args(argv)

    codepoints = wanted_codepoints(hkscs=not args.no_hkscs)
    required = required_codepoints(hkscs=not args.no_hkscs)
    with tempfile.TemporaryDirectory(prefix="subset_font.") as tmp:
        work = Path(tmp)
        version = "unknown"
        if args.ttc_dir is not None:
            ttc_dir = args.ttc_dir
        else:
            deb = args.deb or fetch_debian_package(work)
            version = deb_version(deb)
            ttc_dir = unpack_deb(deb, work)
        for source, target in WEIGHTS:
            kept, missing = subset_face(ttc_dir / source, args.out_dir / target, codepoints, required)
            size = (args.out_dir / target).stat().st_size
            print(f"{target}: {kept} code points, {size / 1e6:.2f} MB (from {source}, package {version})")
            if missing:
                shown = " ".join(f"U+{cp:04X} {chr(cp)}" for cp in missing[:40])
                print(f"  {len(missing)} wanted characters are not in the source face: {shown}")
        if args.ttc_dir is None:
            write_licence(work / "unpacked", args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
