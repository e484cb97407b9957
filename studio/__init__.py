"""studio: marketing studio (ads, 3D splats, compliance)."""

from __future__ import annotations

__version__ = "0.1.0"
