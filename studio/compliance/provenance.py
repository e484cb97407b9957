"""Provenance: C2PA Content Credentials signed offline with a local certificate chain, and read back.

Every output that passes the export gate gets a C2PA manifest (c2pa-python) with

* ``c2pa.actions``: a ``c2pa.created`` action whose ``digitalSourceType`` is IPTC ``trainedAlgorithmicMedia``
  for AI-generated outputs (what TikTok and Meta read to auto-label) or ``digitalCreation`` otherwise;
* ``org.studio.compliance``: the screening verdict, the packs and their versions, the rules found, an override
  if one was recorded, and whether a visible AI label was drawn.

The signing chain is generated once with ``cryptography`` and kept in ``$STUDIO_HOME/c2pa/``: a local root CA
and an ES256 (P-256) end-entity certificate with ``digitalSignature`` and the ``emailProtection`` extended key
usage (c2pa rejects a self-signed end-entity certificate). It proves that *this studio installation* signed the
file and that the file has not changed since, not who the studio user is: it chains to no public trust list.
``read_manifest`` therefore reports ``Valid`` (signature and hashes check) or ``Trusted`` (also chains to the
local CA of this installation) or ``Invalid`` (tampered).

Signing never writes in place: the signed copy goes to a temporary file that replaces the original only when
c2pa succeeded (a failed sign leaves a 0-byte destination).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import DependencyError, InputError, RenderError
from studio.fsutil import publish
from studio.media.types import VIDEO_SUFFIXES

ASSERTION_LABEL = "org.studio.compliance"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPE = IPTC + "trainedAlgorithmicMedia"
HUMAN_SOURCE_TYPE = IPTC + "digitalCreation"
MIME_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webp": "image/webp",
}


@dataclass(frozen=True)
class SigningIdentity:
    """PEM bytes of the signing chain (end-entity first, then the CA) and the end-entity's private key."""

    chain_pem: bytes
    key_pem: bytes
    ca_pem: bytes
    folder: Path


@dataclass(frozen=True)
class ManifestSummary:
    """What ``read_manifest`` found in a file."""

    file: str
    found: bool
    validation_state: str | None = None  # Valid | Trusted | Invalid (None when no manifest)
    failures: list[str] = field(default_factory=list)  # c2pa failure codes, e.g. assertion.dataHash.mismatch
    trusted: bool = False  # the signer chains to this installation's local CA
    title: str | None = None
    claim_generator: str | None = None
    issuer: str | None = None
    signer: str | None = None
    digital_source_type: str | None = None
    ai_generated: bool | None = None
    compliance: dict[str, Any] | None = None  # the org.studio.compliance assertion

    @property
    def verdict(self) -> str | None:
        return (self.compliance or {}).get("verdict")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "found": self.found,
            "validation_state": self.validation_state,
            "failures": list(self.failures),
            "trusted": self.trusted,
            "title": self.title,
            "claim_generator": self.claim_generator,
            "issuer": self.issuer,
            "signer": self.signer,
            "digital_source_type": self.digital_source_type,
            "ai_generated": self.ai_generated,
            "verdict": self.verdict,
            "compliance": self.compliance,
        }


def mime_type_for(path: str | os.PathLike[str]) -> str | None:
    """The MIME type c2pa is given for ``path``, or None when studio does not sign that format."""
    return MIME_TYPES.get(Path(path).suffix.lower())


def _c2pa():
    try:
        import c2pa
    except ImportError as exc:  # pragma: no cover - c2pa-python is a dependency
        raise DependencyError(
            "c2pa-python is not installed, so outputs cannot carry Content Credentials.",
            "pip install c2pa-python",
        ) from exc
    return c2pa


# -- the local signing chain -------------------------------------------------------------------------------
def c2pa_dir() -> Path:
    from studio.settings import studio_home

    return studio_home() / "c2pa"


def ensure_identity(
    folder: str | os.PathLike[str] | None = None, *, organisation: str = "studio"
) -> SigningIdentity:
    """Load the local signing chain from ``folder`` (default ``$STUDIO_HOME/c2pa``), creating it on first use.

    Creates ``ca.pem`` (a root CA, ten years), ``signer.pem`` (the end-entity certificate, two years, renewed
    when less than 30 days are left) and ``signer.key`` (PKCS#8, mode 0600). Private keys never leave the folder.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    root = Path(folder) if folder else c2pa_dir()
    root.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = root / "ca.pem", root / "ca.key"
    ee_cert_path, ee_key_path = root / "signer.pem", root / "signer.key"
    now = dt.datetime.now(dt.timezone.utc)
    if not (ca_cert_path.is_file() and ca_key_path.is_file()):
        _make_ca(ca_cert_path, ca_key_path, organisation, now)
    ca_pem = ca_cert_path.read_bytes()
    renew = True
    if ee_cert_path.is_file() and ee_key_path.is_file():
        cert = x509.load_pem_x509_certificate(ee_cert_path.read_bytes())
        ca = x509.load_pem_x509_certificate(ca_pem)
        renew = cert.not_valid_after_utc - now < dt.timedelta(days=30) or cert.issuer != ca.subject
    if renew:
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca = x509.load_pem_x509_certificate(ca_pem)
        _make_end_entity(ca, ca_key, ee_cert_path, ee_key_path, organisation, now)
    return SigningIdentity(
        chain_pem=ee_cert_path.read_bytes() + ca_pem,
        key_pem=ee_key_path.read_bytes(),
        ca_pem=ca_pem,
        folder=root,
    )


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _make_ca(cert_path: Path, key_path: Path, organisation: str, now: dt.datetime) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} local C2PA root"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _make_end_entity(
    ca, ca_key, cert_path: Path, key_path: Path, organisation: str, now: dt.datetime
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} content signer"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _key_usage(*, cert_sign: bool):
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# -- signing -------------------------------------------------------------------------------------------------
def build_manifest(
    title: str,
    compliance: dict[str, Any],
    *,
    ai_generated: bool,
    software: str = "studio",
) -> dict[str, Any]:
    """The manifest definition handed to ``c2pa.Builder``."""
    from studio import __version__

    return {
        "claim_generator_info": [{"name": software, "version": __version__}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": AI_SOURCE_TYPE if ai_generated else HUMAN_SOURCE_TYPE,
                            "softwareAgent": {"name": software, "version": __version__},
                        }
                    ]
                },
            },
            {"label": ASSERTION_LABEL, "data": compliance},
        ],
    }


def sign_file(
    path: str | os.PathLike[str],
    compliance: dict[str, Any],
    *,
    ai_generated: bool,
    title: str | None = None,
    identity: SigningIdentity | None = None,
) -> Path:
    """Embed a signed C2PA manifest into ``path`` (JPEG, PNG, MP4 ...), replacing it atomically.

    ``compliance`` becomes the ``org.studio.compliance`` assertion (JSON-serialisable). Raises ``InputError``
    for a format c2pa cannot sign and ``RenderError`` when signing fails; in both cases ``path`` is unchanged.
    """
    source = Path(path)
    mime = mime_type_for(source)
    if mime is None:
        raise InputError(
            f"Cannot sign {source.name}: C2PA Content Credentials are not supported for {source.suffix or 'files without an extension'}.",
            f"Signable formats: {', '.join(sorted(MIME_TYPES))}.",
        )
    if not source.is_file() or source.stat().st_size == 0:
        raise InputError(f"Cannot sign {source}: the file is missing or empty.")
    c2pa = _c2pa()
    ident = identity or ensure_identity()
    manifest = build_manifest(
        title or source.name, json.loads(json.dumps(compliance, default=str)), ai_generated=ai_generated
    )
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{source.stem}.", suffix=f".c2pa{source.suffix}", dir=source.parent
        )
    except OSError as exc:
        raise _write_error(source, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    watch: _WriteWatch | None = None
    try:
        signer = c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, ident.chain_pem, ident.key_pem, None)
        )
        with c2pa.Builder(manifest) as builder, open(source, "rb") as src, open(tmp, "w+b") as dst:
            watch = _WriteWatch(dst)
            builder.sign(signer, mime, src, watch)
        signer.close()
        if tmp.stat().st_size == 0:
            raise RenderError(f"Signing {source.name} produced an empty file.")
        publish(tmp, source)  # keeps the file's permissions (mkstemp's are 0600)
    except OSError as exc:  # the signed copy could not be written (a full disk, a quota): no traceback
        raise _write_error(source, exc) from exc
    except c2pa.C2paError as exc:
        if watch is not None and watch.error is not None:  # c2pa reports our failed write as its own error
            raise _write_error(source, watch.error) from exc
        raise RenderError(
            f"Could not sign {source.name} with C2PA: {' '.join(str(exc).split())}.",
            "Check that the file is a valid " + mime + ".",
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return source


class _WriteWatch:
    """The signed copy's file as c2pa's output stream, remembering a failed write (c2pa turns it into a generic
    "write error"; the user should hear that the disk is full)."""

    def __init__(self, fh):
        self._fh = fh
        self.error: OSError | None = None

    def write(self, data) -> int:
        try:
            return self._fh.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        try:
            self._fh.flush()
        except OSError as exc:
            self.error = exc
            raise

    def __getattr__(self, name: str):
        return getattr(self._fh, name)


def _write_error(source: Path, exc: OSError) -> RenderError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return RenderError(
        f"Could not write the signed copy of {source.name} in {source.parent}: {reason}.",
        "Free some disk space and render again; nothing was kept." if full else "Check the output folder.",
    )


# -- reading ---------------------------------------------------------------------------------------------
def read_manifest(
    path: str | os.PathLike[str], *, trust_folder: str | os.PathLike[str] | None = None
) -> ManifestSummary:
    """Read and validate the C2PA manifest of ``path``.

    The local CA in ``trust_folder`` (default ``$STUDIO_HOME/c2pa``) is used as a trust anchor when it exists,
    so files signed by this installation read back as ``Trusted``. A file without a manifest gives
    ``found=False``; an unreadable or unsupported file raises ``InputError``.
    """
    target = Path(path)
    if not target.is_file():
        raise InputError(f"The file {target} does not exist.", "Give the path of a JPEG, PNG or MP4 file.")
    if target.stat().st_size == 0:
        raise InputError(f"The file {target} is empty.", "Give the path of a JPEG, PNG or MP4 file.")
    c2pa = _c2pa()
    ca_file = Path(trust_folder or c2pa_dir()) / "ca.pem"
    context = None
    if ca_file.is_file():
        context = c2pa.Context.from_dict(
            {"trust": {"trust_anchors": ca_file.read_text()}, "verify": {"verify_trust": True}}
        )
    mime = mime_type_for(target)
    try:
        with open(target, "rb") as fh:
            reader = c2pa.Reader(mime, fh, None, context) if context else c2pa.Reader(mime, fh)
            with reader:
                state = reader.get_validation_state()
                results = reader.get_validation_results() or {}
                active = reader.get_active_manifest() or {}
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "ManifestNotFound" in str(exc):
            return ManifestSummary(file=str(target), found=False)
        raise InputError(
            f"Cannot read Content Credentials from {target.name}: {' '.join(str(exc).split())}.",
            "Give a JPEG, PNG or MP4 file.",
        ) from exc
    failures = [f.get("code", "") for f in (results.get("activeManifest") or {}).get("failure", [])]
    # An untrusted signer is not a failure of the file: our chain is local and on no public trust list.
    failures = [f for f in failures if f != "signingCredential.untrusted"]
    source_type, compliance = None, None
    for assertion in active.get("assertions", []):
        label = assertion.get("label", "")
        if label.startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                source_type = action.get("digitalSourceType") or source_type
        elif label == ASSERTION_LABEL:
            compliance = assertion.get("data")
    generator = active.get("claim_generator_info") or [{}]
    signature = active.get("signature_info") or {}
    return ManifestSummary(
        file=str(target),
        found=True,
        validation_state=state,
        failures=failures,
        trusted=state == "Trusted",
        title=active.get("title"),
        claim_generator=" ".join(str(generator[0].get(k, "")) for k in ("name", "version")).strip() or None,
        issuer=signature.get("issuer"),
        signer=signature.get("common_name"),
        digital_source_type=source_type,
        ai_generated=None if source_type is None else source_type.endswith("trainedAlgorithmicMedia"),
        compliance=compliance,
    )


# -- the visible label -------------------------------------------------------------------------------------
LABEL_TEXT = "AI 生成 · AI-generated"


def label_image(width: int, height: int, text: str = LABEL_TEXT):
    """An RGBA badge (PIL image) sized for a ``width`` x ``height`` frame: about 30 % of the width."""
    from PIL import Image, ImageDraw, ImageFont

    from studio.settings import assets_dir

    size = max(12, round(min(width, height) * 0.035))
    font_path = assets_dir() / "fonts" / "NotoSansTC-Regular.otf"
    font = ImageFont.truetype(str(font_path), size) if font_path.is_file() else ImageFont.load_default(size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    x0, y0, x1, y1 = probe.textbbox((0, 0), text, font=font)
    pad = max(4, size // 3)
    badge = Image.new("RGBA", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(badge)
    draw.rounded_rectangle((0, 0, badge.width - 1, badge.height - 1), radius=pad, fill=(0, 0, 0, 165))
    draw.text((pad - x0, pad - y0), text, font=font, fill=(255, 255, 255, 255))
    return badge


def label_position(width: int, height: int, badge_size: tuple[int, int]) -> tuple[int, int]:
    """Top-left corner, below the top ~8 % that platform UIs cover (TikTok keeps the top 150 of 1920 px)."""
    return round(width * 0.04), round(height * 0.085)


def draw_visible_label(path: str | os.PathLike[str], text: str = LABEL_TEXT) -> Path:
    """Draw a visible "AI-generated" badge onto an image or a video, replacing the file atomically."""
    target = Path(path)
    suffix = target.suffix.lower()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".label{suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if suffix in VIDEO_SUFFIXES:  # the one table of video containers (studio.media.types)
            _label_video(target, tmp, text)
        else:
            _label_still(target, tmp, text)
        publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _label_still(source: Path, dest: Path, text: str) -> None:
    from PIL import Image

    with Image.open(source) as im:
        fmt = im.format or "PNG"
        base = im.convert("RGBA")
    badge = label_image(base.width, base.height, text)
    base.alpha_composite(badge, label_position(base.width, base.height, badge.size))
    if fmt == "JPEG":
        base.convert("RGB").save(dest, "JPEG", quality=92)
    else:
        base.save(dest, fmt)


def _label_video(source: Path, dest: Path, text: str) -> None:
    import subprocess

    from studio.media import ffmpeg_exe
    from studio.media.encode import EncodeSettings, codec_args, delivery_filter
    from studio.media.probe import probe_video

    info = probe_video(source)  # InputError naming the file when it is not a readable video
    width, height = info.width, info.height  # as displayed
    badge = label_image(width, height, text)
    x, y = label_position(width, height, badge.size)
    badge_path = dest.with_suffix(".png")
    badge.save(badge_path)
    try:
        cmd = [
            ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source), "-i", str(badge_path),
            "-filter_complex", f"[0:v][1:v]overlay={x}:{y}:format=auto,{delivery_filter(width, height)}[v]",
            "-map", "[v]", "-map", "0:a?",
            *codec_args(width, height, info.fps, EncodeSettings(preset="veryfast", crf=18)), "-c:a", "copy",
            "-movflags", "+faststart", str(dest),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RenderError(f"Could not draw the AI label onto {source.name}: {done.stderr.strip()[-300:]}")
    finally:
        badge_path.unlink(missing_ok=True)
