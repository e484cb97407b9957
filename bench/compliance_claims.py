"""Recall and false-positive rate of the ad-copy screen on the labelled claims corpus (bench/data/claims_corpus.yaml).

Each sentence is screened twice with the default packs (tw-ads, platform-general, ip): once with the product
category it was written for (scored against ``label``) and once with the default category ``general`` (scored
against ``general``; sentences whose answer depends on the category have an empty ``general`` and are left out).
A sentence is *flagged* when a phrase rule fires at ``block`` or ``review`` (a ``warn`` is published, so it counts
as not flagged). Figures are given per split (dev, held-out) and per category; misses and false alarms are listed
only for the dev split (``--show-errors``): the held-out split is for aggregate figures only.

    .venv/bin/python bench/compliance_claims.py [--json] [--show-errors] [--data FILE]
    .venv/bin/python bench/compliance_claims.py --other   # the same figures on bench/data/tw_ads_sentences.yaml
    .venv/bin/python bench/compliance_claims.py --file SET.yaml [MORE.yaml ...] [--json] [--show-errors]
    ... [--rules-only]   # without the learned claim classifier (studio/compliance/claim_model.py)

``--file`` scores any YAML list of sentences with the fields ``text``, ``category`` (a studio category),
``violating`` (true/false, yes/no or violating/allowed) and ``why`` (extra fields are ignored; the list may be
the whole document or under ``sentences:``). Each sentence is screened with its own category (against
``violating``) and with the default category ``general`` (against ``general`` when the row has one, else against
``violating``. ``general: true`` (the blind sets' convention) means the label FLIPS with the default category: an
approved health-food function or drug indication allowed for its own category is violating for a general product,
and an alcohol-only violation (an ad aimed at pupils) is harmless text for one; ``general: violating`` or
``general: allowed`` gives the answer itself, and ``violating_if_general: true`` means violating with the default
category. An allowed row of category ``drugs`` without
either is left out of the default figures, because a licensed drug may state the indication that any other
product may not). Several files (or one merged file) may be given: each is reported on its own and, with more
than one, all together (``all files``), per category and overall. Misses and false alarms are listed only with
``--show-errors`` (do not use it on a blind set before the rules are final).

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


def evaluate(data_path: Path = DATA, items: list[dict] | None = None, *, claim_model: bool = True) -> dict:
    """Figures per mode, split and category; ``items`` (from ``load_file``) instead of the corpus.

    ``claim_model=False`` screens with the rules alone (without the learned claim classifier).
    """
    items = load_corpus(data_path) if items is None else items
    multi = len({item.get("file") for item in items if item.get("file")}) > 1
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
            findings = check_text(item["text"], packs, category, claim_model=claim_model)
            calls += 1
            hits = sorted({f"{f.rule}:{f.reference}" for f in findings if f.action in FLAGGING})
            flagged = bool(hits)
            outcome = ("tp" if flagged else "fn") if truth == "violating" else ("fp" if flagged else "tn")
            splits = (item["split"], *(("all files",) if item.get("file") and multi else ()))
            for split in splits:
                for key in (item["cat"], "all"):
                    cells[(mode, split, key)][outcome] += 1
            if outcome in ("fp", "fn") and (item["split"] == "dev" or item.get("file")):
                errors.append(
                    {
                        "mode": mode,
                        "outcome": outcome,
                        "cat": item["cat"],
                        "text": item["text"],
                        "hits": hits,
                        "split": item["split"],
                    }
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


_TRUE = {"true", "yes", "y", "1", "violating", "violation", "block", "flag"}
_FALSE = {"false", "no", "n", "0", "allowed", "ok", "pass", "compliant"}


def _truth(value: object, where: str) -> str:
    """``violating`` or ``allowed`` from a bool or one of the usual words."""
    if isinstance(value, bool):
        return "violating" if value else "allowed"
    word = str(value).strip().lower()
    if word in _TRUE:
        return "violating"
    if word in _FALSE:
        return "allowed"
    raise SystemExit(f"{where}: 'violating' must be true/false (or violating/allowed), not {value!r}")


# spellings a writer may use for a studio category (anything else is refused with the list of categories)
_CATEGORY_ALIASES = {"drug": "drugs", "medicine": "drugs", "medicines": "drugs", "cosmetic": "cosmetics",
                     "healthfood": "health_food", "health_foods": "health_food"}  # fmt: skip


def load_file(path: Path) -> list[dict]:
    """Rows of an arbitrary labelled set (text, category, violating, why) as ``evaluate`` items."""
    from studio.categories import CATEGORIES

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = doc.get("sentences", doc.get("items")) if isinstance(doc, dict) else doc
    if not isinstance(rows, list) or not rows:
        raise SystemExit(f"{path}: expected a list of sentences (or a 'sentences:' key holding one)")
    items = []
    for i, row in enumerate(rows):
        where = f"{path} entry {i + 1}"
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or "violating" not in row:
            raise SystemExit(f"{where}: needs 'text' (a string) and 'violating' (true/false), got {row!r}")
        cat = str(row.get("category") or row.get("cat") or "general").strip().lower().replace("-", "_")
        cat = _CATEGORY_ALIASES.get(cat.replace(" ", "_"), cat.replace(" ", "_"))
        if cat not in CATEGORIES:
            raise SystemExit(f"{where}: unknown category {cat!r}; expected one of {list(CATEGORIES)}")
        label = _truth(row["violating"], where)
        if "general" in row and "violating_if_general" in row:
            raise SystemExit(f"{where}: give 'general' or its alias 'violating_if_general', not both")
        given = row.get("general")
        if isinstance(given, bool) or str(given).strip().lower() in {"true", "yes", "false", "no"}:
            # the blind sets' convention: `general: true` = the label FLIPS when the category is unknown
            flip = _truth(given, where) == "violating"
            general = ({"violating": "allowed", "allowed": "violating"}[label]) if flip else label
        elif given not in (None, ""):
            general = _truth(given, where)  # an explicit answer: violating / allowed
        elif row.get("violating_if_general") not in (None, ""):
            general = _truth(row["violating_if_general"], where)
        else:
            general = label
        if given in (None, "") and cat == "drugs" and label == "allowed":
            general = ""  # an approved indication: allowed for a licensed drug only
        text = row["text"]
        lang = "en" if not any("\u3400" <= ch <= "\u9fff" for ch in text) else "zh"
        items.append(
            {"text": text, "cat": cat, "label": label, "general": general, "split": str(path), "lang": lang,
             "file": str(path)}
        )  # fmt: skip
    return items


def evaluate_other(data_path: Path = OTHER) -> dict:
    """Sentence-level recall and false-positive rate on the other session's corpus, per kind and overall."""
    items = yaml.safe_load(data_path.read_text(encoding="utf-8"))["sentences"]
    packs = load_packs(None)
    per_kind: dict[str, Counter] = defaultdict(Counter)
    per_category: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        violating = any(rule in _V1_FLAGGING for rule in item["expect"])
        flagged = any(f.action in FLAGGING for f in check_text(item["text"], packs, item["category"]))
        outcome = ("tp" if flagged else "fn") if violating else ("fp" if flagged else "tn")
        per_kind[item["kind"]][outcome] += 1
        per_kind["all"][outcome] += 1
        per_category[item["category"]][outcome] += 1
    return {
        "sentences": len(items),
        "per_kind": {k: _scores(c) for k, c in sorted(per_kind.items())},
        "per_category": {k: _scores(c) for k, c in sorted(per_category.items())},
    }


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
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="screen without the learned claim classifier (tw-ads.model.claim)",
    )
    parser.add_argument(
        "--file",
        type=Path,
        nargs="+",
        help="score one or more YAML sets of sentences (text, category, violating, why) instead; with several"
        " files each is reported alone and all together ('all files')",
    )
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
        print(
            "\n| category | n | recall | false-positive rate | tp | fn | fp | tn |\n|---|---|---|---|---|---|---|---|"
        )
        for cat, sc in other["per_category"].items():
            print(
                f"| {cat} | {sc['n']} | {_fmt(sc['recall'])} | {_fmt(sc['fpr'])} | {sc['tp']} | {sc['fn']} |"
                f" {sc['fp']} | {sc['tn']} |"
            )
        return
    model = not args.rules_only
    result = (
        evaluate(args.data, claim_model=model)
        if args.file is None
        else evaluate(items=[item for path in args.file for item in load_file(path)], claim_model=model)
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(
        f"{result['sentences']} sentences {result['languages']} {result['splits']}; packs {result['packs']};"
        f" {result['screens_per_second']:.0f} screens/s; {'rules alone' if args.rules_only else 'rules + claim model'}"
    )
    titles = {"category": "screened with its own category", "default": "screened with the default `general`"}
    for mode in ("category", "default"):
        print(f"\n{titles[mode]}\n")
        print("| split | category | n | recall | false-positive rate | precision | tp | fn | fp | tn |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        file_splits = [str(p) for p in args.file or ()] + (["all files"] if len(args.file or ()) > 1 else [])
        for split in SPLITS if args.file is None else file_splits:
            table = result["figures"].get(mode, {}).get(split, {})
            for key in sorted(table, key=lambda k: (k == "all", k)):
                s = table[key]
                print(
                    f"| {split} | {key} | {s['n']} | {_fmt(s['recall'])} | {_fmt(s['fpr'])} |"
                    f" {_fmt(s['precision'])} | {s['tp']} | {s['fn']} | {s['fp']} | {s['tn']} |"
                )
    if args.show_errors:
        print(
            "\ndev errors (the held-out split's are not shown):"
            if args.file is None
            else f"\nerrors on {', '.join(map(str, args.file))}:"
        )
        for e in result["dev_errors"]:
            where = f"{e['split']} " if args.file and len(args.file) > 1 else ""
            print(f"  [{where}{e['mode']} {e['outcome']} {e['cat']}] {e['text']}  {e['hits']}")


if __name__ == "__main__":
    main()
