"""The frame compositor: a timeline -> RGB frames, one at a time, with Pillow's C routines doing the pixel work.

Every layer is *prepared* once (photos decoded and pre-scaled, text rasterised, masks and shadows built) and then
drawn per frame with cheap operations (one sub-pixel ``resize`` per moving photo, ``paste`` with a mask). Layers that
never change during a shot are baked into that shot's base frame. New layer kinds register a preparer with
``register_layer`` (see ``ClipLayer`` here, and the 3D spin in ``studio.splat``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from studio.errors import RenderError
from studio.images import load_photo
from studio.video.timeline import (
    Anim,
    Box,
    ClipLayer,
    GradientLayer,
    ImageLayer,
    Layer,
    RectLayer,
    Shot,
    TextLayer,
    Timeline,
)


class Prepared(Protocol):
    static: bool  # True: looks the same at every time of its shot (baked into the base frame)

    def draw(self, frame: Image.Image, t: float) -> None: ...

    def close(self) -> None: ...


Preparer = Callable[[Any, Timeline, Shot], Prepared]
_PREPARERS: dict[type, Preparer] = {}


def register_layer(layer_type: type) -> Callable[[Preparer], Preparer]:
    """Register how a layer kind is prepared; the returned object draws it onto frames."""

    def decorator(fn: Preparer) -> Preparer:
        _PREPARERS[layer_type] = fn
        return fn

    return decorator


def ease(x: float) -> float:
    """Smoothstep-like ease-out for entrances (0 -> 1)."""
    x = min(max(x, 0.0), 1.0)
    return 1 - (1 - x) ** 3


def ease_in_out(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


@dataclass
class _Envelope:
    """Visibility, opacity and entrance offset of a layer at shot time t."""

    layer: Layer
    shot_duration: float

    @property
    def end(self) -> float:
        return self.shot_duration if self.layer.end is None else min(self.layer.end, self.shot_duration)

    def visible(self, t: float) -> bool:
        return self.layer.start <= t < self.end + 1e-9

    def opacity(self, t: float) -> float:
        anim: Anim = self.layer.anim
        value = 1.0
        if anim.fade_in > 0:
            value = min(value, ease((t - self.layer.start) / anim.fade_in))
        if anim.fade_out > 0:
            value = min(value, ease((self.end - t) / anim.fade_out))
        return value

    def progress(self, t: float) -> float:
        anim = self.layer.anim
        return 1.0 if anim.fade_in <= 0 else ease((t - self.layer.start) / anim.fade_in)

    def is_static(self) -> bool:
        anim = self.layer.anim
        return (
            self.layer.start <= 0
            and self.layer.end is None
            and anim.fade_in == 0
            and anim.fade_out == 0
            and anim.pop == 0
        )


def _alpha_scaled(mask: Image.Image, opacity: float) -> Image.Image:
    if opacity >= 0.999:
        return mask
    level = int(opacity * 255)
    return mask.point(lambda a: a * level // 255)


def _rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255)
    return mask


def _unit(timeline: Timeline) -> float:
    """The frame's size against the 1080 px design (as the templates' ``Layout.unit``): fixed-size effects
    (shadows, corners) scale with it, so a 540 px render looks like the 1080 px one, halved."""
    return min(timeline.width, timeline.height) / 1080


def _drop_shadow(size: tuple[int, int], radius: int, blur: int = 18) -> tuple[Image.Image, tuple[int, int]]:
    pad = blur * 3
    shadow = Image.new("L", (size[0] + 2 * pad, size[1] + 2 * pad), 0)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (pad, pad, pad + size[0] - 1, pad + size[1] - 1), radius=radius, fill=110
    )
    return shadow.filter(ImageFilter.GaussianBlur(blur)), (-pad, -pad + blur // 2)


class _Gradient:
    def __init__(self, layer: GradientLayer, timeline: Timeline, shot: Shot):
        self.env = _Envelope(layer, shot.duration)
        self.static = self.env.is_static()
        h, w = timeline.height, timeline.width
        ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
        top, bottom = np.array(layer.top, np.float32), np.array(layer.bottom, np.float32)
        column = (top * (1 - ramp) + bottom * ramp).round().astype(np.uint8)  # [H, 3]
        self.image = Image.fromarray(np.broadcast_to(column[:, None, :], (h, w, 3)).copy())

    def draw(self, frame: Image.Image, t: float) -> None:
        if not self.env.visible(t):
            return
        opacity = self.env.opacity(t)
        if opacity >= 0.999:
            frame.paste(self.image)
        else:
            frame.paste(Image.blend(frame, self.image, opacity))

    def close(self) -> None:
        pass


class _Rect:
    def __init__(self, layer: RectLayer, timeline: Timeline, shot: Shot):
        self.layer = layer
        self.env = _Envelope(layer, shot.duration)
        self.static = self.env.is_static()
        size = (max(1, round(layer.box.w)), max(1, round(layer.box.h)))
        self.fill = Image.new("RGB", size, layer.color[:3])
        mask = _rounded_mask(size, layer.radius) if layer.radius else Image.new("L", size, 255)
        self.mask = mask.point(lambda a: a * layer.color[3] // 255)
        if layer.fade_top > 0:
            ramp_h = max(1, round(size[1] * layer.fade_top))
            ramp = np.ones(size[1], np.float32)
            ramp[:ramp_h] = np.linspace(0.0, 1.0, ramp_h, dtype=np.float32) ** 1.6
            ramp_img = Image.fromarray(
                (np.broadcast_to(ramp[:, None], (size[1], size[0])) * 255).astype(np.uint8)
            )
            self.mask = ImageChops.multiply(self.mask, ramp_img)

    def draw(self, frame: Image.Image, t: float) -> None:
        if not self.env.visible(t):
            return
        dx, dy = _offset(self.env, t)
        box = self.layer.box
        frame.paste(
            self.fill, (round(box.x + dx), round(box.y + dy)), _alpha_scaled(self.mask, self.env.opacity(t))
        )

    def close(self) -> None:
        pass


def _offset(env: _Envelope, t: float) -> tuple[float, float]:
    slide = env.layer.anim.slide
    if slide == (0.0, 0.0):
        return 0.0, 0.0
    remaining = 1.0 - env.progress(t)
    return slide[0] * remaining, slide[1] * remaining


def paste_boxed(
    frame: Image.Image,
    image: Image.Image,
    env: _Envelope,
    t: float,
    mask: Image.Image | None,
    shadow: tuple[Image.Image, tuple[int, int]] | None,
) -> None:
    """Paste a boxed layer's picture at shot time t: its drop shadow, then the picture through its mask, both
    faded by the layer's opacity and moved by its entrance slide (photos and AI clips draw alike)."""
    opacity = env.opacity(t)
    dx, dy = _offset(env, t)
    x, y = round(env.layer.box.x + dx), round(env.layer.box.y + dy)
    if shadow is not None:
        picture, (sx, sy) = shadow
        frame.paste(
            (0, 0, 0),
            (x + sx, y + sy, x + sx + picture.width, y + sy + picture.height),
            _alpha_scaled(picture, opacity),
        )
    if opacity < 0.999:
        mask = _alpha_scaled(mask if mask is not None else Image.new("L", image.size, 255), opacity)
    frame.paste(image, (x, y), mask)


class _Photo:
    """A photo covering (or contained in) its box, with a sub-pixel Ken Burns move.

    The source is pre-scaled once to ``max(zoom)`` times the cover size, so every frame is a down-scale of a crop
    window (never an up-scale of a small image): sharp and free of the 1-px jitter of integer crops.
    """

    def __init__(self, layer: ImageLayer, timeline: Timeline, shot: Shot):
        self.layer = layer
        self.env = _Envelope(layer, shot.duration)
        bw, bh = max(1, round(layer.box.w)), max(1, round(layer.box.h))
        self.size = (bw, bh)
        photo = load_photo(layer.path, what="photo")
        self.static = self.env.is_static() and layer.zoom[0] == layer.zoom[1] and layer.pan[0] == layer.pan[1]
        # A transparent PNG keeps its alpha (logos) unless a matte is given (products on the brand background).
        self.alpha = photo.mode == "RGBA" and layer.matte is None
        if layer.fit == "contain" or photo.mode == "RGBA":
            scale = min(bw / photo.width, bh / photo.height)
            fitted = photo.resize(
                (max(1, round(photo.width * scale)), max(1, round(photo.height * scale))), Image.LANCZOS
            )
            mode = "RGBA" if self.alpha else "RGB"
            canvas = Image.new(
                mode, (bw, bh), (0, 0, 0, 0) if self.alpha else (layer.matte or (255, 255, 255))
            )
            pos = ((bw - fitted.width) // 2, (bh - fitted.height) // 2)
            if fitted.mode == "RGBA" and not self.alpha:
                canvas.paste(fitted, pos, fitted.getchannel("A"))
            else:
                canvas.paste(fitted, pos)
            photo = canvas
        zmax = max(layer.zoom)
        cover = max(bw / photo.width, bh / photo.height) * zmax
        target = (max(bw, math.ceil(photo.width * cover)), max(bh, math.ceil(photo.height * cover)))
        self.source = photo.convert("RGBA" if self.alpha else "RGB").resize(
            target, Image.LANCZOS, reducing_gap=3.0
        )
        if layer.blur > 0:
            self.source = self.source.filter(ImageFilter.GaussianBlur(layer.blur * zmax))
        if layer.dim > 0:
            self.source = Image.eval(self.source, lambda v: int(v * (1.0 - layer.dim)))
        self.zmax = zmax
        self.mask = _rounded_mask(self.size, layer.radius) if layer.radius else None
        self.shadow = (
            _drop_shadow(self.size, layer.radius, round(18 * _unit(timeline))) if layer.shadow else None
        )
        self._last: tuple[float, Image.Image] | None = None
        self._array: np.ndarray | None = None

    def window(self, t: float) -> tuple[float, float, float, float]:
        """The crop window (x0, y0, x1, y1) in source pixels at shot time t."""
        layer = self.layer
        u = ease_in_out(t / max(self.env.end, 1e-6))
        zoom = layer.zoom[0] + (layer.zoom[1] - layer.zoom[0]) * u
        fx = layer.pan[0][0] + (layer.pan[1][0] - layer.pan[0][0]) * u
        fy = layer.pan[0][1] + (layer.pan[1][1] - layer.pan[0][1]) * u
        sw, sh = self.source.size
        # The box covered at zoom 1.0 is the source scaled by 1/zmax; at `zoom` the window shrinks by 1/zoom.
        bw, bh = self.size
        scale = self.zmax / zoom
        ww, wh = bw * scale, bh * scale
        x0 = min(max(fx * sw - ww / 2, 0.0), sw - ww)
        y0 = min(max(fy * sh - wh / 2, 0.0), sh - wh)
        return (x0, y0, x0 + ww, y0 + wh)

    def frame_image(self, t: float) -> Image.Image:
        if self.static and self._last is not None:
            return self._last[1]
        import cv2

        if self._array is None:
            self._array = np.asarray(self.source)
        x0, y0, x1, y1 = self.window(t)
        sx, sy = (x1 - x0) / self.size[0], (y1 - y0) / self.size[1]
        # Map output pixel centres onto the window (sub-pixel exact; the down-scale is <= zmax, so bilinear is
        # enough). OpenCV's SIMD warp is ~3x faster than Pillow's box resize here.
        matrix = np.array([[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5]])
        warped = cv2.warpAffine(
            self._array,
            matrix,
            self.size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        image = Image.fromarray(warped)
        self._last = (t, image)
        return image

    def covers(self, width: int, height: int, t: float) -> bool:
        """True when this layer alone paints every pixel of a width x height frame at time t."""
        box = self.layer.box
        return (
            not self.alpha
            and self.mask is None
            and self.env.visible(t)
            and self.env.opacity(t) >= 0.999
            and _offset(self.env, t) == (0.0, 0.0)
            and round(box.x) <= 0
            and round(box.y) <= 0
            and round(box.x1) >= width
            and round(box.y1) >= height
            and self.size == (width, height)
        )

    def draw(self, frame: Image.Image, t: float) -> None:
        if not self.env.visible(t):
            return
        image = self.frame_image(t)
        mask = self.mask
        if self.alpha:
            mask = image.getchannel("A")
            image = image.convert("RGB")
        paste_boxed(frame, image, self.env, t, mask, self.shadow)

    def close(self) -> None:
        pass


class _Text:
    def __init__(self, layer: TextLayer, timeline: Timeline, shot: Shot):
        from studio.video.text import FittedText, render_text, shadow_margin

        self.layer = layer
        self.env = _Envelope(layer, shot.duration)
        self.static = self.env.is_static()
        fitted = FittedText(
            lines=layer.lines,
            size=layer.size,
            line_height=layer.line_height,
            width=_text_width(layer),
            height=layer.line_height * (len(layer.lines) - 1) + layer.size,
            font_path=Path(layer.font_path),
        )
        unit = _unit(timeline)
        image = render_text(fitted, color=layer.color, align=layer.align, pill=layer.pill, pad=layer.pad,
                            shadow=layer.shadow, scale=unit)  # fmt: skip
        self.rgb = image.convert("RGB")
        self.alpha = image.getchannel("A")
        margin = shadow_margin(unit) if layer.shadow else 0
        box = layer.box
        w, h = image.size[0] - 2 * margin, image.size[1] - 2 * margin
        if layer.align == "center":
            x = box.x + (box.w - w) / 2
        elif layer.align == "right":
            x = box.x + box.w - w
        else:
            x = box.x
        if layer.valign == "middle":
            y = box.y + (box.h - h) / 2
        elif layer.valign == "bottom":
            y = box.y + box.h - h
        else:
            y = box.y
        self.pos = (x - margin, y - margin)
        self.drawn_box = Box(x, y, w, h)

    def draw(self, frame: Image.Image, t: float) -> None:
        if not self.env.visible(t):
            return
        opacity = self.env.opacity(t)
        if opacity <= 0.004:
            return
        dx, dy = _offset(self.env, t)
        rgb, alpha = self.rgb, self.alpha
        x, y = self.pos
        pop = self.layer.anim.pop
        if pop and self.env.progress(t) < 1.0:
            scale = 1.0 - pop * (1.0 - self.env.progress(t))
            size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
            x += (rgb.width - size[0]) / 2
            y += (rgb.height - size[1]) / 2
            rgb, alpha = rgb.resize(size, Image.BILINEAR), alpha.resize(size, Image.BILINEAR)
        frame.paste(rgb, (round(x + dx), round(y + dy)), _alpha_scaled(alpha, opacity))

    def close(self) -> None:
        pass


def _text_width(layer: TextLayer) -> int:
    from studio.video.text import load_font

    font = load_font(Path(layer.font_path), layer.size)
    return int(max(font.getlength(line) for line in layer.lines) + 0.999)


class _Clip:
    """A video file decoded by ffmpeg straight to the box size (cover crop), read frame by frame in order."""

    def __init__(self, layer: ClipLayer, timeline: Timeline, shot: Shot):
        from studio.media.decode import FittedStream

        self.layer = layer
        self.env = _Envelope(layer, shot.duration)
        self.static = False
        self.fps = timeline.fps
        bw, bh = max(2, round(layer.box.w)), max(2, round(layer.box.h))
        self.size = (bw, bh)
        if not Path(layer.path).is_file():
            raise RenderError(f"The clip {layer.path} does not exist.", "Render the clip again.")
        self.stream = FittedStream(
            layer.path, self.size, timeline.fps, fit=layer.fit, matte=tuple(layer.matte), loop=layer.loop
        )
        self.index = -1
        self.current: Image.Image | None = None

    def _advance_to(self, index: int) -> Image.Image:
        while self.index < index:
            data = self.stream.read()
            if data is None:
                break  # the clip ended: hold its last frame
            self.current = Image.frombytes("RGB", self.size, data)
            self.index += 1
        if self.current is None:
            raise RenderError(
                f"The clip {self.layer.path} has no decodable frames.", "Render the clip again."
            )
        return self.current

    def draw(self, frame: Image.Image, t: float) -> None:
        if not self.env.visible(t):
            return
        image = self._advance_to(int((t - self.layer.start) * self.fps + 1e-6))
        opacity = self.env.opacity(t)
        mask = None if opacity >= 0.999 else _alpha_scaled(Image.new("L", self.size, 255), opacity)
        frame.paste(image, (round(self.layer.box.x), round(self.layer.box.y)), mask)

    def close(self) -> None:
        self.stream.close()


register_layer(GradientLayer)(_Gradient)
register_layer(RectLayer)(_Rect)
register_layer(ImageLayer)(_Photo)
register_layer(TextLayer)(_Text)
register_layer(ClipLayer)(_Clip)


class _PreparedShot:
    def __init__(self, shot: Shot, timeline: Timeline):
        self.shot = shot
        self.layers: list[Prepared] = []
        try:
            for layer in shot.layers:
                preparer = _PREPARERS.get(type(layer))
                if preparer is None:
                    raise RenderError(f"No renderer is registered for the layer kind {type(layer).__name__}.")
                self.layers.append(preparer(layer, timeline, shot))
        except BaseException:
            self.close()
            raise
        # Bake the leading run of static layers into one base frame.
        self.base = Image.new("RGB", (timeline.width, timeline.height), (0, 0, 0))
        self.first_dynamic = 0
        for prepared in self.layers:
            if not prepared.static:
                break
            prepared.draw(self.base, 0.0)
            self.first_dynamic += 1

    def render(self, t: float) -> Image.Image:
        dynamic = self.layers[self.first_dynamic :]
        size = self.base.size
        if dynamic and isinstance(dynamic[0], _Photo) and dynamic[0].covers(*size, t):
            # A full-frame photo hides the base: start from it instead of copying the base and pasting over it.
            frame = dynamic[0].frame_image(t)
            frame = frame.copy() if dynamic[0].static else frame
            dynamic = dynamic[1:]
        else:
            frame = self.base.copy()
        for prepared in dynamic:
            prepared.draw(frame, t)
        return frame

    def close(self) -> None:
        for prepared in self.layers:
            prepared.close()


def iter_frames(timeline: Timeline) -> Iterator[Image.Image]:
    """Every frame of the timeline in order (RGB, timeline size). Shots are prepared just before they are needed
    and released after, so memory stays flat however many shots there are."""
    starts = timeline.shot_starts()
    prepared: dict[int, _PreparedShot] = {}
    try:
        for index in range(timeline.frame_count):
            t = index / timeline.fps
            active = [
                i
                for i, (s, shot) in enumerate(zip(starts, timeline.shots))
                if s - 1e-9 <= t < s + shot.duration
            ]
            if not active:
                active = [len(timeline.shots) - 1]
            for i in list(prepared):
                if i < active[0]:
                    prepared.pop(i).close()
            for i in active:
                if i not in prepared:
                    prepared[i] = _PreparedShot(timeline.shots[i], timeline)
            current = active[-1]
            frame = prepared[current].render(t - starts[current])
            if len(active) > 1:
                previous = active[0]
                transition = timeline.shots[current].transition
                mix = ease_in_out((t - starts[current]) / max(transition.duration, 1e-6))
                before = prepared[previous].render(t - starts[previous])
                if transition.kind == "slide":
                    offset = round(timeline.width * mix)
                    before = ImageChops.offset(before, -offset, 0)
                    canvas = before.copy()
                    canvas.paste(frame.crop((0, 0, offset, timeline.height)), (timeline.width - offset, 0))
                    frame = canvas
                else:
                    frame = Image.blend(before, frame, mix)
            yield frame
    finally:
        for shot in prepared.values():
            shot.close()


def render_frame(timeline: Timeline, t: float) -> Image.Image:
    """One frame at time ``t`` (seconds), for covers and previews."""
    starts = timeline.shot_starts()
    index = max(i for i, s in enumerate(starts) if s <= t + 1e-9)
    shot = _PreparedShot(timeline.shots[index], timeline)
    try:
        return shot.render(t - starts[index])
    finally:
        shot.close()
