"""The time budget of one reconstruction: how the user's minutes are shared between SfM and training.

Pure arithmetic, no clock and no I/O: the pipeline passes in what it has measured so far.

``--max-minutes`` (the app's time limit) bounds the whole run, capture check to export. Before the heavy work
``plan_budget`` estimates SfM from the image count, the pixels SfM sees and the number of pairs matched
(``estimate_sfm_seconds``, calibrated on the 2-core machines these run on) and keeps a reserve for evaluation,
export and the compliance screen; whatever is left is training's. A run whose SfM estimate leaves training less
than ``min_train_seconds`` is refused before SfM starts (``InputError`` naming the numbers). After SfM,
``train_seconds`` gives training what is really left (measured elapsed time, not the estimate), and
``sfm_limit`` is how long an SfM that overruns its estimate may go on before the budget could hold no training.

``--train-minutes`` keeps the old meaning (training alone); with both, training gets the smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import InputError

# Seconds on a 2-core CPU (FIELD_NOTES: 59 photos at 1200x1600 -> extract 47 s, exhaustive match 23 s (1,711
# pairs), map 46 s; bench/README 12c: 97 photos at 1008x756 on a loaded box -> 58.7 s / 90.1 s / 28.4 s).
SFM_START_SECONDS = 4.0  # worker start, pycolmap import, database
EXTRACT_SECONDS_PER_MEGAPIXEL = 0.45  # SIFT per image, per megapixel seen
MATCH_SECONDS_PER_PAIR = 0.015  # brute-force SIFT matching + verification per pair at 8,192 features
MAP_SECONDS_PER_IMAGE = 0.7  # incremental mapping with bundle adjustment, per image (global: less)
RESERVE_SECONDS = 15.0  # evaluation on held-out views, exports and the compliance screen: fixed part ...
RESERVE_SHARE = 0.03  # ... plus this share of the whole budget
MIN_TRAIN_SECONDS = 30.0  # fewer seconds of training do not make a model worth exporting ...
MIN_TRAIN_SHARE = 0.15  # ... nor less than this share of the budget
TRAIN_FLOOR_SECONDS = 10.0  # what training still gets when SfM overran its estimate (a model, not nothing)


def estimate_sfm_seconds(
    n_images: int,
    megapixels: float,
    pairs: int,
    *,
    max_features: int = 8192,
    mapper: str = "incremental",
) -> dict[str, float]:
    """Estimated seconds per SfM stage (``extract``, ``match``, ``map``) and ``total`` on 2 CPU cores, for
    ``n_images`` images of ``megapixels`` each (as SfM sees them) and ``pairs`` image pairs matched."""
    if n_images < 0 or megapixels < 0 or pairs < 0:
        raise ValueError(f"counts must be non-negative, got {n_images}, {megapixels}, {pairs}")
    features = max(max_features, 1) / 8192
    extract = n_images * megapixels * EXTRACT_SECONDS_PER_MEGAPIXEL * min(1.0, 0.5 + 0.5 * features)
    match = pairs * MATCH_SECONDS_PER_PAIR * features**2
    mapping = n_images * MAP_SECONDS_PER_IMAGE * (0.5 if mapper == "global" else 1.0)
    total = SFM_START_SECONDS + extract + match + mapping
    return {"extract": extract, "match": match, "map": mapping, "total": total}


@dataclass(frozen=True)
class BudgetPlan:
    """How ``total_seconds`` is shared: already spent, SfM (estimated), training, and the reserve kept for
    evaluation/export/screening. ``total_seconds`` None: no whole-run limit (``train_seconds`` may still hold
    a training-only limit)."""

    total_seconds: float | None
    spent_seconds: float
    sfm_seconds: float
    train_seconds: float | None
    reserve_seconds: float
    train_only_seconds: float | None = None  # the --train-minutes limit, if any

    def line(self) -> str:
        """The plan as the progress line shows it: ``budget 10.0 min: SfM ~3.1, training 6.2, export 0.5``."""
        if self.total_seconds is None:
            if self.train_seconds is None:
                return "no time limit"
            return f"training limit {self.train_seconds / 60:.1f} min"
        parts = [f"budget {self.total_seconds / 60:.1f} min:"]
        if self.spent_seconds >= 1:
            parts.append(f"spent {self.spent_seconds / 60:.1f},")
        if self.sfm_seconds > 0:
            parts.append(f"SfM ~{self.sfm_seconds / 60:.1f},")
        parts.append(f"training {(self.train_seconds or 0) / 60:.1f},")
        parts.append(f"export {self.reserve_seconds / 60:.1f}")
        return " ".join(parts)

    def to_json(self) -> dict[str, float | None]:
        return {
            "total_seconds": self.total_seconds,
            "spent_seconds": round(self.spent_seconds, 3),
            "sfm_seconds": round(self.sfm_seconds, 3),
            "train_seconds": None if self.train_seconds is None else round(self.train_seconds, 3),
            "reserve_seconds": round(self.reserve_seconds, 3),
            "train_only_seconds": self.train_only_seconds,
        }


def reserve_seconds(total_seconds: float) -> float:
    """Seconds kept back from training for evaluation, export and screening."""
    return RESERVE_SECONDS + RESERVE_SHARE * total_seconds


def min_train_seconds(total_seconds: float) -> float:
    """The least training a budget of ``total_seconds`` must leave room for."""
    return max(MIN_TRAIN_SECONDS, MIN_TRAIN_SHARE * total_seconds)


def plan_budget(
    total_seconds: float | None,
    spent_seconds: float,
    sfm_seconds: float,
    *,
    train_only_seconds: float | None = None,
    what: str = "this run",
    refuse: bool = True,
) -> BudgetPlan:
    """Share ``total_seconds`` (None: no whole-run limit): ``spent_seconds`` are gone, ``sfm_seconds`` (an
    estimate before SfM, 0 after it or without SfM) are SfM's, a reserve is kept, training gets the rest (and
    at most ``train_only_seconds``). ``InputError`` when training would get less than ``min_train_seconds``:
    the message says what ``what`` needs and the smallest budget that would hold it. With ``refuse`` False
    (after SfM, when the work is done and only the remainder can be shared) training gets what is left, at
    least ``TRAIN_FLOOR_SECONDS``."""
    if total_seconds is None:
        return BudgetPlan(None, spent_seconds, sfm_seconds, train_only_seconds, 0.0, train_only_seconds)
    if total_seconds <= 0:
        raise ValueError(f"total_seconds must be positive, got {total_seconds}")
    reserve = reserve_seconds(total_seconds)
    train = total_seconds - spent_seconds - sfm_seconds - reserve
    need = min_train_seconds(total_seconds)
    if train < need and not refuse:
        train = max(train, TRAIN_FLOOR_SECONDS)
    elif train < need:
        # the smallest T with T - spent - sfm - reserve(T) >= min_train(T)
        smallest = total_seconds
        while smallest - spent_seconds - sfm_seconds - reserve_seconds(smallest) < min_train_seconds(
            smallest
        ):
            smallest *= 1.1
        minutes = -(-smallest // 60)
        detail = f"{spent_seconds / 60:.1f} min spent so far, " if spent_seconds >= 1 else ""
        sfm = f"finding the camera poses takes about {sfm_seconds / 60:.1f} min, " if sfm_seconds > 0 else ""
        raise InputError(
            f"The time limit of {total_seconds / 60:.1f} min cannot hold {what}: {detail}{sfm}and training"
            f" needs at least {need / 60:.1f} min plus {reserve / 60:.1f} min to evaluate and export.",
            f"Allow at least {minutes:.0f} minutes"
            + (", or use fewer photos or a smaller --sfm-resolution." if sfm_seconds > 0 else "."),
        )
    if train_only_seconds is not None:
        train = min(train, train_only_seconds)
    return BudgetPlan(total_seconds, spent_seconds, sfm_seconds, train, reserve, train_only_seconds)


def sfm_limit(total_seconds: float | None, spent_seconds: float) -> float | None:
    """Seconds SfM may run (None: no limit): until only the reserve and ``TRAIN_FLOOR_SECONDS`` of training
    are left. The plan before SfM already refused runs whose estimate leaves less than ``min_train_seconds``;
    this is the hard stop for an SfM that overruns its estimate (a loaded machine), so the run still ends
    within its budget."""
    if total_seconds is None:
        return None
    return max(1.0, total_seconds - spent_seconds - reserve_seconds(total_seconds) - TRAIN_FLOOR_SECONDS)
