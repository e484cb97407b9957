"""Adaptive density control of 3DGS (clone, split, prune, opacity reset) as a strategy object.

The shape follows gsplat's ``DefaultStrategy`` (``gsplat/strategy/default.py``): :class:`Densify` holds the
hyper-parameters only; the running statistics live in a plain dict from :meth:`Densify.initialize_state` that the
training loop keeps (and checkpoints) and passes back in on every step. Nothing is hidden on the object.

One difference from gsplat: :meth:`Densify.step_post_backward` runs after the optimiser has applied the step
(gsplat calls it before ``optimizer.step()``), with ``step`` the number of steps done. That is the order this
trainer has always used, so models trained before and after the strategy was split out are the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from studio.errors import ConfigError
from studio.splat.optim import RowAdam
from studio.splat.rasterize import quat_to_rotmat

# params: {"means" [N, 3], "quats" [N, 4], "log_scales" [N, 3], "opacity_logits" [N], "sh0", "shN"}, leaves.
Params = dict[str, Tensor]


def _leaf(t: Tensor) -> Tensor:
    return t.detach().clone().requires_grad_(True)


@dataclass(frozen=True)
class Densify:
    """3DGS densification hyper-parameters (defaults as the paper; see ``TrainConfig.compact`` for the CPU's)."""

    refine_start: int = 500  # densification starts after this step ...
    refine_stop: int = 15_000  # ... and stops at this step
    refine_every: int = 100  # densify / prune every this many steps
    reset_every: int = 3000  # reset all opacities to 2 x prune_opacity every this many steps (0 = never)
    grow_grad2d: float = 0.0002  # mean screen-space gradient (NDC) above which Gaussians are cloned/split
    grow_scale3d: float = 0.01  # Gaussians larger than this (times the extent) are split, smaller ones cloned
    prune_opacity: float = 0.005  # Gaussians less opaque than this are removed
    prune_scale3d: float = 0.1  # after the first opacity reset, Gaussians larger than this x extent go
    max_gaussians: int = 1_000_000  # densification never grows the model past this

    def __post_init__(self) -> None:
        checks = [
            (self.refine_every >= 1, "refine_every must be >= 1"),
            (self.max_gaussians >= 16, "max_gaussians must be >= 16"),
            (self.reset_every >= 0, "reset_every must be >= 0"),
            (0.0 <= self.prune_opacity < 0.5, "prune_opacity must be in 0..0.5"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"Invalid densification settings: {message}.", f"Got {self!r}.")

    # ------------------------------------------------------------------------------------ running state

    def initialize_state(self, n: int, extent: float, seed: int, device: torch.device | str = "cpu") -> dict:
        """The running state: ``grad2d`` [N] (accumulated screen-space gradient norms since the last
        refinement), ``count`` [N] (how often each Gaussian was drawn since then), the scene ``extent`` and the
        ``seed`` of the split samples."""
        return {
            "grad2d": torch.zeros(n, device=device),
            "count": torch.zeros(n, device=device),
            "extent": float(extent),
            "seed": int(seed),
        }

    # ------------------------------------------------------------------------------------ the two hooks

    def step_pre_backward(
        self, params: Params, optimizer: RowAdam, state: dict, step: int, info: dict[str, Any]
    ) -> None:
        """Before ``loss.backward()``: keep the gradient of the projected centres (``info["means2d"]``)."""
        info["means2d"].retain_grad()

    @torch.no_grad()
    def step_post_backward(
        self, params: Params, optimizer: RowAdam, state: dict, step: int, info: dict[str, Any]
    ) -> dict[str, int]:
        """After the optimiser step; ``step`` = steps done (this one included). Accumulates the screen-space
        gradients of ``info`` (``means2d``, ``radii``, ``width``, ``height``), then on schedule grows / prunes
        (``params`` and ``optimizer`` edited in place) or resets opacities. Returns what changed."""
        changes = {"cloned": 0, "split": 0, "pruned": 0}
        if step - 1 < self.refine_stop and info["means2d"].grad is not None:
            # screen-space gradient in NDC units (as gsplat)
            g2 = info["means2d"].grad.reshape(-1, 2).clone()
            g2[:, 0] *= info["width"] / 2.0
            g2[:, 1] *= info["height"] / 2.0
            drawn = (info["radii"].reshape(-1, 2) > 0).all(dim=-1)
            state["grad2d"] += torch.where(drawn, g2.norm(dim=-1), torch.zeros_like(state["grad2d"]))
            state["count"] += drawn.to(state["count"].dtype)
        if self.refine_start < step < self.refine_stop and step % self.refine_every == 0:
            changes = self._refine(params, optimizer, state, step)
        if self.reset_every and step % self.reset_every == 0 and step < self.refine_stop:
            self._reset_opacity(params, optimizer)
        return changes

    # ------------------------------------------------------------------------------------ the heuristics

    def _refine(self, p: Params, optimizer: RowAdam, state: dict, step: int) -> dict[str, int]:
        """Clone small / split large Gaussians with high screen gradients, prune transparent (and, after the
        first opacity reset, huge) ones, and restart the statistics."""
        device = p["means"].device
        n = int(p["means"].shape[0])
        extent = state["extent"]
        avg = state["grad2d"] / state["count"].clamp_min(1)
        high = avg > self.grow_grad2d
        max_scale = torch.exp(p["log_scales"]).max(dim=1).values
        small = max_scale <= self.grow_scale3d * extent
        # Respect the size cap: grow the Gaussians with the highest gradients first.
        room = max(0, self.max_gaussians - n)
        candidates = torch.nonzero(high).squeeze(1)
        if len(candidates) > room:
            order = torch.argsort(avg[candidates], descending=True, stable=True)
            candidates = candidates[order[:room]]
        grow = torch.zeros(n, dtype=torch.bool, device=device)
        grow[candidates] = True
        clone = grow & small
        split = grow & ~small
        n_clone, n_split = int(clone.sum()), int(split.sum())

        new_rows: dict[str, list[Tensor]] = {k: [] for k in p}
        if n_clone:
            for k in p:
                new_rows[k].append(p[k][clone])
        if n_split:
            gen = torch.Generator().manual_seed(state["seed"] * 1_000_003 + step)
            idx = torch.nonzero(split).squeeze(1)
            scales = torch.exp(p["log_scales"][idx])
            rot = quat_to_rotmat(p["quats"][idx])
            noise = torch.randn(2, len(idx), 3, generator=gen).to(device)
            offsets = torch.einsum("nij,nj,bnj->bni", rot, scales, noise)  # [2, S, 3] samples of each
            for k in p:
                if k == "means":
                    rows = (p[k][idx][None] + offsets).reshape(-1, 3)
                elif k == "log_scales":
                    rows = torch.log(scales / 1.6).repeat(2, 1)
                else:
                    rows = p[k][idx].repeat((2,) + (1,) * (p[k].dim() - 1))
                new_rows[k].append(rows)
        added = 2 * n_split + n_clone
        opac = torch.sigmoid(p["opacity_logits"])
        prune = opac < self.prune_opacity
        if self.reset_every and step > self.reset_every:
            prune |= max_scale > self.prune_scale3d * extent
        keep = ~(prune | split)
        # Never prune everything: an empty model cannot recover.
        if not bool(keep.any()) and not added:
            keep = ~split if bool((~split).any()) else torch.ones_like(keep)
        n_pruned = n - int(keep.sum()) - n_split
        for k in p:
            kept = p[k][keep].detach()
            p[k] = _leaf(torch.cat([kept, *new_rows[k]]) if new_rows[k] else kept)
        optimizer.select(keep)
        optimizer.append_zeros(added)
        m = int(p["means"].shape[0])
        state["grad2d"] = torch.zeros(m, device=device)
        state["count"] = torch.zeros(m, device=device)
        return {"cloned": n_clone, "split": n_split, "pruned": n_pruned}

    def _reset_opacity(self, p: Params, optimizer: RowAdam) -> None:
        value = 2.0 * self.prune_opacity
        limit = math.log(value / (1.0 - value))
        p["opacity_logits"] = _leaf(torch.clamp_max(p["opacity_logits"].detach(), limit))
        optimizer.reset("opacity_logits")
