"""Where tensors live: the one place that turns a device name (``auto``, ``cpu``, ``cuda``, ``cuda:N``) into a
device, and refuses a device this machine does not have before any heavy work starts.

The caller chooses the device (the CLI's ``--device``, the app's dropdown, an options model) and the library resolves
it once here; nothing moves tensors to a GPU behind the caller's back.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from studio.errors import DependencyError, InputError

if TYPE_CHECKING:
    import torch

DeviceChoice = Literal["auto", "cpu", "cuda"]
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda")
"""What the CLI and the app offer; ``cuda:N`` is accepted too."""

_CUDA = re.compile(r"cuda(?::\d+)?")


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when torch sees a GPU, else ``"cpu"``; ``"cpu"``, ``"cuda"``, ``"cuda:N"`` as
    given. ``DependencyError`` for CUDA on a machine without it, ``InputError`` for any other name."""
    name = str(device).strip().lower()
    if name == "cpu":
        return "cpu"
    if name != "auto" and not _CUDA.fullmatch(name):
        raise InputError(f"Unknown device {device!r}.", "Use auto, cpu, cuda or cuda:N.")
    import torch

    available = torch.cuda.is_available()
    if name == "auto":
        return "cuda" if available else "cpu"
    if not available:
        raise DependencyError(
            f"CUDA was requested (device {device!r}) but torch sees no GPU on this machine.",
            "Use --device cpu.",
        )
    index = int(name.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise DependencyError(
            f"The device {device!r} does not exist: torch sees {torch.cuda.device_count()} GPU(s).",
            "Use cuda:0 (or cuda).",
        )
    return name


def torch_device(device: str = "auto") -> torch.device:
    """:func:`resolve_device` as a ``torch.device``."""
    import torch

    return torch.device(resolve_device(device))
