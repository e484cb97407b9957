"""The bundled assets: manifest integrity, font coverage, sample photos and logo, the music loop.

Everything is measured from the committed files with real decoders (Pillow, fontTools, FreeType via Pillow, the
ffmpeg that imageio-ffmpeg ships). Two tests re-run the generators (logo, hero photo, music) and compare with the
committed bytes / pixels / samples, so the committed assets are shown to come from the committed tools.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image, ImageChops, ImageDraw, ImageFont

from studio.fsutil import resolve_inside, sha256_file
from studio.settings import assets_dir

ASSETS = assets_dir()
TOOLS = Path(__file__).resolve().parent.parent / "tools"
MANIFEST_FIELDS = {"id", "path", "kind", "licence", "commercial_use", "source", "sha256"}
KINDS = {"font", "music", "image", "logo"}
# Files under assets/ that are documentation or data about the assets rather than assets themselves.
NOT_ASSETS = {"README.md", "manifest.yaml", "fonts/OFL.txt", "sample/product.yaml"}

# A realistic zh-TW ad: full-width punctuation, brackets, currency, percent, digits, Latin.
ZH_TW_AD = (
    "「山嵐茶坊」高山烏龍茶，把山上的霧泡進杯裡！海拔 1,500 公尺茶園，手工採摘；輕焙火、花香清雅、回甘持久。"
    "熱泡冷泡都好喝，可回沖 5 次？限時優惠：每罐 NT$680｜兩罐 NT$1,200（免運）…立即選購 → 官網・LINE 官方帳號。"
    "『台灣製造』100% 在地茶葉 — 淨重 150 公克 ☆ 新品上市 ※ 數量有限 ¥ € £ ° ㄅㄆㄇㄈ"
)
ENGLISH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,;:!?'\"()[]{}&@#%*/+-=_<>$"


@lru_cache(maxsize=1)
def manifest() -> dict:
    return yaml.safe_load((ASSETS / "manifest.yaml").read_text(encoding="utf-8"))


def entries() -> dict[str, dict]:
    return {e["id"]: e for e in manifest()["assets"]}


def asset_path(asset_id: str) -> Path:
    return resolve_inside(ASSETS, entries()[asset_id]["path"], what="asset path")


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f"_tool_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def big5_level1() -> str:
    """Big5 level 1 (常用國字): lead bytes 0xA4-0xC6, codes 0xA440-0xC67E."""
    chars = []
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if (lead, trail) > (0xC6, 0x7E):
                break
            chars.append(bytes((lead, trail)).decode("big5"))
    return "".join(chars)


# --------------------------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------------------------
def test_manifest_schema_and_ids():
    data = manifest()
    assert data["version"] == 1
    ids = [e["id"] for e in data["assets"]]
    assert len(ids) == len(set(ids)), f"duplicate ids in {ids}"
    for entry in data["assets"]:
        assert set(entry) == MANIFEST_FIELDS, f"{entry['id']}: fields {sorted(entry)}"
        assert entry["kind"] in KINDS
        assert entry["licence"] in {"OFL-1.1", "CC0-1.0"}
        assert entry["commercial_use"] is True
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry["id"]
        assert entry["source"].strip()
    required = {
        "font.noto-sans-tc",
        "font.noto-sans-tc-bold",
        "sample.logo",
        "sample.photo-1",
        "sample.photo-2",
        "sample.photo-3",
        "sample.photo-4",
    }
    assert required <= set(ids)
    assert any(i.startswith("music.") for i in ids)
    kinds = {e["id"]: e["kind"] for e in data["assets"]}
    assert kinds["font.noto-sans-tc"] == "font" and kinds["sample.logo"] == "logo"
    assert all(kinds[f"sample.photo-{i}"] == "image" for i in range(1, 5))
    # licences follow the source: the fonts are OFL, everything the project made is CC0
    assert {e["licence"] for e in data["assets"] if e["kind"] == "font"} == {"OFL-1.1"}
    assert {e["licence"] for e in data["assets"] if e["kind"] != "font"} == {"CC0-1.0"}


def test_manifest_files_exist_and_hashes_match():
    for asset_id, entry in entries().items():
        path = asset_path(asset_id)
        assert path.is_file(), f"{asset_id}: {path} missing"
        actual = sha256_file(path)
        assert actual == entry["sha256"], f"{asset_id}: sha256 is {actual}, manifest says {entry['sha256']}"


def test_every_bundled_file_is_in_the_manifest():
    listed = {e["path"] for e in manifest()["assets"]}
    on_disk = {p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*") if p.is_file()}
    unlisted = on_disk - listed - NOT_ASSETS
    assert not unlisted, f"files under assets/ missing from manifest.yaml: {sorted(unlisted)}"
    assert (ASSETS / "README.md").is_file() and (ASSETS / "fonts" / "OFL.txt").is_file()


def test_total_asset_size_under_budget():
    total = sum(p.stat().st_size for p in ASSETS.rglob("*") if p.is_file())
    assert total < 25e6, f"assets/ is {total / 1e6:.1f} MB"


# --------------------------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def font_cmaps() -> dict[str, set[int]]:
    from fontTools.ttLib import TTFont

    return {
        i: set(TTFont(asset_path(i), lazy=True).getBestCmap())
        for i in ("font.noto-sans-tc", "font.noto-sans-tc-bold")
    }


@pytest.mark.parametrize("font_id", ["font.noto-sans-tc", "font.noto-sans-tc-bold"])
def test_font_covers_ad_text_english_and_big5_level1(font_cmaps, font_id):
    cmap = font_cmaps[font_id]
    missing_ad = sorted({ch for ch in ZH_TW_AD + ENGLISH if not ch.isspace() and ord(ch) not in cmap})
    assert not missing_ad, f"{font_id} lacks {missing_ad}"
    level1 = big5_level1()
    assert len(level1) == 5401
    missing = [ch for ch in level1 if ord(ch) not in cmap]
    assert not missing, f"{font_id} lacks {len(missing)} Big5 level-1 characters, e.g. {missing[:10]}"
    # Big5 level 2 and Bopomofo too, and no Hangul (the subset kept only what Taiwan needs)
    level2 = [bytes((0xC9, t)).decode("big5") for t in range(0x40, 0x7F)]
    assert all(ord(ch) in cmap for ch in level2)
    assert all(cp in cmap for cp in range(0x3105, 0x312A))
    assert not any(0xAC00 <= cp <= 0xD7A3 for cp in cmap)


@pytest.mark.parametrize("font_id, weight", [("font.noto-sans-tc", 400), ("font.noto-sans-tc-bold", 700)])
def test_font_keeps_cjk_layout_tables_and_licence(font_id, weight):
    from fontTools.ttLib import TTFont

    font = TTFont(asset_path(font_id), lazy=True)
    for table in ("vhea", "vmtx", "VORG", "GSUB", "GPOS", "CFF "):
        assert table in font, f"{font_id} lost its {table} table"
    gsub = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    gpos = {r.FeatureTag for r in font["GPOS"].table.FeatureList.FeatureRecord}
    assert {"vert", "vrt2"} <= gsub
    assert {"palt", "vpal", "kern"} <= gpos
    assert font["OS/2"].usWeightClass == weight
    assert font["name"].getDebugName(1) == "Noto Sans CJK TC"
    assert "Open Font License" in font["name"].getDebugName(13)
    assert 2e6 < asset_path(font_id).stat().st_size < 8e6


def test_ofl_text_names_the_copyright_and_reserved_name():
    text = (ASSETS / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    assert "Adobe" in text and "Reserved Font Name 'Source'" in text
    assert "PERMISSION & CONDITIONS" in text and "DISCLAIMER" in text


def test_font_renders_chinese_glyphs_not_tofu():
    """FreeType (through Pillow) draws distinct glyphs for CJK, unlike the .notdef box of an unmapped character."""
    font = ImageFont.truetype(str(asset_path("font.noto-sans-tc-bold")), 64)

    def render(ch: str) -> Image.Image:
        img = Image.new("L", (96, 96), 0)
        ImageDraw.Draw(img).text((16, 8), ch, font=font, fill=255)
        return img

    notdef = render("\ue000")  # private use: not in the font
    glyphs = [render(ch) for ch in "山嵐茶坊烏龍"]
    for ch, img in zip("山嵐茶坊烏龍", glyphs, strict=True):
        ink = np.asarray(img) > 128
        assert ink.mean() > 0.02, f"{ch} drew nothing"
        assert ImageChops.difference(img, notdef).getbbox() is not None, f"{ch} rendered as .notdef"
    assert ImageChops.difference(glyphs[0], glyphs[1]).getbbox() is not None


def test_subset_tool_character_set():
    tool = load_tool("subset_font")
    assert len(tool.big5_level1()) == 5401
    required = tool.required_codepoints(hkscs=False)
    assert {ord(c) for c in "$€¥£％・"} <= required
    wanted = tool.wanted_codepoints(hkscs=True)
    assert required <= wanted and 0x3105 in wanted and 0xFF01 in wanted
    assert not any(0xE000 <= cp <= 0xF8FF for cp in wanted), "private-use code points must not be requested"


# --------------------------------------------------------------------------------------------------------------
# Sample photos and logo
# --------------------------------------------------------------------------------------------------------------
PHOTO_SIZES = {
    "sample.photo-1": (1600, 2000),
    "sample.photo-2": (2000, 1600),
    "sample.photo-3": (2000, 1600),
    "sample.photo-4": (1600, 2000),
}


@pytest.mark.parametrize("asset_id", sorted(PHOTO_SIZES))
def test_photo_opens_at_expected_size_and_looks_photographic(asset_id):
    with Image.open(asset_path(asset_id)) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.size == PHOTO_SIZES[asset_id]
        # quality 92: the first luminance quantiser is 16 * (200 - 2 * 92) / 100 = 2.56 -> 3
        assert img.quantization[0][0] <= 3
        arr = np.asarray(img, dtype=np.float32)
    lum = arr @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    # not flat clip art: a real tonal range and thousands of distinct colours
    assert np.percentile(lum, 98) - np.percentile(lum, 2) > 100
    assert len(np.unique(arr[::4, ::4].reshape(-1, 3).astype(np.uint8), axis=0)) > 5000
    # fine grain: even the smoothest background block has pixel-level noise
    blocks = [lum[y : y + 32, x : x + 32] for y in range(0, 256, 32) for x in range(0, 256, 32)]
    assert min(float(np.std(np.diff(b, axis=1))) for b in blocks) > 0.8


def test_photo_finish_adds_vignette_and_grain():
    """The finishing step on a flat grey frame: darker corners (lens vignette) and fine grain, nothing else."""
    tool = load_tool("make_sample_product")
    flat = np.full((400, 500, 3), 0.18, np.float32)
    out = np.asarray(tool.finish(flat, np.random.default_rng(0)), dtype=np.float32).mean(axis=2)
    centre = out[150:250, 200:300].mean()
    corners = np.mean(
        [out[:40, :40].mean(), out[-40:, -40:].mean(), out[:40, -40:].mean(), out[-40:, :40].mean()]
    )
    assert centre - corners > 15
    grain = np.std(np.diff(out[150:250, 200:300], axis=1))
    assert 1.0 < grain < 12.0


def test_photos_mix_portrait_and_landscape():
    shapes = {Image.open(asset_path(i)).size for i in PHOTO_SIZES}
    assert any(w > h for w, h in shapes) and any(h > w for w, h in shapes)


def test_logo_is_transparent_png_with_mark_and_wordmark():
    with Image.open(asset_path("sample.logo")) as img:
        assert img.format == "PNG" and img.mode == "RGBA" and img.size == (800, 800)
        arr = np.asarray(img)
    alpha = arr[..., 3]
    assert (alpha[:20, :20] == 0).all() and (alpha[-20:, -20:] == 0).all(), "corners must be transparent"
    coverage = (alpha > 128).mean()
    assert 0.15 < coverage < 0.6
    # the mark (top) and the wordmark (bottom) are both there, separated by a transparent gap
    rows = (alpha > 128).any(axis=1)
    runs = np.flatnonzero(np.diff(rows.astype(int)))
    assert len(runs) >= 4, "expected the mark and at least one line of wordmark"
    # brand green is present
    opaque = arr[alpha > 250][:, :3].astype(int)
    green = (np.abs(opaque - np.array([0x1E, 0x4A, 0x38])).sum(axis=1) < 40).mean()
    assert green > 0.3


def test_product_facts_are_complete_and_printable(font_cmaps):
    facts = yaml.safe_load((ASSETS / "sample" / "product.yaml").read_text(encoding="utf-8"))
    assert facts["brand"] == {"zh-TW": "山嵐茶坊", "en": "Mountain Mist Tea"}
    assert len(facts["selling_points"]) == 3
    for point in facts["selling_points"] + facts["headlines"]:
        assert set(point) == {"zh-TW", "en"} and all(v.strip() for v in point.values())
    assert "NT$" in facts["price"]["zh-TW"]

    def strings(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
        elif isinstance(node, str):
            yield node

    text = "".join(strings(facts))
    for cmap in font_cmaps.values():
        assert not [ch for ch in text if not ch.isspace() and ord(ch) not in cmap]


def test_logo_regenerates_byte_identical(tmp_path):
    tool = load_tool("make_sample_product")
    assert tool.main(["--out", str(tmp_path), "--only", "logo"]) == 0
    assert sha256_file(tmp_path / "logo.png") == entries()["sample.logo"]["sha256"]
    assert (tmp_path / "product.yaml").read_bytes() == (ASSETS / "sample" / "product.yaml").read_bytes()


def test_hero_photo_regenerates_from_the_tool():
    tool = load_tool("make_sample_product")
    fresh = np.asarray(tool.scene_hero(), dtype=np.float32)
    committed = np.asarray(Image.open(asset_path("sample.photo-1")), dtype=np.float32)
    assert fresh.shape == committed.shape

    # compare 8x8 block means: the JPEG round trip of the fine grain averages out, the picture must not
    def blocks(a):
        return a.reshape(250, 8, 200, 8, 3).mean(axis=(1, 3))

    diff = np.abs(blocks(fresh) - blocks(committed))
    assert diff.mean() < 0.6 and np.percentile(diff, 99.9) < 4.0


# --------------------------------------------------------------------------------------------------------------
# Music
# --------------------------------------------------------------------------------------------------------------
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def music() -> tuple[str, np.ndarray]:
    """(ffmpeg's stream description, decoded float32 samples [n, 2] at the file's own rate)."""
    music_ids = [i for i in entries() if i.startswith("music.")]
    path = asset_path(music_ids[0])
    # `ffmpeg -i` with no output exits 1 by design; we only read its stream description
    probe = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False
    )
    stream = next(line for line in probe.stderr.splitlines() if "Audio:" in line)
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-"], capture_output=True, check=True
    ).stdout
    return stream, np.frombuffer(raw, np.float32).reshape(-1, 2)


def test_music_is_48k_stereo_about_46_seconds(music):
    stream, samples = music
    assert "48000 Hz" in stream and "stereo" in stream and "aac" in stream
    seconds = len(samples) / 48000
    tool = load_tool("make_music")
    assert seconds == pytest.approx(tool.LENGTH / tool.SR, abs=0.03)
    assert 32 <= seconds <= 60


def test_music_levels_headroom_no_dc_no_gaps(music):
    _, x = music
    peak_db = 20 * np.log10(np.abs(x).max())
    rms_db = 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    assert -4.0 < peak_db < -2.0, f"peak {peak_db:.2f} dBFS: expected about -3 dBFS of headroom"
    assert -22 < rms_db < -12, f"RMS {rms_db:.1f} dBFS"
    assert np.abs(x.mean(axis=0)).max() < 1e-3, "DC offset"
    assert (np.abs(x) >= 0.999).sum() == 0, "clipped samples"
    # no silent holes: every one-second window carries signal
    win = 48000
    rms = [np.sqrt(np.mean(x[i : i + win] ** 2)) for i in range(0, len(x) - win, win)]
    assert 20 * np.log10(min(rms)) > -35
    # real stereo, not dual mono
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] < 0.98


def test_music_tempo_and_loop_seam(music):
    from scipy import signal

    _, x = music
    mono = x.mean(axis=1).astype(np.float64)
    hop = 480
    _, _, spec = signal.stft(mono, 48000, nperseg=2048, noverlap=2048 - hop, boundary=None, padded=False)
    flux = np.maximum(np.diff(np.log1p(10 * np.abs(spec)), axis=1), 0).sum(axis=0)
    flux -= flux.mean()
    ac = np.correlate(flux, flux, "full")[len(flux) - 1 :]
    lags = np.arange(len(ac))
    bpm = 60 * (48000 / hop) / np.maximum(lags, 1)
    band = (bpm >= 80) & (bpm <= 140)
    found = bpm[band][np.argmax(ac[band])]
    assert found == pytest.approx(104, abs=3)
    # loopable: the jump from the last sample to the first is no bigger than ordinary sample-to-sample steps
    seam = np.abs(x[0] - x[-1]).max()
    assert seam < np.percentile(np.abs(np.diff(x, axis=0)), 99.9)


def test_music_regenerates_from_the_tool(music):
    tool = load_tool("make_music")
    fresh = tool.render().T  # [n, 2]
    _, decoded = music
    assert fresh.shape == decoded.shape
    corr = np.corrcoef(fresh[:, 0], decoded[:, 0])[0, 1]
    assert corr > 0.99, f"the committed music differs from tools/make_music.py (correlation {corr:.4f})"
    stats = tool.measure(fresh.T)
    assert stats["clipped_samples"] == 0 and abs(stats["peak_dbfs"] + 3.0) < 1e-6
