"""3D Gaussian splats: scenes, training (CUDA via gsplat, CPU via our own rasterizer), export and product spins.

Import the submodules you need (``studio.splat.scene``, ``.train``, ``.export``, ``.spin`` ...); this package
imports nothing heavy by itself.
"""

from __future__ import annotations

# A product spin published on its own (`studio splat render`, the 3D Studio's "Use in an ad"): square, one turn
# (or one swing across the photographed arc), 30 fps. Here, not in spin.py, so the CLI and the app read them
# without importing torch.
SPIN_SIZE = 720  # px
SPIN_SECONDS = 6.0
SPIN_FPS = 30
