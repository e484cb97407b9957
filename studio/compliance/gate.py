"""The export gate, and the screening entry points used by the CLI and the app.

``gate_output`` runs before an output's final rename (the ad renderer's MP4s and cover JPEGs, spins from
``studio splat render``, the 3D export): it screens the temporary file (visual: hashes and CLIP against the
reference bank and the packs' concepts; text: the on-screen copy; licences: models and bundled assets; the product
category), and then either

* **blocks**: the verdict is ``block`` and no override reason was given: the temporary file moves into
  ``$STUDIO_HOME/quarantine/<timestamp>-<name>/`` with its report and ``ComplianceError`` names the rules; the
  final path (which may hold an earlier, good file and its report) is not touched; or
* **passes** (possibly with an override, recorded in the ``overrides`` table as the audit trail): an optional
  visible AI label is drawn, a C2PA manifest holding the verdict is signed into the temporary file, and
  ``<final>.compliance.json`` / ``.html`` are staged next to it, naming the file and its SHA-256; the caller's
  ``GateResult.publish`` moves the file and its reports into place together.

**Fail closed.** A check that should run and cannot (the visual screen does not import, the output does not
decode, a stored reference image is gone, the CLIP model crashes, a check raises) is a ``gate.check-failed``
finding with action ``review`` that names the check and the reason: never a pass, never a silent skip. Checks
skipped by configuration (no CLIP weights installed, an empty reference bank, no copy given) are listed in
``checks_skipped`` with the reason.

``screen_file`` and ``screen_text`` are the same checks without the gate (``studio screen``, the Compliance tab).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.compliance.ai_clips import AIClipRecord
from studio.compliance.findings import Finding, Report, check_failed
from studio.compliance.rules import RulePack, check_category, load_packs
from studio.compliance.text import TimedText, check_texts
from studio.errors import Cancelled, ComplianceError, InputError
from studio.media.types import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from studio.progress import ProgressFn, null_progress, scaled
from studio.store import OverrideRow, Store

if TYPE_CHECKING:
    from studio.compliance.embed import ClipHandle

__all__ = [
    "ExportContext",
    "GateResult",
    "QuarantineItem",
    "TimedText",
    "ad_gate",
    "category_findings",
    "gate_output",
    "list_quarantine",
    "record_override",
    "release_quarantined",
    "screen_file",
    "screen_text",
]

TEXT_SUFFIXES = {".txt", ".md", ".srt"}
SPLAT_SUFFIXES = {".ply", ".splat", ".spz"}
MIN_OVERRIDE_REASON = 8  # characters: "ok" is not a reason
KINDS = ("ad", "clip", "splat", "image")  # clip: a standalone AI motion clip (studio video i2v|t2v)
UNSCREENED = "unscreened"  # the verdict and render status of a file published without the screen, by choice


@dataclass(frozen=True)
class ExportContext:
    """What the gate needs to know about an output besides its pixels."""

    kind: str  # "ad" | "splat" | "image"
    texts: tuple[TimedText, ...] = ()  # on-screen copy, captions, prompts
    duration: float | None = None  # video length in seconds (for "shown the whole time" rules)
    category: str = "general"  # product category
    packs: tuple[str, ...] | None = None  # None -> default packs for the category
    models: tuple[
        str, ...
    ] = ()  # model registry ids or engine names used (e.g. "ltx-video"); () for the composer
    assets: tuple[str, ...] = ()  # bundled asset ids (assets/manifest.yaml), e.g. "font.noto-sans-tc"
    company_revenue_usd: float | None = None
    territory: str = "TW"
    ai_generated: bool = False
    visible_label: bool = False  # the user asks for a visible "AI-generated" label (drawn before signing)
    # the AI clips in the output, from their sidecars (studio.compliance.ai_clips): their engines join ``models``
    # for the licence rules; a missing sidecar or a product fidelity below its threshold is a review
    ai_clips: tuple[AIClipRecord, ...] = ()
    platform: str | None = None  # the platform preset the output is made for (its AI-label rules)
    override_reason: str | None = None
    user: str = "local"
    render_id: int | None = None
    previews: tuple[
        Path, ...
    ] = ()  # images to screen for outputs that are not images (a .ply splat's renders)


@dataclass(frozen=True)
class GateResult:
    report: Report
    report_path: Path
    html_path: Path | None
    quarantined: Path | None
    signed: bool
    override_id: int | None = None
    staged: tuple[tuple[Path, Path], ...] = ()  # (staged report, where it goes): moved by ``publish``

    def publish(self, tmp_path: str | os.PathLike[str], final_path: str | os.PathLike[str]) -> Path:
        """Move the gated file and its reports into place (see ``publish``)."""
        return publish(tmp_path, final_path, self)


@dataclass(frozen=True)
class QuarantineItem:
    folder: Path
    file: Path
    final_path: Path | None
    verdict: str
    rules: list[str]
    created: float
    context: dict[str, Any] = field(default_factory=dict)


# -- screening -----------------------------------------------------------------------------------------------
def category_findings(packs: Sequence[RulePack], category: str) -> list[Finding]:
    """Findings of ``banned_category`` rules: an ad for a product category the pack bans or sends to review."""
    check_category(category)
    findings = []
    for pack in packs:
        for rule in pack.for_category(category):
            if rule.detector == "banned_category":
                findings.append(
                    Finding(
                        rule=rule.id,
                        action=rule.action,
                        detector="banned_category",
                        score=1.0,
                        threshold=1.0,
                        message=f"Ads for the product category {category!r}: "
                        + (rule.description or f"restricted by {rule.id}").rstrip(".")
                        + ".",
                        reference=category,
                        legal=rule.legal,
                    )
                )
    return findings


def screen_text(
    text: str, packs: Sequence[RulePack] | Sequence[str] | None = None, category: str = "general"
) -> Report:
    """Screen ad copy (a caption, a prompt): phrase rules, required texts (presence only) and the category."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The text to screen is empty.", "Give the ad copy, caption or prompt to screen.")
    loaded = _packs(packs, category)
    findings = check_texts([TimedText(text)], loaded, category, duration=None)
    findings += category_findings(loaded, category)
    return Report.build(
        "<text>",
        findings,
        checks_run=["phrase", "required_text", "banned_category"],
        checks_skipped={"visual": "text only: nothing visual to screen"},
        packs={p.name: p.version for p in loaded},
    )


def screen_file(
    path: str | os.PathLike[str],
    packs: Sequence[RulePack] | Sequence[str] | None = None,
    *,
    category: str = "general",
    texts: Sequence[TimedText] = (),
    duration: float | None = None,
    store: Store | None = None,
    embedder: Any = None,
    fps: float = 2.0,
    on_progress: ProgressFn | None = None,
) -> Report:
    """Screen one file: an image or a video (visual checks, plus ``texts``), or copy in a .txt/.md/.srt file.

    ``store`` gives the reference bank (without it, reference checks are skipped and the report says so);
    ``embedder`` is a loaded CLIP embedder (None: the CLIP checks are skipped and the report says so).
    """
    report = on_progress or null_progress
    target = check_input_file(path)
    loaded = _packs(packs, category)
    suffix = target.suffix.lower()
    findings: list[Finding] = []
    run: list[str] = []
    skipped: dict[str, str] = {}
    if suffix in TEXT_SUFFIXES:
        texts = list(texts) + _read_text_file(target)
        if suffix == ".srt" and texts and duration is None:
            duration = max(t.end for t in texts)
        skipped["visual"] = "a text file: nothing visual to screen"
    elif suffix in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
        f, r, s = _visual(target, loaded, store, embedder, fps, scaled(report, 0.0, 0.9), category)
        findings += f
        run += r
        skipped.update(s)
    else:
        raise InputError(
            f"Cannot screen {target.name}: unsupported file type {suffix or '(no extension)'}.",
            "Screen images (.jpg .png .webp), videos (.mp4 .mov .webm) or copy (.txt .srt).",
        )
    if texts:
        findings += check_texts(list(texts), loaded, category, duration=duration)
        run += ["phrase", "required_text"]
    else:
        skipped.setdefault("text", "no on-screen text given")
    findings += category_findings(loaded, category)
    run.append("banned_category")
    report(1.0, "screened")
    return Report.build(
        str(target),
        findings,
        checks_run=run,
        checks_skipped=skipped,
        packs={p.name: p.version for p in loaded},
    )


def _packs(packs: Sequence[RulePack] | Sequence[str] | None, category: str) -> list[RulePack]:
    check_category(category)
    if packs and all(isinstance(p, RulePack) for p in packs):
        return list(packs)  # type: ignore[arg-type]
    return load_packs([str(p) for p in packs] if packs else None, category)


def check_input_file(path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if not target.exists():
        raise InputError(f"The file {target} does not exist.", "Check the path.")
    if target.is_dir():
        raise InputError(f"{target} is a folder, not a file.", "Give the files to screen, not their folder.")
    if target.stat().st_size == 0:
        raise InputError(
            f"The file {target} is empty (0 bytes).", "Give a complete image, video or text file."
        )
    return target


def _read_text_file(path: Path) -> list[TimedText]:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not UTF-8 text.", "Save the copy as UTF-8.") from exc
    if path.suffix.lower() != ".srt":
        return [TimedText(line) for line in raw.splitlines() if line.strip()]
    return parse_srt(raw, source=path.name)


_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})")


def parse_srt(raw: str, source: str = "subtitles") -> list[TimedText]:
    """SubRip cues as ``TimedText`` (seconds). A cue without a valid time line is an ``InputError``."""
    out = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").strip()):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        index = 1 if _SRT_TIME.search(lines[0]) is None else 0
        match = _SRT_TIME.search(lines[index]) if index < len(lines) else None
        if match is None:
            raise InputError(
                f"{source}: the cue {block[:40]!r} has no time line like 00:00:01,000 --> 00:00:03,000.",
                "Give a valid .srt file.",
            )
        g = [int(x) for x in match.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + int(str(g[3]).ljust(3, "0")[:3]) / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + int(str(g[7]).ljust(3, "0")[:3]) / 1000
        out.append(TimedText(" ".join(lines[index + 1 :]), start, end))
    return out


def _visual(
    target: Path,
    packs: list[RulePack],
    store: Store | None,
    embedder: Any,
    fps: float,
    on_progress: ProgressFn,
    category: str,
    *,
    own_output: bool = False,
) -> tuple[list[Finding], list[str], dict[str, str]]:
    """The visual screen (``screen_media``). A screen that cannot run is a ``gate.check-failed`` finding
    (review), never a skip: a missing module, a crash, and, for the gate's ``own_output``, a file that does not
    decode. A user's corrupt file given to ``screen_file`` stays an ``InputError``."""
    try:
        from studio.compliance.refbank import ReferenceBank
        from studio.compliance.visual import screen_media
    except ImportError as exc:
        _log_failure("visual", exc)
        return [check_failed("visual", f"the visual screen cannot be imported ({exc})")], [], {}
    skipped: dict[str, str] = {}
    bank = ReferenceBank(store) if store is not None else None
    if bank is None:
        skipped["reference"] = "no store given, so no reference bank"
    try:
        findings, run, more = screen_media(
            target,
            packs=packs,
            bank=bank,
            embedder=embedder,
            fps=fps,
            on_progress=on_progress,
            category=category,
        )
    except Cancelled:
        raise
    except InputError as exc:
        if not own_output:
            raise
        _log_failure("visual", exc)
        return [check_failed("visual", f"{target.name} could not be screened: {exc.one_line()}")], [], skipped
    except Exception as exc:  # noqa: BLE001 - a crashed screen is a failed check (review), never a pass
        _log_failure("visual", exc)
        return [check_failed("visual", f"{type(exc).__name__}: {exc}")], [], skipped
    skipped.update(more)
    return list(findings), list(run), skipped


def _log_failure(check: str, exc: BaseException) -> None:
    import logging

    logging.getLogger(__name__).warning("the %s check could not run", check, exc_info=exc)


def _guarded(check: str, run: list[str], fn: Callable[[], list[Finding]], *names: str) -> list[Finding]:
    """``fn()``'s findings with ``names`` (default ``check``) added to ``run``; a failure is a finding."""
    try:
        found = fn()
    except (Cancelled, ComplianceError):
        raise
    except Exception as exc:  # noqa: BLE001 - a check that raised is a check that did not run: review, never pass
        _log_failure(check, exc)
        return [check_failed(check, f"{type(exc).__name__}: {exc}")]
    run.extend(names or (check,))
    return found


# -- the gate ------------------------------------------------------------------------------------------------
def quarantine_dir() -> Path:
    from studio.settings import studio_home

    return studio_home() / "quarantine"


def gate_output(
    tmp_path: str | os.PathLike[str],
    final_path: str | os.PathLike[str],
    context: ExportContext,
    *,
    store: Store | None,
    embedder: Any = None,
    on_progress: ProgressFn | None = None,
) -> GateResult:
    """Screen ``tmp_path`` before it becomes ``final_path``; block (quarantine + ``ComplianceError``) or sign.

    A pass leaves the signed file at ``tmp_path`` and its reports *staged* next to it; ``GateResult.publish``
    (or ``publish``) then moves the file and its reports into place together, so a report always belongs to the
    file it judged (a later render that is blocked never touches the earlier file's report). ``store`` holds the
    reference bank and the audit trail (None: no bank; overrides are refused). See the module docstring.
    """
    report_progress = on_progress or null_progress
    tmp, final = Path(tmp_path), Path(final_path)
    _check_context(context)
    check_input_file(tmp)
    if context.override_reason and store is None:
        raise InputError("An override needs a store for its audit trail.", "Pass the store to the gate.")
    packs = load_packs(list(context.packs) if context.packs else None, context.category)

    # 1. visual screen of the file itself (or of the previews of a file that is not a picture)
    suffix = tmp.suffix.lower()
    findings: list[Finding] = []
    run: list[str] = []
    skipped: dict[str, str] = {}
    visual_targets = (
        [tmp] if suffix in IMAGE_SUFFIXES | VIDEO_SUFFIXES else [Path(p) for p in context.previews]
    )
    if not visual_targets:
        skipped["visual"] = (
            f"a {suffix or 'extension-less'} file has no pictures to screen and no previews were given"
        )
    for index, target in enumerate(visual_targets):
        part = scaled(
            report_progress, 0.8 * index / len(visual_targets), 0.8 * (index + 1) / len(visual_targets)
        )
        f, r, s = _visual(
            check_input_file(target), packs, store, embedder, 2.0, part, context.category, own_output=True
        )
        findings += f
        run += r
        skipped.update(s)

    # 2. the copy, 3. licences, 4. the product category
    report_progress(0.8, "screening the copy and licences")
    texts = list(context.texts)
    if not texts:
        skipped["phrase"] = "no on-screen text was given"
    findings += _guarded(
        "phrase",
        run,
        lambda: check_texts(texts, packs, context.category, duration=context.duration),
        *(("phrase", "required_text") if texts else ("required_text",)),
    )

    # the visible AI label: asked for by the user, or required by a licence, the platform or the territory
    models = _all_models(context)
    ai = _is_ai(context)
    label_reasons: list[str] = []
    drawable = suffix in IMAGE_SUFFIXES | VIDEO_SUFFIXES  # a label can only be drawn on pictures

    def label_duty() -> list[Finding]:
        from studio.compliance.disclosure import label_requirements

        label_reasons.extend(
            label_requirements(
                models, platform=context.platform, territory=context.territory, ai_generated=ai
            )
        )
        if not label_reasons or (context.visible_label and drawable):
            return []
        if not drawable:
            return [
                Finding(
                    rule="gate.ai-label",
                    action="review",
                    detector="licence",
                    score=1.0,
                    threshold=1.0,
                    message=f"A visible AI-generated label is required ({'; '.join(label_reasons)}), and a"
                    f" {suffix or 'extension-less'} file cannot carry one.",
                    suggestion="Label the AI-generated content where this file is published.",
                )
            ]
        return [
            Finding(
                rule="gate.ai-label",
                action="warn",
                detector="licence",
                score=1.0,
                threshold=1.0,
                message="A visible AI-generated label was drawn although it was not asked for: "
                + "; ".join(label_reasons)
                + ".",
                suggestion="Nothing to do: the label is required; turn it on in the spec to make that explicit.",
            )
        ]

    findings += _guarded("ai_label", run, label_duty)
    draw_label = ai and drawable and (context.visible_label or bool(label_reasons))

    def licences() -> list[Finding]:
        from studio.compliance.licences import check_licences

        return check_licences(
            models,
            context.assets,
            context.company_revenue_usd,
            context.territory,
            visible_label=draw_label if ai else None,
        )

    findings += _guarded("licence", run, licences)
    if context.ai_clips:
        from studio.compliance.ai_clips import clip_findings

        findings += _guarded("ai_clip", run, lambda: clip_findings(context.ai_clips))
    findings += _guarded("banned_category", run, lambda: category_findings(packs, context.category))
    report = Report.build(  # the file's name only: reports travel with the file, not the user's folders
        final.name, findings, checks_run=run, checks_skipped=skipped, packs={p.name: p.version for p in packs}
    )

    # 5. decide
    override_id = None
    if report.verdict == "block":
        if not context.override_reason:
            folder = _quarantine(tmp, final, report, context, store, draw_label=draw_label)
            rules = ", ".join(report.rules("block"))
            raise ComplianceError(
                f"{final.name} was blocked by the compliance screen ({rules}); it was moved to {folder}.",
                f"See {folder / 'report.json'}; to publish anyway, give an override reason (kept in the audit"
                " trail).",
            )
        assert store is not None  # checked above
        override_id = record_override(
            store, final, report, context.override_reason, user=context.user, render_id=context.render_id
        )

    # 6. visible label and Content Credentials, then the reports (staged next to the signed file)
    report_progress(0.9, "signing Content Credentials")
    if draw_label:
        from studio.compliance.provenance import draw_visible_label

        draw_visible_label(tmp)
    signed = _sign(tmp, final, report, context, override_id, labelled=draw_label)
    report_path, html_path = write_reports(
        report, tmp, store=store, media_path=tmp, published_as=final, media_sha256=_sha256(tmp)
    )
    staged = ((report_path, _report_name(final, ".compliance.json")),)
    if html_path is not None:
        staged += ((html_path, _report_name(final, ".compliance.html")),)
    if context.render_id is not None and store is not None:
        store.event(
            context.render_id,
            "compliance",
            f"{final.name}: {report.verdict}",
            {"rules": report.rules(), "signed": signed, "override": override_id},
        )
    report_progress(1.0, f"compliance: {report.verdict}")
    return GateResult(
        report, staged[0][1], staged[1][1] if html_path else None, None, signed, override_id, staged
    )


def publish(tmp_path: str | os.PathLike[str], final_path: str | os.PathLike[str], result: GateResult) -> Path:
    """Move a gated file onto ``final_path`` and its staged reports next to it (each rename is atomic)."""
    final = Path(final_path)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp_path, final)
    for staged, target in result.staged:
        if Path(staged).exists():
            os.replace(staged, target)
    return final


def discard(tmp_path: str | os.PathLike[str], result: GateResult | None = None) -> None:
    """Remove a staged file and its staged reports (a render that will not be published)."""
    Path(tmp_path).unlink(missing_ok=True)
    for staged, _ in result.staged if result is not None else _staged_reports(Path(tmp_path)):
        Path(staged).unlink(missing_ok=True)


def _staged_reports(tmp: Path) -> list[tuple[Path, Path]]:
    return [(_report_name(tmp, suffix), tmp) for suffix in (".compliance.json", ".compliance.html")]


def _report_name(media: Path, suffix: str) -> Path:
    return media.with_name(media.name + suffix)


def _sha256(path: Path) -> str:
    from studio.fsutil import sha256_file

    return sha256_file(path)


def write_unscreened_report(
    path: str | os.PathLike[str],
    reason: str,
    *,
    media_sha256: str | None = None,
    published_as: str | os.PathLike[str] | None = None,
) -> Path:
    """``<path>.compliance.json`` for a file published without the screen, by an explicit choice: verdict
    ``unscreened`` and the reason, so nobody mistakes it for a screened file. ``published_as``: the final path
    when ``path`` is the staged file (the report then moves with it)."""
    from studio.fsutil import atomic_output

    final = Path(published_as) if published_as is not None else Path(path)
    data = {
        "file": str(final),
        "verdict": UNSCREENED,
        "findings": [],
        "checks_run": [],
        "checks_skipped": {"all": reason},
        "packs": {},
        "media": {"name": final.name, "sha256": media_sha256},
    }
    written = _report_name(Path(path), ".compliance.json")
    with atomic_output(written) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return written


def _check_context(context: ExportContext) -> None:
    if context.kind not in KINDS:
        raise InputError(f"Unknown export kind {context.kind!r}.", f"Use one of: {', '.join(KINDS)}.")
    check_category(context.category)
    if context.override_reason is not None and len(context.override_reason.strip()) < MIN_OVERRIDE_REASON:
        raise InputError(
            f"An override needs a reason of at least {MIN_OVERRIDE_REASON} characters, got"
            f" {context.override_reason.strip()!r}.",
            "Say why publishing despite the block is acceptable (it is kept in the audit trail).",
        )


def write_reports(
    report: Report,
    final: Path,
    *,
    store: Store | None = None,
    media_path: Path | None = None,
    published_as: Path | None = None,
    media_sha256: str | None = None,
) -> tuple[Path, Path | None]:
    """Write ``<final>.compliance.json`` and ``<final>.compliance.html`` (thumbnails taken from ``media_path``).

    ``published_as`` and ``media_sha256`` name the file the report judged (the JSON's ``media``), so a report
    can be told apart from a later file of the same name.
    """
    from studio.fsutil import atomic_output
    from studio.settings import portable

    report = Report.from_json(portable(report.to_json()))  # no folders of this machine in what travels
    data = report.to_json()
    if published_as is not None or media_sha256 is not None:
        data["media"] = {"name": (published_as or final).name, "sha256": media_sha256}
    json_path = _report_name(final, ".compliance.json")
    with atomic_output(json_path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    html_path = _report_name(final, ".compliance.html")
    try:
        from studio.compliance.report_html import write_html_report
    except ImportError:  # a partial install without the visual screen: the JSON report is the record
        return json_path, None
    media = (
        media_path
        if media_path is not None and media_path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES
        else final  # the report names the file only; thumbnails still come from the real one
    )
    write_html_report(
        report,
        html_path,
        media_path=media,
        store=store,
        title=f"Compliance report: {(published_as or final).name}",
    )
    return json_path, html_path


def _quarantine(
    tmp: Path,
    final: Path,
    report: Report,
    context: ExportContext,
    store: Store | None,
    *,
    draw_label: bool = False,
) -> Path:
    from studio.fsutil import new_folder

    folder = new_folder(quarantine_dir(), f"{time.strftime('%Y%m%d-%H%M%S')}-{final.name}")
    shutil.move(str(tmp), folder / final.name)
    # the reports live only here: the final path may hold an earlier, good file whose report must stay its own
    write_reports(
        report,
        folder / final.name,
        store=store,
        media_path=folder / final.name,
        media_sha256=_sha256(folder / final.name),
    )
    for suffix, name in ((".compliance.json", "report.json"), (".compliance.html", "report.html")):
        written = _report_name(folder / final.name, suffix)
        if written.exists():
            os.replace(written, folder / name)
    meta = {
        "final_path": str(final),
        "kind": context.kind,
        "category": context.category,
        "ai_generated": _is_ai(context),
        "visible_label": context.visible_label,
        "draw_label": draw_label,  # the AI label it must get when it is released (asked for or required)
        "models": list(_all_models(context)),
        "ai_clips": [c.summary() for c in context.ai_clips],
        "platform": context.platform,
        "render_id": context.render_id,
        "verdict": report.verdict,
        "rules": report.rules("block"),
        "created": time.time(),
    }
    (folder / "context.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    if context.render_id is not None and store is not None:
        store.event(context.render_id, "quarantined", f"{final.name} -> {folder}", {"rules": meta["rules"]})
    return folder


def record_override(
    store: Store,
    file: str | os.PathLike[str],
    report: Report,
    reason: str,
    *,
    user: str = "local",
    render_id: int | None = None,
) -> int:
    """Add an audit-trail row to the ``overrides`` table; returns its id."""
    reason = (reason or "").strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        raise InputError(
            f"An override needs a reason of at least {MIN_OVERRIDE_REASON} characters, got {reason!r}.",
            "Say why publishing despite the screen is acceptable (it is kept in the audit trail).",
        )
    return store.add_override(
        file, report.verdict, reason, user=user or "local", report=report.to_json(), render_id=render_id
    )


def overrides(store: Store, limit: int = 100) -> list[OverrideRow]:
    """The audit trail, newest first."""
    return store.overrides(limit)


def _all_models(context: ExportContext) -> tuple[str, ...]:
    """The models of ``context`` and the engines its AI clips' sidecars name, each once."""
    engines = [c.engine for c in context.ai_clips if c.engine]
    return tuple(dict.fromkeys([*context.models, *engines]))


def _is_ai(context: ExportContext) -> bool:
    return context.ai_generated or bool(context.models) or bool(context.ai_clips)


def _sign(
    tmp: Path,
    final: Path,
    report: Report,
    context: ExportContext,
    override_id: int | None,
    *,
    labelled: bool | None = None,
) -> bool:
    from studio.compliance.provenance import mime_type_for, sign_file

    if mime_type_for(tmp) is None:
        return False  # e.g. a .ply splat: C2PA has no container for it; the JSON report stays next to it
    assertion = {
        "verdict": report.verdict,
        "rules": report.rules(),
        "packs": report.packs,
        "checks_run": report.checks_run,
        "checks_skipped": sorted(report.checks_skipped),
        "overridden": override_id is not None,
        "override_id": override_id,
        "ai_generated": _is_ai(context),
        "models": list(_all_models(context)),
        "ai_clips": [c.summary() for c in context.ai_clips],
        "visible_label": context.visible_label if labelled is None else labelled,
        "screened_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    sign_file(tmp, assertion, ai_generated=_is_ai(context), title=final.name)
    return True


# -- quarantine --------------------------------------------------------------------------------------------------
def list_quarantine() -> list[QuarantineItem]:
    """Quarantined outputs, newest first (by the time each was quarantined: folder names carry only the second)."""
    root = quarantine_dir()
    if not root.is_dir():
        return []
    items = []
    for folder in sorted(root.iterdir()):
        meta_path = folder / "context.json"
        if not folder.is_dir() or not meta_path.is_file():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = [p for p in folder.iterdir() if p.name not in ("context.json", "report.json", "report.html")]
        if not files:
            continue
        final_name = Path(meta["final_path"]).name if meta.get("final_path") else None
        files.sort(
            key=lambda p: p.name != final_name
        )  # the output itself, before companions (a clip's sidecar)
        items.append(
            QuarantineItem(
                folder=folder,
                file=files[0],
                final_path=Path(meta["final_path"]) if meta.get("final_path") else None,
                verdict=meta.get("verdict", "block"),
                rules=list(meta.get("rules", [])),
                created=float(meta.get("created", 0.0)),
                context=meta,
            )
        )
    items.sort(key=lambda i: (i.created, i.folder.name), reverse=True)
    return items


def release_quarantined(
    folder: str | os.PathLike[str],
    reason: str,
    *,
    store: Store,
    user: str = "local",
    destination: str | os.PathLike[str] | None = None,
) -> Path:
    """Publish a quarantined output despite its block: record the override, sign, move it to its final path.

    ``folder`` must be inside the quarantine folder. Returns the published path.
    """
    from studio.fsutil import resolve_inside

    root = quarantine_dir()
    target = resolve_inside(
        root, Path(folder).name if Path(folder).is_absolute() else folder, "quarantine item"
    )
    if Path(folder).is_absolute() and Path(folder).resolve() != target:
        raise InputError(f"{folder} is not in the quarantine folder {root}.")
    item = next((i for i in list_quarantine() if i.folder.resolve() == target), None)
    if item is None:
        raise InputError(f"No quarantined output at {target}.", "Pick one from the quarantine list.")
    report = Report.from_json(json.loads((item.folder / "report.json").read_text(encoding="utf-8")))
    dest = Path(destination) if destination else item.final_path
    if dest is None:
        raise InputError("The quarantined output does not say where it belongs.", "Give a destination.")
    if dest.exists():
        raise InputError(f"{dest} already exists; not overwriting it.", "Give another destination.")
    override_id = record_override(
        store, dest, report, reason, user=user, render_id=item.context.get("render_id")
    )
    context = ExportContext(
        kind=item.context.get("kind", "ad"),
        ai_generated=bool(item.context.get("ai_generated")),
        models=tuple(item.context.get("models", ())),
        visible_label=bool(item.context.get("visible_label")),
        override_reason=reason,
        user=user,
    )
    from studio.fsutil import ensure_writable_dir

    ensure_writable_dir(dest.parent)
    staged = dest.with_name(f".{dest.stem}.release{dest.suffix}")
    shutil.copy2(item.file, staged)
    try:
        labelled = bool(item.context.get("draw_label", item.context.get("visible_label")))
        if labelled and context.ai_generated:
            from studio.compliance.provenance import draw_visible_label

            draw_visible_label(staged)
        _sign(staged, dest, report, context, override_id, labelled=labelled)
        os.replace(staged, dest)
    finally:
        staged.unlink(missing_ok=True)
    shutil.copy2(item.folder / "report.json", dest.with_name(dest.name + ".compliance.json"))
    for companion in item.folder.iterdir():  # e.g. an AI clip's sidecar JSON: it travels with its clip
        if companion.stem == item.file.stem and companion != item.file:
            shutil.copy2(companion, dest.with_name(dest.stem + companion.suffix))
    shutil.rmtree(item.folder)
    return dest


# -- the ad renderer's hook --------------------------------------------------------------------------------------
def ad_context(timeline: Any, spec: Any, *, at: float | None = None) -> ExportContext:
    """The ``ExportContext`` of a rendered ad (a ``studio.video.timeline.Timeline`` and its ``AdSpec``).

    From ``timeline.meta``: ``models`` (comma-separated model ids or engine names, e.g. ``"wan2.2-ti2v-5b"``),
    ``ai_clips`` (the sidecar JSON paths of the AI clips cut in: a list, a JSON list or one path per line; each
    read with ``studio.compliance.ai_clips.read_clip_record``, a missing one is a review) and ``platform``.

    ``at``: the context of one still taken at ``at`` seconds (the cover): only the copy on screen then, and no
    duration (a still cannot show a text "for the whole video").
    """
    from studio.compliance.licences import assets_for_paths

    texts = []
    paths: list[Path] = []
    for start, end, layer in timeline.text_events():
        if at is not None and not (start <= at < end):
            continue
        texts.append(
            TimedText(layer.text or " ".join(layer.lines), float(start), float(min(end, timeline.duration)))
        )
        if getattr(layer, "font_path", ""):
            paths.append(Path(layer.font_path))
    if timeline.audio.path and at is None:
        paths.append(Path(timeline.audio.path))
    from studio.compliance.ai_clips import clip_records

    models = tuple(m.strip() for m in str(timeline.meta.get("models", "") or "").split(",") if m.strip())
    clips = clip_records(timeline.meta.get("ai_clips"))
    compliance = spec.compliance
    return ExportContext(
        kind="ad" if at is None else "image",
        texts=tuple(texts),
        duration=float(timeline.duration) if at is None else None,
        category=spec.category,
        packs=tuple(compliance.packs) if compliance.packs else None,
        models=models,
        assets=assets_for_paths(paths),
        company_revenue_usd=compliance.company_revenue_usd,
        territory=compliance.territory,
        ai_generated=bool(models) or bool(clips),
        visible_label=compliance.visible_label,
        override_reason=compliance.override_reason,
        ai_clips=clips,
        platform=timeline.meta.get("platform") or None,
    )


def ad_gate(
    store: Store | None,
    *,
    embedder: Any = None,
    clip: ClipHandle | None = None,
    load_clip: bool = True,
    render_id: int | None = None,
) -> Callable[..., GateResult]:
    """A ``studio.ads.Gate``: ``gate(tmp, final, timeline, spec)`` runs ``gate_output`` for one platform's MP4
    or its cover JPEG (a still: the copy on screen at the cover's time) and returns the ``GateResult``.

    The CLIP embedder is ``embedder``, else the one ``clip`` holds (the app's or the process's, loaded once),
    else, with ``load_clip``, a handle of this gate's own that loads the default model on first use. Without
    weights the CLIP checks are skipped and every report says so; a model that crashes is a review.
    """
    from studio.compliance.embed import ClipHandle

    handle = ClipHandle.of(embedder) if embedder is not None else clip
    if handle is None:
        handle = (
            ClipHandle() if load_clip else ClipHandle.unavailable("CLIP was not asked for (load_clip=False)")
        )

    def gate(tmp: Path, final: Path, timeline: Any, spec: Any, *, render: int | None = None) -> GateResult:
        at = None
        if Path(tmp).suffix.lower() in IMAGE_SUFFIXES:
            from studio.ads import cover_time

            at = cover_time(timeline)
        context = ad_context(timeline, spec, at=at)
        rid = render if render is not None else render_id
        if rid is not None:
            from dataclasses import replace

            context = replace(context, render_id=rid)
        return gate_output(tmp, final, context, store=store, embedder=handle)

    return gate
