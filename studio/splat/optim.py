"""Adam over a dict of row tensors whose rows can be appended, selected and reset (densification) and saved.

``torch.optim.Adam`` keeps its moments per ``Parameter`` object, so every clone / split / prune would mean
rebuilding optimisers; here the moments are plain tensors in dicts, edited alongside the parameters.
"""

from __future__ import annotations

import torch
from torch import Tensor


class RowAdam:
    """Adam (bias-corrected, eps 1e-15 as 3DGS) over ``params: {name: Tensor [N, ...]}`` with per-name lrs."""

    def __init__(self, params: dict[str, Tensor], lrs: dict[str, float], betas=(0.9, 0.999), eps=1e-15):
        self.lrs = dict(lrs)
        self.betas = betas
        self.eps = eps
        self.t = 0
        self.m = {k: torch.zeros_like(v) for k, v in params.items()}
        self.v = {k: torch.zeros_like(v) for k, v in params.items()}

    @torch.no_grad()
    def step(self, params: dict[str, Tensor]) -> None:
        """Apply each parameter's ``.grad`` (then clear it); parameters without a gradient are left alone."""
        self.t += 1
        b1, b2 = self.betas
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        for name, p in params.items():
            g = p.grad
            if g is None or p.numel() == 0:
                continue
            m, v = self.m[name], self.v[name]
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = (v / c2).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-self.lrs[name] / c1)
            p.grad = None

    def select(self, keep: Tensor) -> None:
        """Keep the moments of the rows ``keep`` (bool [N] or indices)."""
        for d in (self.m, self.v):
            for k in d:
                d[k] = d[k][keep]

    def append_zeros(self, n: int) -> None:
        """Zero moments for ``n`` new rows at the end."""
        for d in (self.m, self.v):
            for k in d:
                d[k] = torch.cat(
                    [d[k], torch.zeros((n, *d[k].shape[1:]), dtype=d[k].dtype, device=d[k].device)]
                )

    def reset(self, name: str) -> None:
        self.m[name].zero_()
        self.v[name].zero_()
