"""Ad templates: each is a function ``(spec, preset, resources) -> Timeline``.

The layout re-flows per aspect ratio (never a letterboxed 9:16 design): tall frames stack photo over text, wide
frames put them side by side. Every text box is placed inside the platform's safe zone; ``check_safe_zone``
verifies it for the renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.colours import hex_to_rgb
from studio.errors import InputError, RenderError
from studio.spec import AdSpec
from studio.video.presets import Preset
from studio.video.text import FontChoice, fit_text
from studio.video.timeline import (
    Anim,
    Audio,
    Box,
    ClipLayer,
    ClipRequest,
    GradientLayer,
    ImageLayer,
    Layer,
    MotionClipLayer,
    RectLayer,
    Shot,
    TextLayer,
    Timeline,
    Transition,
)


@dataclass(frozen=True)
class Resources:
    """Files a template may use, resolved by the caller."""

    photos: tuple[Path, ...]
    logo: Path | None
    font: FontChoice
    music: Path | None
    spin_clip: Path | None = None  # a rendered 3D product spin (MP4)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def readable_on(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(colour[0]) + 0.7152 * channel(colour[1]) + 0.0722 * channel(colour[2])
    return (20, 20, 20) if lum > 0.45 else (255, 255, 255)


class Layout:
    """Regions of a frame for one preset: the safe box, and a photo/text split that depends on the aspect."""

    def __init__(self, preset: Preset):
        self.preset = preset
        self.w, self.h = preset.width, preset.height
        x0, y0, x1, y1 = preset.safe_box
        self.safe = Box(x0, y0, x1 - x0, y1 - y0)
        self.wide = self.w > self.h
        self.tall = self.h / self.w >= 1.7
        self.unit = min(self.w, self.h) / 1080  # type scale: 1.0 at 1080 px short edge

    def px(self, value: float) -> int:
        return round(value * self.unit)

    def photo_box(self) -> Box:
        """Where the hero photo goes when it does not fill the frame."""
        if self.wide:
            return Box(0, 0, round(self.w * 0.56), self.h)
        share = 0.62 if self.tall else (0.58 if self.h > self.w else 0.55)
        return Box(0, 0, self.w, round(self.h * share))

    def text_box(self) -> Box:
        """The text panel (always inside the safe box)."""
        s = self.safe
        if self.wide:
            left = round(self.w * 0.56) + self.px(56)
            return Box(left, s.y, s.x1 - left, s.h)
        top = max(self.photo_box().y1 + self.px(40), s.y)
        return Box(s.x, top, s.w, s.y1 - top)


class Writer:
    """Fits text into boxes with the spec's font, stacking blocks top-down."""

    def __init__(self, font: FontChoice):
        self.font = font

    def block(
        self,
        text: str,
        box: Box,
        *,
        size: int,
        min_size: int,
        max_lines: int,
        bold: bool = False,
        color: tuple[int, int, int] = (255, 255, 255),
        align: str = "left",
        valign: str = "top",
        pill: tuple[int, int, int] | None = None,
        pad: int = 0,
        shadow: bool = False,
        role: str = "text",
        field: str = "text",
        start: float = 0.0,
        end: float | None = None,
        anim: Anim = Anim(),  # noqa: B008 - frozen dataclass
    ) -> TextLayer:
        path = self.font.bold if bold else self.font.regular
        fitted = fit_text(
            text,
            path,
            box_width=int(box.w - 2 * pad),
            box_height=int(box.h - 2 * pad),
            max_size=size,
            min_size=min_size,
            max_lines=max_lines,
            field=field,
        )
        height = fitted.height + 2 * pad
        placed = Box(box.x, box.y, box.w, min(box.h, height + round(fitted.size * 0.3)))
        return TextLayer(
            start=start,
            end=end,
            anim=anim,
            text=text,
            lines=fitted.lines,
            font_path=str(path),
            size=fitted.size,
            line_height=fitted.line_height,
            box=placed,
            color=color,
            align=align,
            valign=valign,
            pill=pill,
            pad=pad,
            shadow=shadow,
            role=role,
        )


def shift(layers: list[Layer], dy: float) -> list[Layer]:
    """Move boxed layers down by ``dy`` px."""
    from dataclasses import replace

    moved = []
    for layer in layers:
        box = getattr(layer, "box", None)
        moved.append(replace(layer, box=Box(box.x, box.y + dy, box.w, box.h)) if box is not None else layer)
    return moved


def extent(layers: list[Layer]) -> tuple[float, float]:
    boxes = [layer.box for layer in layers if getattr(layer, "box", None) is not None]
    return (min(b.y for b in boxes), max(b.y1 for b in boxes)) if boxes else (0.0, 0.0)


# -- photo placement ------------------------------------------------------------------------------------------
# A photo may be cropped (full-bleed, Ken Burns) only to a box whose aspect is within this factor of its own: a
# landscape product shot is never cut into a portrait card (the front of the product is lost), nor the reverse.
CROP_TOLERANCE = 1.25


def aspect_gap(a: float, b: float) -> float:
    """How far apart two aspect ratios (width / height) are, as a factor >= 1."""
    return max(a / b, b / a)


CARD_CROP = 1.15  # a card may crop its photo this much (of CROP_TOLERANCE) to fill the space it is given


def contain(region: Box, aspect: float, crop: float = 1.0) -> Box:
    """The largest box of ``aspect`` (width / height) inside ``region``, centred in it; with ``crop`` > 1 the box
    may be up to that factor narrower or wider than ``aspect`` (the photo is then cropped that much) to fill more
    of the region."""
    aspect = min(max(region.w / region.h, aspect / crop), aspect * crop)
    w = min(region.w, region.h * aspect)
    h = w / aspect
    return Box(region.x + (region.w - w) / 2, region.y + (region.h - h) / 2, w, h)


def area(box: Box) -> float:
    return box.w * box.h


def card_and_text(
    lay: Layout,
    aspect: float,
    make_texts: Callable[[Box], list[Layer]],
    *,
    top: float | None = None,
    side_share: float = 0.42,
    max_text_share: float = 0.5,
) -> tuple[Box, list[Layer], bool]:
    """Place a product card keeping the photo's ``aspect`` and the text beside or under it: (card, texts, side).

    The arrangement (text beside the card or under it) is the one that gives the card the larger area. Under it,
    the texts are fitted first (``make_texts(panel)`` lays them out from the panel's top) and the card takes the
    height they leave; the card and the text are then centred together in the safe box, so a tall frame is never
    left with an empty band. ``top``: where the usable area starts (below a logo), default the safe box's top.
    Beside the card, a logo belongs in the top right corner (over the text column).
    """
    s = lay.safe
    y0 = s.y if top is None else max(s.y, top)
    usable = Box(s.x, y0, s.w, s.y1 - y0)
    gap = lay.px(40)
    panel_w = usable.w * side_share
    # beside: the card takes the safe box's full height (the logo goes in the text column's corner)
    side_card = contain(Box(s.x, s.y, s.w - panel_w - gap, s.h), aspect, CARD_CROP)
    texts = make_texts(Box(usable.x, usable.y, usable.w, usable.h * max_text_share))
    t0, t1 = extent(texts) if texts else (usable.y, usable.y)
    text_h = t1 - t0
    # under: the card may span the frame's full width (only text must keep to the safe box), so a landscape
    # photo in a tall frame is as large as it can be
    card = contain(Box(0, usable.y, lay.w, usable.h - text_h - (gap if texts else 0)), aspect, CARD_CROP)
    if area(side_card) > area(card):
        panel = Box(usable.x1 - panel_w, usable.y, panel_w, usable.h)
        texts = make_texts(panel)
        if texts:
            t0, t1 = extent(texts)
            texts = shift(texts, (panel.y + panel.y1) / 2 - (t0 + t1) / 2)
        return side_card, texts, True
    group = card.h + (gap + text_h if texts else 0)
    y = usable.y + (usable.h - group) / 2
    card = Box(card.x, y, card.w, card.h)
    if texts:
        texts = shift(texts, card.y1 + gap - t0)
    return card, texts, False


def _split_durations(total: float, weights: list[float]) -> list[float]:
    scale = total / sum(weights)
    return [w * scale for w in weights]


def _photo_aspect(path: Path) -> float:
    """Width / height of a photo as displayed (EXIF orientation honoured), without decoding its pixels."""
    from PIL import Image

    with Image.open(path) as image:
        orientation = image.getexif().get(0x0112, 1)
        w, h = image.size
    return h / w if orientation in (5, 6, 7, 8) else w / h


def _kenburns(index: int) -> dict:
    """Alternate zoom-in/zoom-out and pan directions so consecutive photos do not move alike."""
    moves = [
        {"zoom": (1.0, 1.12), "pan": ((0.5, 0.55), (0.5, 0.45))},
        {"zoom": (1.12, 1.0), "pan": ((0.42, 0.5), (0.58, 0.5))},
        {"zoom": (1.02, 1.14), "pan": ((0.6, 0.45), (0.4, 0.55))},
        {"zoom": (1.14, 1.02), "pan": ((0.5, 0.4), (0.5, 0.6))},
    ]
    return moves[index % len(moves)]


def _logo_layer(res: Resources, lay: Layout, *, size: float = 150, corner: str = "left") -> list[Layer]:
    if res.logo is None:
        return []
    side = lay.px(size)
    s = lay.safe
    x = s.x if corner == "left" else s.x1 - side
    return [ImageLayer(path=str(res.logo), box=Box(x, s.y, side, side), fit="contain")]


def _end_card(spec: AdSpec, res: Resources, lay: Layout, write: Writer, duration: float) -> Shot:
    primary, accent = hex_to_rgb(spec.brand.primary), hex_to_rgb(spec.brand.accent)
    fg = hex_to_rgb(spec.brand.text)
    s = lay.safe
    layers: list[Layer] = [
        GradientLayer(top=mix(primary, (0, 0, 0), 0.05), bottom=mix(primary, (0, 0, 0), 0.35))
    ]
    y = s.y + lay.px(40)
    if res.logo is not None:
        side = lay.px(260 if not lay.wide else 220)
        layers.append(
            ImageLayer(
                path=str(res.logo),
                box=Box(lay.w / 2 - side / 2, y, side, side),
                fit="contain",
                anim=Anim(fade_in=0.4, pop=0.12),
            )
        )
        y += side + lay.px(40)
    name = write.block(
        spec.product,
        Box(s.x, y, s.w, lay.px(200)),
        size=lay.px(76),
        min_size=lay.px(40),
        max_lines=2,
        bold=True,
        color=fg,
        align="center",
        role="headline",
        field="product name",
        anim=Anim(fade_in=0.5, slide=(0, lay.px(30))),
    )
    layers.append(name)
    y = name.box.y1 + lay.px(30)
    if spec.price:
        price = write.block(
            spec.price,
            Box(s.x, y, s.w, lay.px(170)),
            size=lay.px(84),
            min_size=lay.px(40),
            max_lines=2,
            bold=True,
            color=accent,
            align="center",
            role="price",
            field="price line",
            start=0.25,
            anim=Anim(fade_in=0.4, pop=0.2),
        )
        layers.append(price)
        y = price.box.y1 + lay.px(40)
    if spec.cta:
        cta = write.block(
            spec.cta,
            Box(s.x + s.w * 0.15, y, s.w * 0.7, lay.px(150)),
            size=lay.px(60),
            min_size=lay.px(34),
            max_lines=1,
            bold=True,
            color=readable_on(accent),
            align="center",
            pill=accent,
            pad=lay.px(26),
            role="cta",
            field="call to action",
            start=0.5,
            anim=Anim(fade_in=0.4, pop=0.15),
        )
        layers.append(cta)
    top, bottom = extent(layers[1:])
    layers = layers[:1] + shift(layers[1:], max(0.0, (s.y + s.y1) / 2 - (top + bottom) / 2))
    return Shot(
        duration=duration, layers=tuple(layers), transition=Transition("crossfade", 0.4), name="end card"
    )


def _spin_shot(spec: AdSpec, res: Resources, lay: Layout, write: Writer, duration: float) -> Shot | None:
    if res.spin_clip is None:
        return None
    bg = hex_to_rgb(spec.brand.background)
    layers: list[Layer] = [
        GradientLayer(top=bg, bottom=mix(bg, (0, 0, 0), 0.12)),
        ClipLayer(path=str(res.spin_clip), box=lay.photo_box(), fit="contain", matte=bg),
    ]
    label = "360° 全方位" if spec.language == "zh-TW" else "360° view"
    tb = lay.text_box()
    layers.append(
        write.block(
            label,
            Box(tb.x, tb.y, tb.w, lay.px(140)),
            size=lay.px(64),
            min_size=lay.px(36),
            max_lines=1,
            bold=True,
            color=readable_on(bg),
            align="center",
            role="text",
            field="spin label",
            anim=Anim(fade_in=0.4),
        )
    )
    return Shot(
        duration=duration, layers=tuple(layers), transition=Transition("crossfade", 0.4), name="3d spin"
    )


# -- AI shots: a photo that moves, B-roll from a prompt (studio.video.ai_shots makes the clips) -----------------
BROLL_XFADE = 0.4
MIN_PHOTO_SHOT = 1.0  # seconds: what B-roll must leave each photo shot at least


def _ai_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    w, h = (int(v) for v in text.split("x"))
    return w, h


def _moving(spec: AdSpec, res: Resources, photo: Path, layer: ImageLayer) -> Layer:
    """``layer`` (a photo with its weight-free move), or an AI motion clip of that photo in the same box when the
    spec's ``ai_motion`` moves it; the photo layer stays as the clip's fallback."""
    ai = spec.ai_motion
    photos = [Path(p) for p in res.photos]
    number = photos.index(Path(photo)) + 1 if Path(photo) in photos else 0
    if ai is None or number not in ai.photos:
        return layer
    request = ClipRequest(
        task="i2v",
        model=ai.engine,
        slot=f"photo {number}",
        prompt=ai.prompt,
        product=spec.product,
        photo=str(photo),
        preset=ai.preset,
        negative_prompt=ai.negative_prompt,
        seed=spec.seed if ai.seed is None else ai.seed,
        steps=ai.steps,
        profile=ai.profile,
        faithful=ai.faithful,
        size=_ai_size(ai.size),
    )
    return MotionClipLayer(
        start=layer.start,
        end=layer.end,
        anim=Anim(fade_in=layer.anim.fade_in, fade_out=layer.anim.fade_out),
        box=layer.box,
        fit="cover",
        matte=layer.matte or (255, 255, 255),
        radius=layer.radius,
        shadow=layer.shadow,
        request=request,
        fallback=(layer,),
    )


def _broll_seconds(spec: AdSpec, body: float, shots: int) -> float:
    """The seconds the B-roll shots take out of ``body`` (the photo shots' time); ``InputError`` when they would
    leave fewer than ``MIN_PHOTO_SHOT`` seconds per photo shot."""
    seconds = sum(b.seconds for b in spec.broll)
    if seconds and body - seconds < MIN_PHOTO_SHOT * shots:
        raise InputError(
            f"The B-roll shots ({seconds:g} s) leave {max(body - seconds, 0):.1f} s for {shots} photo shot(s) of"
            f" this {spec.duration:g} s {spec.template} ad.",
            f"Shorten the B-roll (broll[].seconds) or lengthen the ad (at least {MIN_PHOTO_SHOT:g} s per photo shot).",
        )
    return seconds


def _weight_free_photo(photo: Path, lay: Layout, matte: tuple[int, int, int], index: int) -> list[Layer]:
    """A photo with the weight-free motion filling the frame: full-bleed Ken Burns when its shape fits the frame,
    else all of it as a card over a blurred, darkened cover of itself (never cropped to another shape)."""
    aspect = _photo_aspect(photo)
    full = Box(0, 0, lay.w, lay.h)
    if aspect_gap(aspect, lay.w / lay.h) <= CROP_TOLERANCE:
        return [ImageLayer(path=str(photo), box=full, matte=matte, **_kenburns(index))]
    card = contain(lay.safe, aspect, CARD_CROP)
    return [
        ImageLayer(path=str(photo), box=full, zoom=(1.1, 1.1), blur=lay.px(28), dim=0.4, matte=matte),
        ImageLayer(path=str(photo), box=card, matte=matte, radius=lay.px(18), shadow=True, zoom=(1.0, 1.06)),
    ]


def _broll_shots(spec: AdSpec, res: Resources, lay: Layout) -> list[Shot]:
    """One full-frame shot per ``spec.broll`` entry: a text-to-video clip, and as its weight-free fallback one of
    the product photos in motion. Each lasts its ``seconds`` on the ad's clock (its crossfade is added back)."""
    primary = hex_to_rgb(spec.brand.primary)
    matte = hex_to_rgb(spec.brand.background)
    shots = []
    for k, broll in enumerate(spec.broll):
        photo = Path(res.photos[(k + 1) % len(res.photos)])
        request = ClipRequest(
            task="t2v",
            model=broll.engine,
            slot=f"b-roll {k + 1}",
            prompt=broll.prompt,
            negative_prompt=broll.negative_prompt,
            seed=spec.seed if broll.seed is None else broll.seed,
            steps=broll.steps,
            profile=broll.profile,
            faithful=False,
            size=_ai_size(broll.size),
        )
        layers: list[Layer] = [
            GradientLayer(top=primary, bottom=mix(primary, (0, 0, 0), 0.3)),
            MotionClipLayer(
                box=Box(0, 0, lay.w, lay.h),
                fit="cover",
                request=request,
                fallback=tuple(_weight_free_photo(photo, lay, matte, k + 1)),
            ),
        ]
        shots.append(
            Shot(
                duration=broll.seconds + BROLL_XFADE,
                layers=tuple(layers),
                transition=Transition("crossfade", BROLL_XFADE),
                name=f"b-roll {k + 1}",
            )
        )
    return shots


def _text_stack(
    write: Writer,
    lay: Layout,
    blocks: list[tuple[str, str, str]],
    panel: Box,
    *,
    color: tuple[int, int, int] = (255, 255, 255),
    shadow: bool = False,
    headline_size: int = 92,
    point_size: int = 60,
) -> list[Layer]:
    """Text blocks (text, role, field) stacked top-down from ``panel``'s top; the first is the big one.

    Each block may use the height left in the panel; text that cannot fit raises ``InputError`` naming its field
    and the box (the spec is refused, nothing is dropped).
    """
    layers: list[Layer] = []
    y = panel.y
    rest = len(blocks)
    for k, (text, role, field) in enumerate(blocks):
        first = k == 0
        if role == "headline":
            size, min_size, lines = headline_size, 44, 3
        elif first:
            size, min_size, lines = round(point_size * 1.15), 32, 3
        else:
            size, min_size, lines = point_size, 28, 2
        # a first block may take up to 60 % of the panel, the others share what is left
        room = panel.y1 - y
        height = (
            room * 0.6 if (first and rest > 1) else room / max(rest - k, 1) * (1.6 if rest - k > 1 else 1)
        )
        block = write.block(
            text,
            Box(panel.x, y, panel.w, max(height, lay.px(min_size) * 1.4)),
            size=lay.px(size),
            min_size=lay.px(min_size),
            max_lines=lines,
            bold=first or role == "headline",
            color=color,
            shadow=shadow,
            role=role,
            field=field,
            start=0.3 + 0.35 * k,
            anim=Anim(fade_in=0.5, slide=(0, lay.px(40)) if first else (lay.px(-24), 0)),
        )
        layers.append(block)
        y = block.box.y1 + lay.px(16)
    return layers


def _photo_shots(spec: AdSpec, photos: list[Path]) -> list[Path]:
    """The photo of each photo shot: one shot per photo, more (the photos again, in turn) when the selling points
    would put more than two on one shot (the headline has a shot of its own)."""
    needed = 1 + -(-len(spec.selling_points) // 2) if spec.selling_points else 1
    return [photos[i % len(photos)] for i in range(max(len(photos), needed))]


def _shot_blocks(spec: AdSpec, index: int, count: int) -> list[tuple[str, str, str]]:
    """Which copy goes on photo shot ``index`` of ``count``: the headline first, then every selling point spread
    over the other shots in order (a single photo carries them all). Nothing is dropped."""
    points = [(p, "point", f"selling point {k + 1}") for k, p in enumerate(spec.selling_points)]
    blocks: list[tuple[str, str, str]] = [(spec.headline, "headline", "headline")] if index == 0 else []
    if count == 1:
        return blocks + points
    if index == 0:
        return blocks
    per = -(-len(points) // (count - 1))  # ceil: the earlier shots take the extra point
    return points[(index - 1) * per : index * per]


def _logo_top(res: Resources, lay: Layout, size: float) -> float | None:
    """Where content may start below a logo in the top corner (None without a logo)."""
    return lay.safe.y + lay.px(size) + lay.px(24) if res.logo is not None else None


def showcase(spec: AdSpec, preset: Preset, res: Resources) -> Timeline:
    """Photos with Ken Burns motion (full-bleed when the photo's shape fits the frame, else a card over a soft
    backdrop of itself), the headline then the selling points spread over the photos, an end card."""
    lay, write = Layout(preset), Writer(res.font)
    matte = hex_to_rgb(spec.brand.background)
    end_len = min(3.0, spec.duration * 0.22)
    spin_len = 3.0 if res.spin_clip else 0.0
    photos = _photo_shots(spec, list(res.photos))
    n = len(photos)
    body = spec.duration - end_len - spin_len
    body -= _broll_seconds(spec, body, n)
    xfade = 0.4
    # Overlaps add back the transition time so the whole ad is exactly spec.duration.
    lengths = _split_durations(body + xfade * (n - 1) + (xfade if spin_len else 0), [1.2] + [1.0] * (n - 1))
    frame_aspect = lay.w / lay.h
    s = lay.safe
    shots: list[Shot] = []
    for i, photo in enumerate(photos):
        layers: list[Layer] = []
        aspect = _photo_aspect(photo)
        blocks = _shot_blocks(spec, i, n)
        corner = "left" if not lay.wide else "right"
        if aspect_gap(aspect, frame_aspect) <= CROP_TOLERANCE:
            # the photo's shape fits the frame: full-bleed, the text over a scrim
            layers.append(
                _moving(
                    spec,
                    res,
                    photo,
                    ImageLayer(path=str(photo), box=Box(0, 0, lay.w, lay.h), matte=matte, **_kenburns(i)),
                )
            )
            if lay.wide:
                panel = Box(s.x, s.y, s.w * 0.45, s.h)
                layers.append(RectLayer(box=Box(0, 0, panel.x1 + lay.px(56), lay.h), color=(0, 0, 0, 140)))
                corner = "right"
            else:
                panel = Box(s.x, s.y1 - s.h * 0.45, s.w, s.h * 0.45)
            texts = _text_stack(write, lay, blocks, panel, shadow=True)
            if texts and lay.wide:
                t0, t1 = extent(texts)
                texts = shift(texts, (panel.y + panel.y1) / 2 - (t0 + t1) / 2)
            elif texts:
                texts = shift(texts, panel.y1 - extent(texts)[1])  # sit on the bottom of the safe zone
                band_top = extent(texts)[0] - lay.px(160)
                layers.append(
                    RectLayer(
                        box=Box(0, band_top, lay.w, lay.h - band_top), color=(0, 0, 0, 150), fade_top=0.45
                    )
                )
        else:
            # a photo of another shape: all of it as a card, over a blurred, darkened cover of itself
            layers.append(
                ImageLayer(
                    path=str(photo),
                    box=Box(0, 0, lay.w, lay.h),
                    zoom=(1.1, 1.1),
                    blur=lay.px(28),
                    dim=0.4,
                    matte=matte,
                )
            )
            card, texts, side = card_and_text(
                lay,
                aspect,
                lambda panel, blocks=blocks: _text_stack(write, lay, blocks, panel, shadow=True),
                top=_logo_top(res, lay, 150),
            )
            corner = "right" if side else "left"
            layers.append(
                _moving(
                    spec,
                    res,
                    photo,
                    ImageLayer(
                        path=str(photo),
                        box=card,
                        matte=matte,
                        radius=lay.px(18),
                        shadow=True,
                        zoom=(1.0, 1.06),
                        pan=((0.5, 0.5), (0.5, 0.5)),
                    ),
                )
            )
        layers += _logo_layer(res, lay, corner=corner)
        layers += texts
        shots.append(
            Shot(
                duration=lengths[i],
                layers=tuple(layers),
                transition=Transition("crossfade", xfade) if i else Transition(),
                name=f"photo {i + 1}",
            )
        )
    return _timeline(spec, preset, res, _with_extras(spec, res, lay, write, shots, spin_len, end_len + xfade))


def promo(spec: AdSpec, preset: Preset, res: Resources) -> Timeline:
    """A sale: brand-colour stage, photo cards (the photo's own shape) with a price sticker that pops, punchy text
    (the headline, then every selling point spread over the photos), a bold end card."""
    lay, write = Layout(preset), Writer(res.font)
    primary, accent = hex_to_rgb(spec.brand.primary), hex_to_rgb(spec.brand.accent)
    bg = hex_to_rgb(spec.brand.background)
    end_len = min(3.0, spec.duration * 0.22)
    spin_len = 3.0 if res.spin_clip else 0.0
    photos = _photo_shots(spec, list(res.photos))
    n = len(photos)
    slide_len = 0.35
    body = spec.duration - end_len - spin_len
    body -= _broll_seconds(spec, body, n)
    lengths = _split_durations(
        body + slide_len * (n - 1) + (0.4 if spin_len else 0),
        [1.3] + [1.0] * (n - 1),
    )
    shots: list[Shot] = []
    for i, photo in enumerate(photos):
        stage = accent if i == 0 else primary
        layers: list[Layer] = [GradientLayer(top=stage, bottom=mix(stage, (0, 0, 0), 0.25))]
        ink = readable_on(stage)
        blocks = _shot_blocks(spec, i, n)

        def texts_for(panel: Box, blocks=blocks, ink=ink, i=i) -> list[Layer]:
            layers = _text_stack(write, lay, blocks, panel, color=ink, headline_size=84, point_size=62)
            if spec.price:
                y = extent(layers)[1] + lay.px(24) if layers else panel.y
                sticker_bg = primary if i == 0 else accent
                layers.append(
                    write.block(
                        spec.price,
                        Box(panel.x, y, panel.w, max(lay.px(120), panel.y1 - y)),
                        size=lay.px(80),
                        min_size=lay.px(36),
                        max_lines=2,
                        bold=True,
                        color=readable_on(sticker_bg),
                        pill=sticker_bg,
                        pad=lay.px(22),
                        role="price",
                        field="price line",
                        start=0.6,
                        anim=Anim(fade_in=0.35, pop=0.25),
                    )
                )
            return layers

        card, texts, _ = card_and_text(lay, _photo_aspect(photo), texts_for, top=_logo_top(res, lay, 120))
        layers.append(
            _moving(
                spec,
                res,
                photo,
                ImageLayer(
                    path=str(photo),
                    box=card,
                    radius=lay.px(36),
                    shadow=True,
                    matte=bg,
                    # the first frame (the player's preview still) already shows the product
                    anim=Anim(fade_in=0.3, pop=0.06) if i else Anim(),
                    **_kenburns(i + 1),
                ),
            )
        )
        layers += texts
        layers += _logo_layer(res, lay, size=120, corner="right")
        shots.append(
            Shot(
                duration=lengths[i],
                layers=tuple(layers),
                transition=Transition("slide", slide_len) if i else Transition(),
                name=f"promo {i + 1}",
            )
        )
    return _timeline(spec, preset, res, _with_extras(spec, res, lay, write, shots, spin_len, end_len + 0.4))


def features(spec: AdSpec, preset: Preset, res: Resources) -> Timeline:
    """A headline intro beside the product, then the selling points ticked off one by one beside the product (the
    photo's own shape), then an end card."""
    lay, write = Layout(preset), Writer(res.font)
    primary, accent = hex_to_rgb(spec.brand.primary), hex_to_rgb(spec.brand.accent)
    bg = hex_to_rgb(spec.brand.background)
    ink = readable_on(bg)
    end_len = min(3.0, spec.duration * 0.22)
    spin_len = 3.0 if res.spin_clip else 0.0
    intro_len = min(3.5, spec.duration * 0.25)
    body = spec.duration - end_len - intro_len - spin_len
    body -= _broll_seconds(spec, body, 1)
    list_len = body + 0.4 + (0.4 if spin_len else 0)
    photos = list(res.photos)
    intro_layers: list[Layer] = [GradientLayer(top=primary, bottom=mix(primary, (0, 0, 0), 0.3))]
    card, head, side = card_and_text(
        lay,
        _photo_aspect(photos[0]),
        lambda panel: [
            write.block(
                spec.headline,
                Box(panel.x, panel.y, panel.w, min(panel.h, lay.safe.h * 0.4)),
                size=lay.px(100),
                min_size=lay.px(44),
                max_lines=3,
                bold=True,
                color=readable_on(primary),
                align="center",
                shadow=True,
                role="headline",
                field="headline",
                start=0.2,
                anim=Anim(fade_in=0.6, pop=0.1),
            )
        ],
        top=_logo_top(res, lay, 170),
        max_text_share=0.4,
    )
    intro_layers.append(
        _moving(
            spec,
            res,
            photos[0],
            ImageLayer(
                path=str(photos[0]),
                box=card,
                radius=lay.px(28),
                shadow=True,
                matte=bg,
                zoom=(1.08, 1.0),
                pan=((0.5, 0.5), (0.5, 0.5)),
            ),
        )
    )
    intro_layers += _logo_layer(res, lay, size=170, corner="right" if side else "left")
    intro_layers += head
    shots = [Shot(duration=intro_len, layers=tuple(intro_layers), name="intro")]
    hero = photos[1] if len(photos) > 1 else photos[0]
    points = spec.selling_points or [spec.headline]
    step = (list_len - 1.5) / max(len(points), 1)

    def rows_for(panel: Box) -> list[Layer]:
        rows: list[Layer] = []
        y = panel.y
        gap = lay.px(22)
        row_h = (panel.h - gap * (len(points) - 1)) / max(len(points), 1)
        dot = lay.px(30)
        for k, point in enumerate(points):
            start = 0.4 + step * k
            row = write.block(
                point,
                Box(panel.x + dot + lay.px(24), y, panel.w - dot - lay.px(24), row_h),
                size=lay.px(72 if lay.tall else 60),
                min_size=lay.px(32),
                max_lines=2,
                bold=k == 0,
                color=ink,
                role="point",
                field=f"selling point {k + 1}",
                start=start,
                anim=Anim(fade_in=0.35, slide=(lay.px(40), 0)),
            )
            rows.append(
                RectLayer(
                    box=Box(panel.x, y + row.size * 0.25, dot, dot),
                    color=(*accent, 255),
                    radius=dot // 2,
                    start=start,
                    anim=Anim(fade_in=0.25, pop=0.4),
                )
            )
            rows.append(row)
            y = row.box.y1 + gap
        return rows

    card, rows, _ = card_and_text(lay, _photo_aspect(hero), rows_for, max_text_share=0.55)
    layers: list[Layer] = [
        GradientLayer(top=bg, bottom=mix(bg, (0, 0, 0), 0.08)),
        _moving(
            spec,
            res,
            hero,
            ImageLayer(
                path=str(hero),
                box=card,
                radius=lay.px(28),
                shadow=True,
                matte=bg,
                zoom=(1.0, 1.1),
                pan=((0.5, 0.5), (0.5, 0.45)),
            ),
        ),
        *rows,
    ]
    shots.append(
        Shot(
            duration=list_len, layers=tuple(layers), transition=Transition("crossfade", 0.4), name="features"
        )
    )
    return _timeline(spec, preset, res, _with_extras(spec, res, lay, write, shots, spin_len, end_len + 0.4))


def _with_extras(
    spec: AdSpec,
    res: Resources,
    lay: Layout,
    write: Writer,
    shots: list[Shot],
    spin_len: float,
    end_len: float,
) -> list[Shot]:
    """A template's photo shots with what every template adds: B-roll after the first shot, the 3D spin (when the
    spec has one) and the end card."""
    spin = _spin_shot(spec, res, lay, write, spin_len)
    return [
        *shots[:1],
        *_broll_shots(spec, res, lay),
        *shots[1:],
        *([spin] if spin else []),
        _end_card(spec, res, lay, write, end_len),
    ]


def _timeline(spec: AdSpec, preset: Preset, res: Resources, shots: list[Shot]) -> Timeline:
    timeline = Timeline(
        width=preset.width,
        height=preset.height,
        fps=preset.fps,
        shots=tuple(shots),
        audio=Audio(path=str(res.music) if res.music else None),
        meta={"template": spec.template, "platform": preset.name},
    )
    if abs(timeline.duration - spec.duration) > 0.5 / preset.fps:
        raise RenderError(
            f"Template {spec.template} made {timeline.duration:.3f} s, expected {spec.duration} s."
        )
    check_safe_zone(timeline, preset)
    return timeline


def check_safe_zone(timeline: Timeline, preset: Preset) -> None:
    """Raise ``RenderError`` if any text layer's box leaves the platform's safe zone."""
    x0, y0, x1, y1 = preset.safe_box
    safe = Box(x0, y0, x1 - x0, y1 - y0)
    for shot in timeline.shots:
        for layer in shot.layers:
            if isinstance(layer, TextLayer) and not layer.box.inside(safe, tolerance=1.0):
                raise RenderError(
                    f"Text {layer.text[:20]!r} at {layer.box} leaves {preset.label}'s safe zone {safe}.",
                    "This is a template bug; please report it.",
                )


Template = Callable[[AdSpec, Preset, Resources], Timeline]
TEMPLATES: dict[str, Template] = {"showcase": showcase, "promo": promo, "features": features}
TEMPLATE_HELP = {
    "showcase": "full-bleed photos with Ken Burns motion, headline and one selling point per photo, end card",
    "promo": "sale look: photo cards on brand colours, a popping price sticker on every shot, bold end card",
    "features": "headline intro, then the selling points ticked off beside the product, end card",
}


def timeline_for(spec: AdSpec, platform: str, res: Resources) -> Timeline:
    """The timeline of ``spec`` for one platform (what the renderer encodes)."""
    from studio.video.presets import get_preset

    return TEMPLATES[spec.template](spec, get_preset(platform), res)
