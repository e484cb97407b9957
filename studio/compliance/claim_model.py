"""A small learned claim classifier: the second check on ad copy, after the phrase rules.

The phrase rules (``text``) are precise but only catch the wordings their lexicons list; on copy written by
someone who never saw them they miss paraphrases. This model scores every sentence of the copy for medical
efficacy or exaggeration (藥事法 §69, 食安法 §28) from its character n-grams, so it generalises to wordings no
rule lists. It is weight-light and explainable:

- **Features**: the sentence in the screen's own matching form (``text.normalise``: NFKC full-width -> half-width,
  zero-width characters dropped, joiner punctuation between CJK characters dropped, Traditional folded onto
  Simplified), lower case; every character n-gram of length 1-4 (spaces and CJK alike: Chinese has no word
  boundaries), each once, plus the same n-grams crossed with the product category (``food|降血``) and a bias per
  category. Each feature is hashed (CRC-32) into ``dim`` buckets; a sentence's vector is binary, scaled by
  ``1/sqrt(number of features)``.
- **Model**: logistic regression (trained by ``bench/train_claims_classifier.py``, numpy only), weights in
  ``claim_model.safetensors`` next to this module: ``weights`` (float16, ``dim``), ``bias`` and ``threshold``
  (float32, one value each), and the metadata ``dim``, ``ngram_max``, ``version`` and ``trained_on``.
- **Decision**: the copy is split into sentences (at 。！？.!? and line breaks, and into windows of at most
  ``_WINDOW`` characters), each sentence is scored, and the highest score is the copy's. A score at or above the
  threshold is a finding of rule ``tw-ads.model.claim``, action ``review`` (never ``block``: a model alone does
  not block), naming the score and the n-grams that contributed most.

The work is linear in the length of the copy: at most ``4 * len`` n-grams per mode, each hashed once.
Loading is lazy and cached once per process (``load_model``); a missing or corrupt weights file raises
``ModelError`` with a one-line message, which ``text.check_text`` turns into a ``review`` finding (fail closed).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from studio.errors import ModelError

RULE = "tw-ads.model.claim"
LEGAL = "藥事法§69 / 食安法§28"
WEIGHTS = Path(__file__).with_name("claim_model.safetensors")
NGRAM_MAX = 4
_WINDOW = 160  # characters: a longer run without a sentence break is scored in windows (bounded work each)
_SENTENCE_BREAKS = set(".!?。!?\n\r;;")
_TOP = 5  # n-grams named in a finding


@dataclass(frozen=True)
class ClaimModel:
    """Hashed n-gram logistic regression: ``weights`` (``dim``,), ``bias``, decision ``threshold``."""

    weights: np.ndarray
    bias: float
    threshold: float
    ngram_max: int = NGRAM_MAX
    version: str = ""
    trained_on: str = ""

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])


@dataclass(frozen=True)
class ClaimScore:
    """The score of the highest-scoring sentence, which sentence, and its top contributing n-grams."""

    score: float
    sentence: str
    start: int  # offsets into the normalised copy
    end: int
    top: tuple[tuple[str, float], ...]  # (n-gram, contribution to the logit), largest first


def ngrams(sentence: str, ngram_max: int = NGRAM_MAX) -> list[str]:
    """The distinct character n-grams (1..``ngram_max``) of an already normalised sentence, in first-seen order."""
    sentence = " ".join(sentence.split())
    seen: dict[str, None] = {}
    n = len(sentence)
    for i in range(n):
        for k in range(1, ngram_max + 1):
            if i + k > n:
                break
            gram = sentence[i : i + k]
            if gram.strip() == "":
                continue
            seen.setdefault(gram, None)
    return list(seen)


def _bucket(feature: str, dim: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % dim


def features(
    sentence: str, category: str, dim: int, ngram_max: int = NGRAM_MAX
) -> tuple[list[str], np.ndarray]:
    """(names, bucket indices) of a normalised sentence's features for ``category``.

    Each n-gram appears twice (alone and crossed with the category), then one category bias feature; the
    index array has ``2 * len(names) + 1`` entries (names are the n-grams, in order).
    """
    grams = ngrams(sentence, ngram_max)
    idx = np.empty(2 * len(grams) + 1, dtype=np.int64)
    for j, gram in enumerate(grams):
        idx[2 * j] = _bucket(gram, dim)
        idx[2 * j + 1] = _bucket(f"{category}|{gram}", dim)
    idx[-1] = _bucket(f"cat={category}", dim)
    return grams, idx


def sentences(norm: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of normalised copy: at sentence breaks, at most ``_WINDOW`` long."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(norm):
        if ch in _SENTENCE_BREAKS or i - start >= _WINDOW:
            if norm[start:i].strip():
                spans.append((start, i))
            start = i + 1 if ch in _SENTENCE_BREAKS else i
    if norm[start:].strip():
        spans.append((start, len(norm)))
    return spans


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def score_sentence(
    model: ClaimModel, sentence: str, category: str
) -> tuple[float, tuple[tuple[str, float], ...]]:
    """Probability that one normalised sentence is a violating claim for ``category``, and its top n-grams."""
    grams, idx = features(sentence, category, model.dim, model.ngram_max)
    if not grams:
        return 0.0, ()
    scale = 1.0 / math.sqrt(len(idx))
    w = model.weights[idx].astype(np.float64) * scale
    logit = float(w.sum()) + model.bias
    per_gram = w[0:-1:2] + w[1:-1:2]
    order = np.argsort(-per_gram, kind="stable")[:_TOP]
    top = tuple((grams[j], round(float(per_gram[j]), 3)) for j in order if per_gram[j] > 0)
    return _sigmoid(logit), top


def score_text(
    model: ClaimModel,
    norm: str,
    category: str,
    meter: object | None = None,
    skip: Sequence[tuple[int, int]] = (),
) -> ClaimScore | None:
    """The highest-scoring sentence of normalised copy ``norm``; ``None`` for copy without any text.

    ``skip``: (start, end) spans of ``norm`` (sorted by start) whose sentences are not scored: ``check_text``
    passes the claims the rules found and judged negated or disclaimed (不能治療失眠, 「不具治療或預防疾病之效果」),
    which the rules have already decided (a warning) and the model must not overrule.
    """
    best: ClaimScore | None = None
    k = 0
    for start, end in sentences(norm):
        while k < len(skip) and skip[k][1] <= start:
            k += 1
        if any(a < end and start < b for a, b in skip[k : k + 8]):
            continue
        piece = norm[start:end]
        score, top = score_sentence(model, piece, category)
        if meter is not None:
            meter.steps += model.ngram_max * len(piece)  # type: ignore[attr-defined]
        if best is None or score > best.score:
            best = ClaimScore(score=score, sentence=piece.strip(), start=start, end=end, top=top)
    if meter is not None:
        meter.steps += len(norm)  # type: ignore[attr-defined]
    return best


def save_model(path: Path, model: ClaimModel) -> None:
    """Write ``model`` as safetensors (to a temp file, then renamed)."""
    from safetensors.numpy import save_file

    tmp = path.with_name(path.name + ".tmp")
    save_file(
        {
            "weights": model.weights.astype(np.float16),
            "bias": np.array([model.bias], dtype=np.float32),
            "threshold": np.array([model.threshold], dtype=np.float32),
        },
        str(tmp),
        metadata={
            "dim": str(model.dim),
            "ngram_max": str(model.ngram_max),
            "version": model.version,
            "trained_on": model.trained_on,
        },
    )
    tmp.replace(path)


def read_model(path: Path) -> ClaimModel:
    """Load a weights file; ``ModelError`` (one line: the file and what is wrong) when it is missing or corrupt."""
    hint = "rebuild it with `python bench/train_claims_classifier.py` or reinstall studio"
    if not path.is_file():
        raise ModelError(f"claim model weights {path} are missing", hint)
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as fh:
            meta = fh.metadata() or {}
            weights = fh.get_tensor("weights")
            bias = fh.get_tensor("bias")
            threshold = fh.get_tensor("threshold")
        dim = int(meta.get("dim", "0"))
        ngram_max = int(meta.get("ngram_max", "0"))
    except Exception as exc:  # any decoding failure is a corrupt file
        raise ModelError(
            f"claim model weights {path} are corrupt ({type(exc).__name__}: {exc})", hint
        ) from exc
    if weights.ndim != 1 or weights.shape[0] != dim or dim < 2 or not 1 <= ngram_max <= 8:
        raise ModelError(
            f"claim model weights {path} are corrupt (weights {weights.shape}, dim {dim}, ngram_max {ngram_max})",
            hint,
        )
    values = (bias.reshape(-1)[:1], threshold.reshape(-1)[:1])
    if any(v.shape != (1,) for v in values) or not np.all(np.isfinite(weights)):
        raise ModelError(f"claim model weights {path} are corrupt (non-finite or missing values)", hint)
    b, t = float(values[0][0]), float(values[1][0])
    if not (math.isfinite(b) and 0.0 < t < 1.0):
        raise ModelError(f"claim model weights {path} are corrupt (bias {b}, threshold {t})", hint)
    return ClaimModel(
        weights=weights.astype(np.float32),
        bias=b,
        threshold=t,
        ngram_max=ngram_max,
        version=meta.get("version", ""),
        trained_on=meta.get("trained_on", ""),
    )


def load_model(path: Path | None = None) -> ClaimModel:
    """The model at ``path`` (default: the shipped ``WEIGHTS``), read once per process per file.

    A failure is not cached: the next call tries again (and fails again, with the same one-line reason).
    """
    return _cached(Path(WEIGHTS if path is None else path))


@lru_cache(maxsize=4)
def _cached(path: Path) -> ClaimModel:
    return read_model(path)


def message(
    result: ClaimScore,
    threshold: float,
    top: Sequence[tuple[str, float]] | None = None,
    sentence: str | None = None,
) -> str:
    """The finding's message; ``top`` and ``sentence`` as the user wrote them (default: the normalised forms)."""
    grams = ", ".join(f"「{g}」 {c:+.2f}" for g, c in (result.top if top is None else top)) or "none"
    quote = " ".join((result.sentence if sentence is None else sentence).split())
    quote = quote if len(quote) <= 60 else quote[:57] + "..."
    return (
        f"Model score {result.score:.2f} (threshold {threshold:.2f}) of the learned claim classifier for "
        f"「{quote}」: it reads like a medical-efficacy or exaggerated claim ({LEGAL}); top n-grams: {grams}. "
        "A model score, not a listed phrase: a person must review it."
    )
