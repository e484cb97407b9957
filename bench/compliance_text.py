"""Precision and recall of the tw-ads text rules on labelled ad sentences (bench/data/tw_ads_sentences.yaml).

Each sentence is screened with the tw-ads pack for its product category. A rule counts as *predicted* for a
sentence when it fires at its own action (a negated claim lowered to "warn" counts as not predicted); it is
*expected* when the sentence's label lists it. Rules are compared by their ``category`` (medical-claim,
exaggerated-claim, ...), so a claim labelled with tw-ads.food.medical-efficacy and caught by the newer
tw-ads.medical.efficacy counts as caught (``--by-id`` compares rule ids, as the labels were written for tw-ads v1).
Precision and recall are micro-averaged over (sentence, rule) pairs, per rule, and per kind of sentence.

    .venv/bin/python bench/compliance_text.py [--json] [--show-errors]
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

from studio.compliance.rules import load_pack
from studio.compliance.text import check_text

DATA = ROOT / "bench" / "data" / "tw_ads_sentences.yaml"


def evaluate(data_path: Path = DATA, by_id: bool = False) -> dict:
    pack = load_pack("tw-ads")
    rules = {r.id: r for r in pack.rules}

    def key(rule_id: str) -> str:
        return rule_id if by_id else rules[rule_id].category or rule_id

    items = yaml.safe_load(data_path.read_text(encoding="utf-8"))["sentences"]
    per_rule: dict[str, Counter] = defaultdict(Counter)
    per_kind: dict[str, Counter] = defaultdict(Counter)
    errors = []
    start = time.perf_counter()
    for item in items:
        if set(item) != {"text", "category", "kind", "expect"}:
            raise SystemExit(f"{data_path}: malformed entry {item!r} (quote texts that contain commas)")
        unknown = set(item["expect"]) - set(rules)
        if unknown:
            raise SystemExit(f"{data_path}: unknown rules {unknown} for {item['text']!r}")
        expected = {key(r) for r in item["expect"]}
        findings = check_text(item["text"], [pack], item["category"], claim_model=False)  # the rules alone
        predicted = {key(f.rule) for f in findings if f.action == rules[f.rule].action}
        for rule in expected | predicted:
            outcome = "tp" if rule in expected and rule in predicted else "fn" if rule in expected else "fp"
            per_rule[rule][outcome] += 1
            per_kind[item["kind"]][outcome] += 1
        if not expected and not predicted:
            per_kind[item["kind"]]["tn"] += 1
        if expected != predicted:
            errors.append(
                {
                    "text": item["text"],
                    "category": item["category"],
                    "kind": item["kind"],
                    "expected": sorted(expected),
                    "predicted": sorted(predicted),
                }
            )
    elapsed = time.perf_counter() - start

    def scores(c: Counter) -> dict:
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        return {
            "tp": tp, "fp": fp, "fn": fn, "tn": c["tn"],
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
        }  # fmt: skip

    total = sum(per_rule.values(), Counter())
    languages = Counter("en" if item["text"].isascii() else "zh" for item in items)
    return {
        "sentences": len(items),
        "languages": dict(languages),
        "kinds": dict(Counter(item["kind"] for item in items)),
        "pack_version": pack.version,
        "overall": scores(total),
        "per_rule": {rule: scores(c) for rule, c in sorted(per_rule.items())},
        "per_kind": {kind: scores(c) for kind, c in sorted(per_kind.items())},
        "sentences_per_second": len(items) / elapsed,
        "errors": errors,
    }


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--show-errors", action="store_true", help="list every sentence the rules got wrong")
    parser.add_argument("--by-id", action="store_true", help="compare rule ids instead of rule categories")
    args = parser.parse_args()
    result = evaluate(by_id=args.by_id)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    o = result["overall"]
    print(f"{result['sentences']} sentences {result['languages']}, tw-ads v{result['pack_version']}")
    print(
        f"overall  precision {_fmt(o['precision'])}  recall {_fmt(o['recall'])}  (tp {o['tp']}, fp {o['fp']},"
        f" fn {o['fn']}); {result['sentences_per_second']:.0f} sentences/s"
    )
    print("\n| rule (or rule category) | tp | fp | fn | precision | recall |\n|---|---|---|---|---|---|")
    for rule, s in result["per_rule"].items():
        print(
            f"| {rule} | {s['tp']} | {s['fp']} | {s['fn']} | {_fmt(s['precision'])} | {_fmt(s['recall'])} |"
        )
    print("\n| kind | sentences | tp | fp | fn | tn |\n|---|---|---|---|---|---|")
    for kind, s in result["per_kind"].items():
        print(f"| {kind} | {result['kinds'][kind]} | {s['tp']} | {s['fp']} | {s['fn']} | {s['tn']} |")
    if args.show_errors:
        print("\nerrors:")
        for e in result["errors"]:
            print(f"  [{e['kind']}] {e['text']}  expected {e['expected']} predicted {e['predicted']}")


if __name__ == "__main__":
    main()
