"""The timeline: an ad as data (shots, layers, text, transitions, audio), made by a template, read by the renderer.

Times are seconds; boxes are output pixels. Shots follow each other; a shot's ``transition`` overlaps it with the
end of the previous shot by ``transition.duration``. New layer kinds (an AI motion clip, a 3D spin) are new frozen
dataclasses registered with the compositor (``studio.video.compose.register_layer``): the renderer's core stays as
it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h

    def inside(self, other: Box, tolerance: float = 0.5) -> bool:
        return (
            self.x >= other.x - tolerance
            and self.y >= other.y - tolerance
            and self.x1 <= other.x1 + tolerance
            and self.y1 <= other.y1 + tolerance
        )


@dataclass(frozen=True)
class Anim:
    """Entrance/exit of a layer within its [start, end) in shot time."""

    fade_in: float = 0.0  # seconds of opacity 0 -> 1 after start
    fade_out: float = 0.0  # seconds of opacity 1 -> 0 before end
    slide: tuple[float, float] = (0.0, 0.0)  # px offset at start, eased to 0 over fade_in
    pop: float = 0.0  # scale overshoot at entrance (0.15 = grows from 85 %)


@dataclass(frozen=True)
class Layer:
    start: float = 0.0  # seconds from the shot's start
    end: float | None = None  # None: until the shot ends
    anim: Anim = Anim()


@dataclass(frozen=True)
class GradientLayer(Layer):
    """A full-frame vertical gradient (or a flat colour when both ends are equal)."""

    top: RGB = (0, 0, 0)
    bottom: RGB = (0, 0, 0)


@dataclass(frozen=True)
class RectLayer(Layer):
    box: Box = Box(0, 0, 0, 0)
    color: RGBA = (0, 0, 0, 255)
    radius: int = 0
    fade_top: float = 0.0  # 0..1: share of the height over which alpha ramps up from 0 (a soft scrim)


@dataclass(frozen=True)
class ImageLayer(Layer):
    """A photo fitted to ``box`` with a Ken Burns move from (zoom[0], pan[0]) to (zoom[1], pan[1])."""

    path: str = ""
    box: Box = Box(0, 0, 0, 0)
    fit: Literal["cover", "contain"] = "cover"
    zoom: tuple[float, float] = (1.0, 1.0)  # 1.0 = the box is exactly covered
    pan: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.5), (0.5, 0.5))  # focus point, 0..1
    radius: int = 0  # rounded corners (px)
    shadow: bool = False
    matte: RGB | None = None  # background behind a "contain" image or a transparent PNG
    blur: float = 0.0  # Gaussian blur radius (px at output size): a soft backdrop made from the photo itself
    dim: float = 0.0  # 0..1: darken (a backdrop behind a photo that does not fill the frame)


@dataclass(frozen=True)
class TextLayer(Layer):
    """Pre-fitted text: ``lines`` at ``size`` px, placed inside ``box`` by ``align``/``valign``."""

    text: str = ""
    lines: tuple[str, ...] = ()
    font_path: str = ""
    size: int = 48
    line_height: int = 58
    box: Box = Box(0, 0, 0, 0)
    color: RGB = (255, 255, 255)
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    pill: RGB | None = None  # a rounded background behind the text
    pad: int = 0
    shadow: bool = False
    role: str = "text"  # headline | point | price | cta | text: used for the .srt and the compliance screen


@dataclass(frozen=True)
class ClipLayer(Layer):
    """A video clip (a 3D product spin) fitted to ``box``, resampled to the timeline's fps by ffmpeg; it holds its
    last frame. AI clips are ``MotionClipLayer``s (retimed without judder)."""

    path: str = ""
    box: Box = Box(0, 0, 0, 0)
    fit: Literal["cover", "contain"] = "cover"
    matte: RGB = (255, 255, 255)
    loop: bool = False


@dataclass(frozen=True)
class ClipRequest:
    """An AI clip to generate for a ``MotionClipLayer`` (``studio.video.ai_shots.resolve_motion`` makes it, or
    finds it in the clip cache). Its length is the layer's span and its shape the layer's box."""

    task: Literal["i2v", "t2v"]
    model: str  # an engine name or a local diffusers folder
    slot: str  # what the shot is, for messages: "photo 1", "b-roll 1"
    prompt: str | None = None  # None (i2v): built from ``product`` and ``preset``
    product: str | None = None
    photo: str | None = None  # i2v: the spec photo that moves
    preset: str = "push-in"
    negative_prompt: str | None = None  # None: the engine default (studio.video.ai_inputs)
    seed: int = 0
    steps: int | None = None
    profile: str = "auto"
    faithful: bool = True
    size: tuple[int, int] | None = None  # None: the engine's size nearest the box's shape


@dataclass(frozen=True)
class MotionClipLayer(Layer):
    """A generated clip (an AI motion shot from a photo, a B-roll shot from a prompt) fitted to ``box`` and
    retimed to the timeline's frame rate (``studio.video.ai_shots``: frame-accurate, blended; see there).

    ``path`` is empty until the clip exists; ``request`` says what to generate, and ``fallback`` is what is drawn
    instead (the weight-free photo motion) when it cannot be generated on this machine.
    """

    path: str = ""
    box: Box = Box(0, 0, 0, 0)
    fit: Literal["cover", "contain"] = "cover"
    matte: RGB = (255, 255, 255)
    radius: int = 0  # rounded corners (px), as a photo card
    shadow: bool = False
    retime: Literal["blend", "nearest"] = "blend"
    request: ClipRequest | None = None
    fallback: tuple[Layer, ...] = ()


@dataclass(frozen=True)
class Transition:
    kind: Literal["cut", "crossfade", "slide"] = "cut"
    duration: float = 0.0


@dataclass(frozen=True)
class Shot:
    duration: float
    layers: tuple[Layer, ...]
    transition: Transition = Transition()
    name: str = ""


@dataclass(frozen=True)
class Audio:
    path: str | None = None  # None: a silent track
    fade_out: float = 1.5
    fade_in: float = 0.05


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    fps: int
    shots: tuple[Shot, ...]
    audio: Audio = Audio()
    # template, platform; "models": comma-separated licence-registry ids of the AI models used; "ai_clips": the
    # AI clips' sidecar JSON paths (studio.video.ai_shots.resolve_motion); read by the compliance gate
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def shot_starts(self) -> list[float]:
        """Start time of each shot on the output clock (transitions overlap the previous shot)."""
        starts, t = [], 0.0
        for index, shot in enumerate(self.shots):
            if index > 0:
                t -= shot.transition.duration
            starts.append(t)
            t += shot.duration
        return starts

    @property
    def duration(self) -> float:
        starts = self.shot_starts()
        return starts[-1] + self.shots[-1].duration if self.shots else 0.0

    @property
    def frame_count(self) -> int:
        return round(self.duration * self.fps)

    def text_events(self) -> list[tuple[float, float, TextLayer]]:
        """(start, end, layer) of every text layer on the output clock, in time order."""
        events = []
        for start, shot in zip(self.shot_starts(), self.shots):
            for layer in shot.layers:
                if isinstance(layer, TextLayer):
                    end = shot.duration if layer.end is None else min(layer.end, shot.duration)
                    events.append((start + layer.start, start + end, layer))
        return sorted(events, key=lambda item: (item[0], item[1]))
