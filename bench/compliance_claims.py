"""Recall and false-positive rate of the ad-copy screen on the labelled claims corpus (bench/data/claims_corpus.yaml).

Each sentence is screened twice with the default packs (tw-ads, platform-general, ip): once with the product
category it was written for (scored against ``label``) and once with the default category ``general`` (scored
against ``general``; sentences whose answer depends on the category have an empty ``general`` and are left out).
A sentence is *flagged* when a phrase rule fires at ``block`` or ``review`` (a ``warn`` is published, so it counts
as not flagged). Figures are given per split (dev, held-out) and per category; misses and false alarms are listed
only for the dev split (``--show-errors``): the held-out split is for aggregate figures only.

    .venv/bin/python bench/compliance_claims.py [--json] [--show-errors] [--data FILE]
    .venv/bin/python bench/compliance_claims.py --other   # the same figures on bench/data/tw_ads_sentences.yaml

``--other`` scores, at the sentence level, the 141 sentences another session wrote for bench/compliance_text.py
(labelled with tw-ads v1 rule ids): a sentence is violating when a label names a rule whose action is ``block`` or
``review``. It is a corpus the claims lexicons were not written against; only its aggregate figures are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.compliance.rules import load_packs
from studio.compliance.text import check_text

DATA = ROOT / "bench" / "data" / "claims_corpus.yaml"
OTHER = ROOT / "bench" / "data" / "tw_ads_sentences.yaml"
# the actions of the tw-ads v1 rules the other corpus is labelled with (as shipped in v1)
_V1_FLAGGING = {
    "tw-ads.food.medical-efficacy", "tw-ads.food.exaggerated", "tw-ads.food.health-food-claim",
    "tw-ads.cosmetics.medical-efficacy", "tw-ads.cosmetics.exaggerated", "tw-ads.alcohol.health-claim",
    "tw-ads.tobacco.mention", "tw-ads.alcohol.required-warnings", "tw-ads.tobacco.ban", "tw-ads.drugs.permit",
}  # fmt: skip
FIELDS = {"text", "lang", "cat", "label", "general", "split", "basis"}
FLAGGING = ("block", "review")
SPLITS = ("dev", "held-out", "fresh")


def load_corpus(path: Path = DATA) -> list[dict]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["sentences"]
    for item in items:
        if set(item) != FIELDS:
            raise SystemExit(f"{path}: malformed entry {item!r} (fields {sorted(FIELDS)})")
        if item["label"] not in ("violating", "allowed") or item["general"] not in (
            "violating",
            "allowed",
            "",
        ):
            raise SystemExit(f"{path}: bad label in {item!r}")
        if item["split"] not in SPLITS:
            raise SystemExit(f"{path}: bad split in {item!r}")
    return items


def _scores(c: Counter) -> dict:
    tp, fp, fn, tn = c["tp"], c["fp"], c["fn"], c["tn"]
    return {
        "n": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "recall": tp / (tp + fn) if tp + fn else None,
        "fpr": fp / (fp + tn) if fp + tn else None,
        "precision": tp / (tp + fp) if tp + fp else None,
    }  # fmt: skip


def evaluate(data_path: Path = DATA) -> dict:
    items = load_corpus(data_path)
    packs = load_packs(None)
    cells: dict[tuple[str, str, str], Counter] = defaultdict(Counter)  # (mode, split, category|"all")
    errors: list[dict] = []
    calls = 0
    start = time.perf_counter()
    for item in items:
        for mode, category, truth in (
            ("category", item["cat"], item["label"]),
            ("default", "general", item["general"]),
        ):
            if not truth:
                continue
            findings = check_text(item["text"], packs, category)
            calls += 1
            hits = sorted({f"{f.rule}:{f.reference}" for f in findings if f.action in FLAGGING})
            flagged = bool(hits)
            outcome = ("tp" if flagged else "fn") if truth == "violating" else ("fp" if flagged else "tn")
            for key in (item["cat"], "all"):
                cells[(mode, item["split"], key)][outcome] += 1
            if outcome in ("fp", "fn") and item["split"] == "dev":
                errors.append(
                    {"mode": mode, "outcome": outcome, "cat": item["cat"], "text": item["text"], "hits": hits}
                )
    elapsed = time.perf_counter() - start
    result: dict = {
        "sentences": len(items),
        "languages": dict(Counter(item["lang"] for item in items)),
        "splits": dict(Counter(item["split"] for item in items)),
        "packs": {p.name: p.version for p in packs},
        "screens_per_second": calls / elapsed if elapsed else None,
        "figures": {},
        "dev_errors": errors,
    }
    for (mode, split, key), counter in sorted(cells.items()):
        result["figures"].setdefault(mode, {}).setdefault(split, {})[key] = _scores(counter)
    return result


def evaluate_other(data_path: Path = OTHER) -> dict:
    """Sentence-level recall and false-positive rate on the other session's corpus, per kind and overall."""
    items = yaml.safe_load(data_path.read_text(encoding="utf-8"))["sentences"]
    packs = load_packs(None)
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        violating = any(rule in _V1_FLAGGING for rule in item["expect"])
        flagged = any(f.action in FLAGGING for f in check_text(item["text"], packs, item["category"]))
        outcome = ("tp" if flagged else "fn") if violating else ("fp" if flagged else "tn")
        per_kind[item["kind"]][outcome] += 1
        per_kind["all"][outcome] += 1
    return {"sentences": len(items), "per_kind": {k: _scores(c) for k, c in sorted(per_kind.items())}}


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument(
        "--show-errors", action="store_true", help="list the dev split's misses and false alarms"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="the corpus YAML")
    parser.add_argument("--other", action="store_true", help="score bench/data/tw_ads_sentences.yaml instead")
    args = parser.parse_args()
    if args.other:
        other = evaluate_other()
        if args.json:
            print(json.dumps(other, ensure_ascii=False, indent=2))
            return
        print(f"{other['sentences']} sentences (bench/data/tw_ads_sentences.yaml), own category\n")
        print(
            "| kind | n | recall | false-positive rate | tp | fn | fp | tn |\n|---|---|---|---|---|---|---|---|"
        )
        for kind, sc in other["per_kind"].items():
            print(
                f"| {kind} | {sc['n']} | {_fmt(sc['recall'])} | {_fmt(sc['fpr'])} | {sc['tp']} | {sc['fn']} |"
                f" {sc['fp']} | {sc['tn']} |"
            )
        return
    result = evaluate(args.data)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(
        f"{result['sentences']} sentences {result['languages']} {result['splits']}; packs {result['packs']};"
        f" {result['screens_per_second']:.0f} screens/s"
    )
    titles = {"category": "screened with its own category", "default": "screened with the default `general`"}
    for mode in ("category", "default"):
        print(f"\n{titles[mode]}\n")
        print("| split | category | n | recall | false-positive rate | precision | tp | fn | fp | tn |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for split in SPLITS:
            table = result["figures"].get(mode, {}).get(split, {})
            for key in sorted(table, key=lambda k: (k == "all", k)):
                s = table[key]
                print(
                    f"| {split} | {key} | {s['n']} | {_fmt(s['recall'])} | {_fmt(s['fpr'])} |"
                    f" {_fmt(s['precision'])} | {s['tp']} | {s['fn']} | {s['fp']} | {s['tn']} |"
                )
    if args.show_errors:
        print("\ndev errors (the held-out split's are not shown):")
        for e in result["dev_errors"]:
            print(f"  [{e['mode']} {e['outcome']} {e['cat']}] {e['text']}  {e['hits']}")


if __name__ == "__main__":
    main()
