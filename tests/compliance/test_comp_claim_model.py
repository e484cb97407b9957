"""The learned claim classifier (studio/compliance/claim_model.py): loading, scoring, failing closed, check_text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.compliance import claim_model as cm
from studio.compliance.findings import CHECK_FAILED_RULE
from studio.compliance.rules import load_packs
from studio.compliance.text import WorkMeter, check_text, normalise
from studio.errors import ModelError

ROOT = Path(__file__).resolve().parents[2]
# violating sentences of the training sets that no phrase rule flags (the classifier's job)
MISSED_BY_RULES = (
    ("這款眼藥水點三天，視力就回到一點零。", "drugs"),  # tw-ads v6 catches 近視度數就消失 for drugs
    ("Your pancreas gets a vacation: this certified capsule does insulin's job for it.", "health_food"),
    ("Your doctor will be amazed at your blood sugar.", "health_food"),
)


@pytest.fixture(scope="module")
def packs():
    return load_packs(None, "general")


@pytest.fixture
def weights_at(monkeypatch: pytest.MonkeyPatch):
    """Point the screen at another weights file for one test (the loader's cache is keyed by path)."""

    def use(path: Path) -> None:
        monkeypatch.setattr(cm, "WEIGHTS", path)

    return use


def test_shipped_model_loads_once_and_scores_deterministically() -> None:
    model = cm.load_model()
    assert model is cm.load_model()  # cached: read once per process
    assert model.dim == model.weights.shape[0] and 0 < model.threshold < 1
    assert model.weights.dtype == np.float32 and np.all(np.isfinite(model.weights))
    norm = normalise("每天一杯，血管變得像年輕人一樣有彈性。")
    first = cm.score_text(model, norm, "food")
    again = cm.score_text(cm.read_model(cm.WEIGHTS), norm, "food")
    assert first == again and first is not None
    assert 0.0 <= first.score <= 1.0 and first.top  # explained by n-grams
    assert all(gram in norm for gram, _ in first.top)


def test_features_are_the_normalised_ngrams_and_linear_in_length() -> None:
    assert cm.ngrams("降血壓", 2) == ["降", "降血", "血", "血壓", "壓"]
    grams, idx = cm.features(normalise("能治·療"), "food", 1 << 10)
    assert grams == cm.features(normalise("能治療"), "food", 1 << 10)[0]  # the screen's own normalisation
    assert len(idx) == 2 * len(grams) + 1 and idx.max() < 1 << 10
    long = "好" * 5000 + "。" + "ab " * 3000
    spans = cm.sentences(normalise(long))
    assert max(b - a for a, b in spans) <= 160 and sum(b - a for a, b in spans) <= len(long)


def test_model_flags_claims_the_rules_miss_as_review(packs) -> None:
    model = cm.load_model()
    for text, category in MISSED_BY_RULES:
        rules = check_text(text, packs, category, claim_model=False)
        assert not [f for f in rules if f.action in ("block", "review")], text
        found = [f for f in check_text(text, packs, category) if f.rule == cm.RULE]
        assert len(found) == 1, text
        finding = found[0]
        assert finding.action == "review"  # a model alone never blocks
        assert finding.score >= model.threshold == pytest.approx(finding.threshold, abs=1e-4)
        assert (
            "Model score" in finding.message
            and "藥事法§69" in finding.message
            and "top n-grams" in finding.message
        )
        assert finding.legal == cm.LEGAL and finding.suggestion is None
        assert finding.reference and finding.reference in text


@pytest.mark.parametrize(
    "text, category",
    [
        ("秋冬新款外套上架，會員享九折。", "general"),
        ("Two-day delivery on every order over NT$1,000.", "general"),
        ("每瓶 350ml，冷藏保存，開封後請盡快飲用。", "food"),
        ("桂花烏龍，茶香淡雅。", "food"),
    ],
)
def test_plain_copy_has_no_model_finding(packs, text: str, category: str) -> None:
    assert [f.rule for f in check_text(text, packs, category) if f.rule == cm.RULE] == []


def test_the_model_runs_with_the_tw_ads_pack_only(packs) -> None:
    text, category = MISSED_BY_RULES[0]
    others = [p for p in packs if p.name != "tw-ads"]
    assert others and check_text(text, others, category) == []


def test_a_rule_block_is_not_repeated_by_the_model(packs) -> None:
    findings = check_text("能治療糖尿病", packs, "general")
    assert [f.rule for f in findings] == ["tw-ads.medical.efficacy"]


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "missing"),
        (b"not a safetensors file", "corrupt"),
        (b'\x08\x00\x00\x00\x00\x00\x00\x00{"a":1}', "corrupt"),
    ],
)
def test_missing_or_corrupt_weights_fail_closed(tmp_path: Path, weights_at, packs, content, reason) -> None:
    path = tmp_path / "claim_model.safetensors"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=reason):
        cm.read_model(path)
    weights_at(path)
    findings = check_text("夏季新品上市，全館八折。", packs, "general")
    assert [(f.rule, f.action, f.detector) for f in findings] == [
        (CHECK_FAILED_RULE, "review", "claim_model")
    ]
    assert str(path) in findings[0].message and reason in findings[0].message
    assert check_text("夏季新品上市，全館八折。", packs, "general", claim_model=False) == []


def test_weights_with_a_bad_threshold_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    cm.save_model(path, cm.ClaimModel(weights=np.zeros(64, np.float32), bias=0.0, threshold=1.5))
    with pytest.raises(ModelError, match="threshold"):
        cm.read_model(path)


def test_model_work_is_linear_in_length(packs) -> None:
    def work(n: int) -> WorkMeter:
        meter = WorkMeter()
        check_text(("fresh coffee, 每天早上現磨。" * (n // 10 + 1))[:n], packs, "general", meter=meter)
        return meter

    short, long = work(1_000), work(10_000)
    assert long.scans == short.scans
    assert long.steps <= 11 * short.steps


def test_training_script_runs_on_a_tiny_subset(tmp_path: Path) -> None:
    out = tmp_path / "tiny.safetensors"
    cmd = [sys.executable, str(ROOT / "bench" / "train_claims_classifier.py"), "--limit", "6", "--no-loso"]
    cmd += ["--epochs", "30", "--dim", "4096", "--out", str(out)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    model = cm.read_model(out)
    assert model.dim == 4096 and model.threshold == pytest.approx(0.5)
    assert "corpus:" in model.trained_on and np.any(model.weights != 0)
    again = tmp_path / "again.safetensors"
    subprocess.run([*cmd[:-1], str(again)], check=True, capture_output=True, cwd=ROOT, timeout=300)
    assert np.array_equal(cm.read_model(again).weights, model.weights)  # deterministic training
