"""Train the learned claim classifier (studio/compliance/claim_model.py) and measure it leave-one-set-out.

Data: every labelled set in the repository, each a *group* (one writer per set):
``corpus`` (bench/data/claims_corpus.yaml, all splits: dev, held-out, fresh), ``blind1``, ``blind2``, ``blind3``,
``blind4``, ``blind5``, ``blind6``, ``blind7``, ``blind8``, ``blind9``, ``blind10``, ``blind11b``, ``blind12``, ``blind11ac``,
``blind13``, ``blind14``, ``blind15``, ``blind16``, ``blind17``, ``blind18``, ``blind19``, ``blind20`` (each scored once while blind,
development sets since), ``check2`` (claims_check_claims2.yaml), ``dev4``
(claims_dev4.yaml: the claims4 engineer's sentences on alcohol, drugs, health-food functions and exaggeration),
``other`` (tw_ads_sentences.yaml, own category only) and ``neutral`` (claims_neutral.yaml: plain allowed ad copy,
background negatives written for the classifier) and ``lookalike5`` (claims_lookalikes5.yaml: allowed charity,
service, caution, specification and policy copy with disease or guarantee words, written by the claims5 engineer
from the blind sets' label rules). Each sentence
gives one sample with its own category (``label``) and, when it has a default-category label and its category is
not ``general``, one with ``general`` (``general``).

Leave-one-set-out: for each set, train on the others and score it; the decision threshold is the lowest one at
which the classifier alone has a false-positive rate <= ``--fpr`` (1.5 % since claims9, was 2 %: at 1.5 % the pooled
out-of-set screen kept its recall, 0.995 own and 0.986 default, and its false alarms fell, 1.5 -> 1.1 % own and 2.1 ->
1.7 % default, and plain prose got fewer review findings; the screen's budget is 5 %, and the rules
alone have used 1-4 % of it on each blind set) on the pooled out-of-set scores. The table
gives, per held-out set and mode (and per category of the held-out rows, ``--json``), recall / FPR of the rules
alone, the classifier alone and the full screen: ``check_text`` itself with that fold's model (the classifier runs
only when no rule stopped the copy, and skips sentences a rule judged negated). The final model is trained on every set and written with that threshold.

    .venv/bin/python bench/train_claims_classifier.py [--out FILE] [--no-loso] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from compliance_claims import _V1_FLAGGING, DATA, FLAGGING, OTHER, load_corpus, load_file

from studio.compliance import claim_model as cm
from studio.compliance.rules import load_packs
from studio.compliance.text import check_text, normalise

SETS = {
    "corpus": DATA,
    "blind1": ROOT / "bench" / "data" / "claims_blind1.yaml",
    "blind2": ROOT / "bench" / "data" / "claims_blind2.yaml",
    "blind3": ROOT / "bench" / "data" / "claims_blind3.yaml",
    "blind4": ROOT / "bench" / "data" / "claims_blind4.yaml",
    "blind5": ROOT / "bench" / "data" / "claims_blind5.yaml",
    "blind6": ROOT / "bench" / "data" / "claims_blind6.yaml",
    "blind7": ROOT / "bench" / "data" / "claims_blind7.yaml",
    "blind8": ROOT / "bench" / "data" / "claims_blind8.yaml",
    "blind9": ROOT / "bench" / "data" / "claims_blind9.yaml",
    "blind10": ROOT / "bench" / "data" / "claims_blind10.yaml",
    "blind11b": ROOT / "bench" / "data" / "claims_blind11b.yaml",
    "blind12": ROOT / "bench" / "data" / "claims_blind12.yaml",
    "blind11ac": ROOT / "bench" / "data" / "claims_blind11ac.yaml",
    "blind13": ROOT / "bench" / "data" / "claims_blind13.yaml",
    "blind14": ROOT / "bench" / "data" / "claims_blind14.yaml",
    "blind15": ROOT / "bench" / "data" / "claims_blind15.yaml",
    "blind16": ROOT / "bench" / "data" / "claims_blind16.yaml",
    "blind17": ROOT / "bench" / "data" / "claims_blind17.yaml",
    "blind18": ROOT / "bench" / "data" / "claims_blind18.yaml",
    "blind19": ROOT / "bench" / "data" / "claims_blind19.yaml",
    "blind20": ROOT / "bench" / "data" / "claims_blind20.yaml",
    "check2": ROOT / "bench" / "data" / "claims_check_claims2.yaml",
    "dev4": ROOT / "bench" / "data" / "claims_dev4.yaml",
    "other": OTHER,
    "neutral": ROOT / "bench" / "data" / "claims_neutral.yaml",
    "lookalike5": ROOT / "bench" / "data" / "claims_lookalikes5.yaml",
}
DIM = 1 << 18


def load_samples(limit: int | None = None) -> list[dict]:
    """One dict per (sentence, mode): text, category, y (1 violating), group, mode."""
    samples: list[dict] = []
    for group, path in SETS.items():
        if group == "corpus":
            rows = load_corpus(path)
        elif group == "other":
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))["sentences"]
            rows = [
                {
                    "text": r["text"],
                    "cat": r["category"],
                    "label": "violating" if any(x in _V1_FLAGGING for x in r["expect"]) else "allowed",
                    "general": "",
                }
                for r in doc
            ]
        else:
            rows = load_file(path)
        if limit:
            rows = rows[:limit]
        for r in rows:
            samples.append(
                {"text": r["text"], "cat": r["cat"], "y": int(r["label"] == "violating"), "group": group,
                 "mode": "category", "row_cat": r["cat"]}
            )  # fmt: skip
            if r["general"] and r["cat"] != "general":
                samples.append(
                    {"text": r["text"], "cat": "general", "y": int(r["general"] == "violating"),
                     "group": group, "mode": "default", "row_cat": r["cat"]}
                )  # fmt: skip
    return samples


def design(samples: list[dict], dim: int, ngram_max: int = cm.NGRAM_MAX) -> tuple[np.ndarray, ...]:
    """(row, column, value) of the sparse feature matrix (binary, rows scaled by 1/sqrt(nnz))."""
    rows, cols, vals = [], [], []
    for i, s in enumerate(samples):
        _, idx = cm.features(normalise(s["text"]), s["cat"], dim, ngram_max)
        rows.append(np.full(len(idx), i, dtype=np.int64))
        cols.append(idx)
        vals.append(np.full(len(idx), 1.0 / np.sqrt(len(idx))))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def fit(
    X: tuple[np.ndarray, np.ndarray, np.ndarray],
    y: np.ndarray,
    dim: int,
    *,
    l2: float,
    epochs: int,
    lr: float,
) -> tuple[np.ndarray, float]:
    """L2 logistic regression, class-balanced, full-batch Adam from zeros (deterministic)."""
    r, c, v = X
    n = len(y)
    pos = max(1, int(y.sum()))
    sw = np.where(y == 1, n / (2 * pos), n / (2 * max(1, n - pos)))
    w = np.zeros(dim)
    b = 0.0
    m_w, v_w = np.zeros(dim), np.zeros(dim)
    m_b = v_b = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, epochs + 1):
        z = np.bincount(r, weights=v * w[c], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-z))
        g = sw * (p - y) / n
        gw = np.bincount(c, weights=v * g[r], minlength=dim) + l2 * w
        gb = float(g.sum())
        m_w = beta1 * m_w + (1 - beta1) * gw
        v_w = beta2 * v_w + (1 - beta2) * gw * gw
        w -= lr * (m_w / (1 - beta1**t)) / (np.sqrt(v_w / (1 - beta2**t)) + eps)
        m_b = beta1 * m_b + (1 - beta1) * gb
        v_b = beta2 * v_b + (1 - beta2) * gb * gb
        b -= lr * (m_b / (1 - beta1**t)) / (np.sqrt(v_b / (1 - beta2**t)) + eps)
    return w, b


def predict(model: cm.ClaimModel, samples: list[dict]) -> np.ndarray:
    out = []
    for s in samples:
        result = cm.score_text(model, normalise(s["text"]), s["cat"])
        out.append(0.0 if result is None else result.score)
    return np.array(out)


def threshold_for(scores: np.ndarray, y: np.ndarray, fpr: float) -> float:
    """The lowest threshold with false-positive rate <= ``fpr`` (a score >= threshold is flagged)."""
    neg = np.sort(scores[y == 0])[::-1]
    allowed = int(np.floor(fpr * len(neg)))  # false positives we may have
    # flagged negatives = count(neg >= t); keep it <= allowed: t just above the (allowed+1)-th highest negative
    if allowed >= len(neg):
        return 0.5
    return float(np.nextafter(neg[allowed], 1.0))


def rates(flag: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None, int]:
    pos, neg = y == 1, y == 0
    rec = float(flag[pos].mean()) if pos.any() else None
    fp = float(flag[neg].mean()) if neg.any() else None
    return rec, fp, len(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=cm.WEIGHTS, help="the weights file to write")
    parser.add_argument(
        "--no-loso", action="store_true", help="skip leave-one-set-out (threshold --threshold)"
    )
    parser.add_argument("--threshold", type=float, default=0.5, help="threshold with --no-loso")
    parser.add_argument("--limit", type=int, help="use the first N sentences of each set (tests)")
    parser.add_argument("--fpr", type=float, default=0.015, help="classifier-alone FPR the threshold allows")
    parser.add_argument("--dim", type=int, default=DIM)
    parser.add_argument("--ngram-max", type=int, default=cm.NGRAM_MAX, help="longest character n-gram")
    parser.add_argument("--l2", type=float, default=1e-6)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    samples = load_samples(args.limit)
    y = np.array([s["y"] for s in samples], dtype=np.float64)
    groups = np.array([s["group"] for s in samples])
    modes = np.array([s["mode"] for s in samples])
    X = design(samples, args.dim, args.ngram_max)
    fit_kw = {"l2": args.l2, "epochs": args.epochs, "lr": args.lr}
    report: dict = {"samples": len(samples), "sets": {g: int((groups == g).sum()) for g in SETS}}
    threshold = args.threshold
    if not args.no_loso:
        oof = np.zeros(len(samples))
        folds: dict[str, cm.ClaimModel] = {}
        for g in SETS:
            test = groups == g
            if not test.any():
                continue
            keep = np.flatnonzero(~test)
            remap = np.full(len(samples), -1)
            remap[keep] = np.arange(len(keep))
            mask = ~test[X[0]]
            Xtr = (remap[X[0][mask]], X[1][mask], X[2][mask])
            w, b = fit(Xtr, y[keep], args.dim, **fit_kw)
            model = cm.ClaimModel(
                weights=w.astype(np.float16).astype(np.float32),
                bias=b,
                threshold=0.5,
                ngram_max=args.ngram_max,
            )
            idx = np.flatnonzero(test)
            oof[idx] = predict(model, [samples[i] for i in idx])
            folds[g] = model
        threshold = threshold_for(oof, y, args.fpr)
        packs = load_packs(None)

        def flags(s: dict, claim_model: bool | cm.ClaimModel) -> bool:
            found = check_text(s["text"], packs, s["cat"], claim_model=claim_model)
            return any(f.action in FLAGGING for f in found)

        rules = np.array([flags(s, False) for s in samples])
        screen = np.array(
            [flags(s, dataclasses.replace(folds[s["group"]], threshold=threshold)) for s in samples]
        )
        clf = oof >= threshold
        row_cats = np.array([s["row_cat"] for s in samples])
        table = []
        for g in (*SETS, "all"):
            for mode in ("category", "default"):
                sel = (groups == g if g != "all" else np.ones(len(y), bool)) & (modes == mode)
                if not sel.any():
                    continue
                per_cat = {
                    c: {"n": int((sel & (row_cats == c)).sum()),
                        "screen": rates(screen[sel & (row_cats == c)], y[sel & (row_cats == c)])}
                    for c in sorted(set(row_cats[sel]))
                }  # fmt: skip
                table.append(
                    {
                        "set": g, "mode": mode, "n": int(sel.sum()),
                        "rules": rates(rules[sel], y[sel]), "classifier": rates(clf[sel], y[sel]),
                        "either": rates(screen[sel], y[sel]), "per_category": per_cat,
                    }
                )  # fmt: skip
        report["loso"] = table
        report["threshold"] = threshold
        # how the choice of --fpr trades recall for false positives (rules OR classifier, pooled out-of-set scores;
        # the screen itself also skips sentences a rule judged negated, so its FPR is at most this)
        sweep = []
        for target in (0.01, 0.02, 0.03, 0.05):
            t = threshold_for(oof, y, target)
            row = {"fpr_target": target, "threshold": t}
            for mode in ("category", "default"):
                sel = modes == mode
                row[mode] = rates((rules | (oof >= t))[sel], y[sel])
            sweep.append(row)
        report["sweep"] = sweep
    w, b = fit(X, y, args.dim, **fit_kw)
    model = cm.ClaimModel(
        weights=w.astype(np.float32),
        bias=b,
        threshold=float(np.clip(threshold, 1e-6, 1 - 1e-6)),
        ngram_max=args.ngram_max,
        version=f"1 (trained {datetime.date.today().isoformat()})",
        trained_on=",".join(f"{g}:{int((groups == g).sum())}" for g in SETS),
    )
    cm.save_model(args.out, model)
    report["out"] = str(args.out)
    report["seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return

    def fmt(r: tuple) -> str:
        return " / ".join("-" if x is None else f"{x:.2f}" for x in r[:2])

    print(f"{len(samples)} samples {report['sets']}; threshold {threshold:.4f}; wrote {args.out}")
    if "loso" in report:
        print(
            "\n| held-out set | mode | n | rules: recall / FPR | classifier | screen (rules + classifier) |"
        )
        print("|---|---|---|---|---|---|")
        for row in report["loso"]:
            print(
                f"| {row['set']} | {row['mode']} | {row['n']} | {fmt(row['rules'])} | {fmt(row['classifier'])} |"
                f" {fmt(row['either'])} |"
            )
        print(
            "\nscreen (rules + out-of-set classifier) per category of the held-out rows, all sets together:\n"
        )
        print("| category | own category: n, recall / FPR | default `general`: n, recall / FPR |")
        print("|---|---|---|")
        pooled = {row["mode"]: row["per_category"] for row in report["loso"] if row["set"] == "all"}
        for c in sorted(set().union(*(p.keys() for p in pooled.values()))):
            cells = []
            for mode in ("category", "default"):
                cell = pooled.get(mode, {}).get(c)
                cells.append(f"{cell['n']}, {fmt(cell['screen'])}" if cell else "-")
            print(f"| {c} | {cells[0]} | {cells[1]} |")
        print("\n--fpr against the pooled out-of-set figures of rules OR classifier (recall / FPR):\n")
        print("| --fpr | threshold | own category | default `general` |\n|---|---|---|---|")
        for row in report["sweep"]:
            print(
                f"| {row['fpr_target']:.2f} | {row['threshold']:.3f} | {fmt(row['category'])} |"
                f" {fmt(row['default'])} |"
            )
    print(f"\n{report['seconds']} s")


if __name__ == "__main__":
    main()
