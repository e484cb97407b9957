"""3D Gaussian splats: scenes, training (CUDA via gsplat, CPU via our own rasterizer), export and product spins.

Import the submodules you need (``studio.splat.scene``, ``.train``, ``.export``, ``.spin`` ...); this package
imports nothing heavy by itself.
"""

from __future__ import annotations
