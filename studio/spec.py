"""The ad spec: a validated, versioned document (YAML or JSON) describing one ad.

Paths in a spec file (photos, logo, spin, a font file, a music file) are relative to the spec's folder and may not
leave it, or name a bundled asset as ``assets:REL``. Unknown keys, keys given twice and bad values are rejected
with a ``ConfigError`` naming the field, e.g. ``spec field 'platforms[1]': unknown platform 'tiktk'``. Spec files
are UTF-8 (a UTF-8 or UTF-16 byte-order mark is honoured).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from studio.categories import CATEGORIES
from studio.colours import parse_hex
from studio.errors import ConfigError, InputError
from studio.fsutil import resolve_inside

SPEC_VERSION = 1
PRODUCT_MAX = 80  # characters of the product name (file names and the store's project use it)
FONT_SUFFIXES = (".otf", ".ttf", ".ttc")
ASSETS_PREFIX = "assets:"  # spec paths may point into studio's bundled assets folder with this prefix


class Brand(BaseModel):
    """Brand colours as #RRGGBB."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: str = "#1F5F4A"  # backgrounds, bars
    accent: str = "#E8B04B"  # price, badges, call to action
    text: str = "#FFFFFF"  # text on the primary colour
    background: str = "#F4EFE6"  # card / page background

    @field_validator("primary", "accent", "text", "background")
    @classmethod
    def _hex(cls, value: str) -> str:
        return parse_hex(value, "brand colour")


class Compliance(BaseModel):
    """What the compliance screen needs to know about this ad's commercial use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    packs: list[str] | None = None  # rule packs; None -> the defaults for the category
    company_revenue_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    territory: str = "TW"
    visible_label: bool = False  # burn an "AI-generated" label into AI-assisted outputs
    override_reason: str | None = None  # publish despite a block (kept in the audit trail)


PROMPT_MAX = 400  # characters of an AI motion prompt
AI_STEPS_MAX = 100  # denoising steps


def _check_engine(value: str) -> str:
    """An AI video engine name (``studio video engines``) or a local diffusers folder (``model_index.json``)."""
    from studio.video.engines import ENGINES

    value = str(value).strip()
    if value in ENGINES:
        return value
    folder = Path(value).expanduser()
    if not value or not folder.is_dir():
        raise ValueError(
            f"unknown engine {value!r}: neither an engine ({', '.join(sorted(ENGINES))}) nor a model folder"
        )
    if not (folder / "model_index.json").is_file():
        raise ValueError(f"the folder {value!r} is not a diffusers model folder (no model_index.json)")
    return str(folder)


def _check_profile(value: str) -> str:
    from studio.video.engines import PROFILES

    if value != "auto" and value not in PROFILES:
        raise ValueError(f"unknown profile {value!r}; expected auto or one of {', '.join(PROFILES)}")
    return value


def _check_size(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        w, h = (int(v) for v in str(value).lower().split("x"))
    except ValueError:
        raise ValueError(f"size {value!r} is not WIDTHxHEIGHT, e.g. 704x1280") from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096):
        raise ValueError(f"size {value!r}: each side must be 16-4096 pixels")
    return f"{w}x{h}"


class _AIClip(BaseModel):
    """What every AI clip of an ad shares (see README "The ad spec": ``ai_motion`` and ``broll``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = "wan2.2-ti2v-5b"  # an engine name (`studio video engines`) or a local diffusers folder
    negative_prompt: str | None = Field(default=None, max_length=PROMPT_MAX)  # None: the default one
    seed: int | None = None  # None: the spec's seed
    profile: str = "auto"  # GPU memory profile: auto, full, offload, group, group_fp8
    steps: int | None = Field(default=None, ge=1, le=AI_STEPS_MAX)  # None: the engine's default
    size: str | None = None  # "WxH" to generate at; None: the engine's size nearest the shot's shape

    @field_validator("engine")
    @classmethod
    def _engine(cls, value: str) -> str:
        return _check_engine(value)

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        return _check_profile(value)

    @field_validator("size")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        return _check_size(value)


class AIMotion(_AIClip):
    """Product photos that move: each chosen photo's shot becomes an image-to-video clip (faithful by default:
    the product's own pixels are kept on every frame). Without a GPU or weights the shot keeps the weight-free
    photo motion, and the render says why."""

    photos: list[int] = Field(
        default_factory=lambda: [1], min_length=1, max_length=8
    )  # 1-based photo numbers
    prompt: str | None = Field(default=None, min_length=1, max_length=PROMPT_MAX)  # None: from the product
    preset: str = "push-in"  # the camera/scene motion: push-in, orbit, parallax, steam, light-sweep, static
    faithful: bool = (
        True  # the product's pixels composited back on every frame (False: the model redraws all)
    )

    @field_validator("photos")
    @classmethod
    def _photos(cls, value: list[int]) -> list[int]:
        if any(n < 1 for n in value):
            raise ValueError("photo numbers start at 1")
        return list(dict.fromkeys(value))

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str) -> str:
        from studio.video.ai_inputs import MOTION_PRESETS

        if value not in MOTION_PRESETS:
            raise ValueError(f"unknown motion preset {value!r}; expected one of {', '.join(MOTION_PRESETS)}")
        return value

    @model_validator(mode="after")
    def _task(self) -> AIMotion:
        from studio.video.engines import ENGINES

        engine = ENGINES.get(self.engine)
        if engine is not None and "i2v" not in engine.tasks:
            raise ValueError(f"engine {self.engine} cannot move a photo (it does {', '.join(engine.tasks)})")
        return self


class BRoll(_AIClip):
    """A B-roll shot generated from a prompt (text-to-video), placed after the first shot."""

    prompt: str = Field(min_length=1, max_length=PROMPT_MAX)
    seconds: float = Field(default=3.0, ge=1.0, le=8.0, allow_inf_nan=False)  # the shot's length on screen

    @model_validator(mode="after")
    def _task(self) -> BRoll:
        from studio.video.engines import ENGINES

        engine = ENGINES.get(self.engine)
        if engine is not None and "t2v" not in engine.tasks:
            raise ValueError(
                f"engine {self.engine} cannot make a clip from a prompt (it does {', '.join(engine.tasks)})"
            )
        return self


class AdSpec(BaseModel):
    """One ad. See README "Ad spec" for the field reference."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = SPEC_VERSION
    product: str = Field(min_length=1, max_length=PRODUCT_MAX)
    photos: list[Path] = Field(min_length=1, max_length=8)
    logo: Path | None = None
    headline: str = Field(min_length=1, max_length=120)
    selling_points: list[str] = Field(default_factory=list, max_length=6)
    price: str | None = Field(default=None, max_length=60)  # price or promo line, e.g. "NT$ 680 / 買二送一"
    cta: str | None = Field(default=None, max_length=40)  # call to action, e.g. "立即選購"
    brand: Brand = Brand()
    font: str = "noto-sans-tc"  # a bundled font id or a path to a .otf/.ttf
    language: Literal["zh-TW", "en"] = "zh-TW"
    template: str = "showcase"
    duration: float = Field(default=15.0, ge=5.0, le=60.0, allow_inf_nan=False)  # seconds
    platforms: list[str] = Field(default_factory=lambda: ["tiktok"], min_length=1)
    music: str | None = "default"  # "default", a bundled music id, a path, or null for silence
    seed: int = 0
    category: Literal[CATEGORIES] = "general"  # type: ignore[valid-type]
    spin: Path | None = (
        None  # a 3D product spin shot: a splat model (.safetensors/.ply/.splat/.spz) or a spin .mp4
    )
    compliance: Compliance = Compliance()
    ai_motion: AIMotion | None = (
        None  # photos that move with image-to-video (a GPU and weights; else weight-free)
    )
    broll: list[BRoll] = Field(default_factory=list, max_length=3)  # B-roll shots from prompts

    @field_validator("selling_points")
    @classmethod
    def _points(cls, value: list[str]) -> list[str]:
        for point in value:
            if not point.strip():
                raise ValueError("selling points may not be empty")
            if len(point) > 60:
                raise ValueError(f"selling point {point[:20]!r}... is {len(point)} characters; at most 60")
        return [p.strip() for p in value]

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        from studio.video.presets import get_preset

        names = []
        for item in value:
            try:
                names.append(get_preset(item).name)
            except InputError as exc:
                raise ValueError(f"unknown platform {item!r}; {exc.hint}") from None
        return list(dict.fromkeys(names))

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        from studio.video.templates import TEMPLATES

        if value not in TEMPLATES:
            raise ValueError(f"unknown template {value!r}; expected one of {', '.join(sorted(TEMPLATES))}")
        return value

    @model_validator(mode="after")
    def _durations(self) -> AdSpec:
        from studio.video.presets import get_preset

        for name in self.platforms:
            preset = get_preset(name)
            if not preset.min_seconds <= self.duration <= preset.max_seconds:
                raise ValueError(
                    f"duration {self.duration:g} s is outside {preset.label}'s"
                    f" {preset.min_seconds:g}-{preset.max_seconds:g} s"
                )
        return self

    @field_validator("ai_motion")
    @classmethod
    def _ai_photos(cls, value: AIMotion | None, info: ValidationInfo) -> AIMotion | None:
        photos = info.data.get("photos")
        if value is not None and photos is not None:
            for number in value.photos:
                if number > len(photos):
                    raise ValueError(
                        f"photo {number} is chosen to move, but there are {len(photos)} photo(s)"
                    )
        return value

    @model_validator(mode="after")
    def _ai_shots(self) -> AdSpec:
        broll = sum(b.seconds for b in self.broll)
        if broll > self.duration * 0.5:
            raise ValueError(
                f"the B-roll shots last {broll:g} s, more than half of the {self.duration:g} s ad"
            )
        return self

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "spec"


def validation_message(exc: ValidationError, source: str = "spec") -> str:
    """One line per problem: ``spec field 'platforms[1]': unknown platform 'tiktk'...``."""
    lines = []
    for error in exc.errors():
        field = _field_name(tuple(error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see README 'Ad spec')"
        lines.append(f"{source} field {field!r}: {message}")
    return "; ".join(lines)


def parse_spec(data: dict[str, Any], *, base_dir: Path | None = None, source: str = "spec") -> AdSpec:
    """Validate ``data``; relative paths are resolved inside ``base_dir`` (the spec file's folder)."""
    if not isinstance(data, dict):
        raise ConfigError(f"The {source} must be a mapping of fields, got {type(data).__name__}.")
    data = dict(data)
    if base_dir is not None:
        for key in ("photos",):
            if isinstance(data.get(key), list):
                data[key] = [_inside(base_dir, p, f"{key} entry") for p in data[key]]
        for key in ("logo", "spin"):
            if isinstance(data.get(key), str):
                data[key] = _inside(base_dir, data[key], key)
        music = data.get("music")
        if isinstance(music, str) and music != "default" and not music.startswith("music."):
            data["music"] = str(_inside(base_dir, music, "music"))  # a file, never from the current folder
        for key, item in _ai_sections(data):
            engine = item.get("engine")
            if isinstance(engine, str) and not _is_engine_name(engine):
                item["engine"] = _inside(base_dir, engine, f"{key}.engine")
        font = data.get("font")
        if isinstance(font, str) and _is_font_path(font):
            data["font"] = str(_inside(base_dir, font, "font"))
    try:
        return AdSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, source), "See README 'Ad spec' for the fields.") from None


def _ai_sections(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The ``ai_motion`` and ``broll`` mappings of ``data`` (copied in place, so paths can be resolved)."""
    out = []
    if isinstance(data.get("ai_motion"), dict):
        data["ai_motion"] = dict(data["ai_motion"])
        out.append(("ai_motion", data["ai_motion"]))
    if isinstance(data.get("broll"), list):
        data["broll"] = [dict(b) if isinstance(b, dict) else b for b in data["broll"]]
        out += [(f"broll[{k}]", b) for k, b in enumerate(data["broll"]) if isinstance(b, dict)]
    return out


def _is_engine_name(value: str) -> bool:
    from studio.video.engines import ENGINES

    return value in ENGINES


def _is_font_path(value: str) -> bool:
    """A font given as a file (``fonts/brand.otf``, ``assets:fonts/x.ttf``) rather than a bundled font id."""
    return (
        value.startswith(ASSETS_PREFIX)
        or "/" in value
        or "\\" in value
        or value.lower().endswith(FONT_SUFFIXES)
    )


def implicit_product_name(headline: str) -> str:
    """The product name when the quick form gives none: the headline, cut to ``PRODUCT_MAX`` characters at a
    word boundary where there is one in the last third (CJK text has none: cut by characters), with "…"."""
    text = " ".join(headline.split())
    if len(text) <= PRODUCT_MAX:
        return text
    cut = text[: PRODUCT_MAX - 1]
    space = cut.rfind(" ")
    if space >= (PRODUCT_MAX * 2) // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-，。、；：") + "…"


def _inside(base_dir: Path, value: Any, what: str) -> Any:
    """A path inside the spec's folder, or ``assets:REL`` inside studio's bundled assets folder."""
    if not isinstance(value, str):
        return value
    if value.startswith(ASSETS_PREFIX):
        from studio.settings import assets_dir

        return str(resolve_inside(assets_dir(), value[len(ASSETS_PREFIX) :], what=f"{what} path"))
    return str(resolve_inside(base_dir, value, what=f"{what} path"))


def load_spec(path: str | Path) -> AdSpec:
    """Read a spec from a .yaml/.yml/.json file (YAML via safe_load)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"The spec file {path} does not exist.", "Give the path of a .yaml or .json ad spec."
        )
    text = read_text_file(path, what="spec file")
    try:
        data = load_json_strict(text) if path.suffix.lower() == ".json" else load_yaml_strict(text)
    except DuplicateKeyError as exc:
        raise ConfigError(f"The spec file {path.name} {exc}.", "Give each field once.") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"The spec file {path.name} is not valid {path.suffix[1:].upper()}: {' '.join(str(exc).split())}"
        ) from None
    return parse_spec(data, base_dir=path.parent.resolve(), source=path.name)


# -- reading spec files ---------------------------------------------------------------------------------------
class DuplicateKeyError(ValueError):
    """A mapping that gives the same key twice (YAML and JSON would silently keep the last one)."""


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys instead of keeping the last value."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key; the base class reports it
                break
            if first is not None:
                raise DuplicateKeyError(f"gives the key {key!r} twice (lines {first} and {line})")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_yaml_strict(text: str) -> Any:
    """``yaml.safe_load`` that raises ``DuplicateKeyError`` for a key given twice in one mapping."""
    return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: plain data only


def load_json_strict(text: str) -> Any:
    """``json.loads`` that raises ``DuplicateKeyError`` for a key given twice in one object."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise DuplicateKeyError(f"gives the key {key!r} twice")
            result[key] = value
        return result

    return json.loads(text, object_pairs_hook=pairs)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_text_file(path: Path, what: str = "file") -> str:
    """The text of ``path``: UTF-8, or UTF-8/16/32 with a byte-order mark; ``InputError`` naming the first
    undecodable byte otherwise (a Big5 or Latin-1 file, UTF-16 without a BOM, a binary file)."""
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"The {what} {path.name} starts with a {encoding.upper()} byte-order mark but is not valid"
                    f" {encoding.upper()} (at byte {exc.start}).",
                    "Save it again as UTF-8.",
                ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = "Save it as UTF-8 (in most editors: Save As, encoding UTF-8)."
        if b"\x00" in data[:64]:
            hint = "It looks like UTF-16 without a byte-order mark; save it as UTF-8."
        raise InputError(
            f"The {what} {path.name} is not UTF-8 text: byte {data[exc.start]:#04x} at position {exc.start}"
            " cannot be decoded.",
            hint,
        ) from None
    if "\x00" in text:  # valid UTF-8, but NUL bytes: UTF-16 (or binary) without a byte-order mark
        raise InputError(
            f"The {what} {path.name} contains NUL bytes at position {text.index(chr(0))}: it is not UTF-8 text.",
            "It looks like UTF-16 without a byte-order mark; save it as UTF-8.",
        )
    return text
