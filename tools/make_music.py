"""Compose and synthesise the bundled background track "Mountain Mist" (CC0-1.0, made by this project).

An upbeat, loopable bed for short ads: 104 BPM, D major (pentatonic melody), 20 bars of I-V-vi-IV
(D - A - Bm - G), about 46 s, stereo 48 kHz. Everything is synthesised here in numpy; no samples, no downloads.

* pad: additive detuned saw-like stacks, slow attack, ducked by the kick (a gentle "pump");
* plucks: modal synthesis of a slightly inharmonic string (a guzheng-like pluck) for arpeggios and the melody;
* flute: sine partials with delayed vibrato and a breath-noise layer for the second half's melody;
* bass: sine + second harmonic, soft-saturated; drums: a pitch-swept kick, a three-burst clap, noise hats;
* space: one stereo convolution reverb (decaying filtered noise with a few early reflections).

Loopable by construction: note tails that run past the end are folded onto the start, and the reverb is a
circular convolution over exactly the loop length, so the last sample flows into the first.

Loudness is left to the renderer (it normalises to -14 LUFS); this file is mastered to a -3 dBFS sample peak.

Usage::

    python tools/make_music.py                       # writes assets/music/mountain-mist.m4a
    python tools/make_music.py --wav /tmp/mm.wav     # also keep the float WAV for listening
"""

from __future__ import annotations

import argparse
import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal
from scipy.io import wavfile

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "assets" / "music" / "mountain-mist.m4a"

SR = 48_000
BPM = 104.0
BEATS_PER_BAR = 4
BARS = 20
PEAK_DBFS = -3.0
SEED = 20261126

BEAT = 60.0 / BPM
BAR = BEAT * BEATS_PER_BAR
LENGTH = round(BARS * BAR * SR)  # samples in one loop

# I - V - vi - IV in D major, one chord per bar (MIDI note numbers of the triad, root first)
PROGRESSION = [
    ("D", (62, 66, 69)),
    ("A", (57, 61, 64)),
    ("Bm", (59, 62, 66)),
    ("G", (55, 59, 62)),
]

# The 8-bar melody (D major pentatonic plus chord tones): (bar, beat, length in beats, MIDI note)
# fmt: off
MELODY = [
    (0, 0, 1, 78), (0, 1, 0.5, 81), (0, 1.5, 0.5, 83), (0, 2, 1, 81), (0, 3, 0.5, 78), (0, 3.5, 0.5, 76),
    (1, 0, 1.5, 76), (1, 1.5, 0.5, 69), (1, 2, 1, 76), (1, 3, 0.5, 78), (1, 3.5, 0.5, 76),
    (2, 0, 1, 74), (2, 1, 0.5, 78), (2, 1.5, 1.5, 83), (2, 3, 0.5, 81), (2, 3.5, 0.5, 78),
    (3, 0, 1, 71), (3, 1, 0.5, 74), (3, 1.5, 0.5, 76), (3, 2, 2, 74),
    (4, 0, 0.5, 78), (4, 0.5, 0.5, 81), (4, 1, 1, 86), (4, 2, 0.5, 83), (4, 2.5, 0.5, 81), (4, 3, 1, 78),
    (5, 0, 1, 76), (5, 1, 0.5, 81), (5, 1.5, 0.5, 83), (5, 2, 1, 81), (5, 3, 1, 76),
    (6, 0, 0.5, 78), (6, 0.5, 0.5, 76), (6, 1, 1, 74), (6, 2, 1, 71), (6, 3, 1, 74),
    (7, 0, 1, 76), (7, 1, 0.5, 74), (7, 1.5, 0.5, 76), (7, 2, 2, 81),
]
# fmt: on

INTRO_BARS = range(4)
A_BARS = range(4, 12)
B_BARS = range(12, 20)


def midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def at(bar: float, beat: float = 0.0) -> int:
    """Sample index of a bar and beat from the loop start."""
    return round((bar * BAR + beat * BEAT) * SR)


# ---------------------------------------------------------------------------------------------------------------
# Instruments: each returns a mono float64 array starting at the note-on
# ---------------------------------------------------------------------------------------------------------------
def envelope(n: int, attack: float, release_at: float, release: float) -> np.ndarray:
    """Linear attack to 1, hold, then an exponential release starting at ``release_at`` seconds."""
    t = np.arange(n) / SR
    env = np.minimum(t / max(attack, 1e-4), 1.0)
    tail = t > release_at
    env[tail] *= np.exp(-(t[tail] - release_at) / release)
    return env


def pluck(
    freq: float, seconds: float, rng: np.random.Generator, brightness: float = 1.0, decay: float = 1.1
) -> np.ndarray:
    """Modal pluck: inharmonic partials, higher ones dying faster, plucked a fifth of the way along the string."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    out = np.zeros(n)
    inharm = 0.00012
    for k in range(1, 16):
        fk = k * freq * math.sqrt(1 + inharm * k * k)
        if fk > 0.45 * SR:
            break
        amp = abs(math.sin(math.pi * k * 0.21)) / k ** (1.35 - 0.25 * brightness)
        tau = decay / (1 + 0.55 * (k - 1) ** 1.1) * (220.0 / max(freq, 110.0)) ** 0.35
        out += amp * np.sin(2 * np.pi * fk * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau)
    # the pick: a 3 ms burst of filtered noise
    pick_n = int(0.003 * SR)
    burst = rng.standard_normal(pick_n) * np.hanning(pick_n) * 0.15
    out[:pick_n] += burst
    attack = np.minimum(t / 0.0015, 1.0)
    return out * attack / 3.0


def flute(freq: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A breathy bamboo-flute-like lead: partials 1-3, delayed vibrato, band-passed breath."""
    n = int((seconds + 0.25) * SR)
    t = np.arange(n) / SR
    vib = 1 + 0.0045 * np.sin(2 * np.pi * 5.2 * t) * np.clip((t - 0.18) / 0.25, 0, 1)
    phase = 2 * np.pi * np.cumsum(freq * vib) / SR
    tone = np.sin(phase) + 0.22 * np.sin(2 * phase + 0.3) + 0.07 * np.sin(3 * phase + 1.1)
    sos = signal.butter(2, [freq * 1.5, min(freq * 5, 0.45 * SR)], btype="bandpass", fs=SR, output="sos")
    breath = signal.sosfilt(sos, rng.standard_normal(n)) * 0.12
    env = envelope(n, 0.06, seconds, 0.09)
    return (tone + breath) * env * 0.5


def pad_voice(freq: float, seconds: float, detune_cents: float, rng: np.random.Generator) -> np.ndarray:
    """One pad voice: a band-limited saw (additive, rolled off like a soft low-pass) with a slow swell."""
    n = int((seconds + 0.8) * SR)
    t = np.arange(n) / SR
    f = freq * 2 ** (detune_cents / 1200)
    out = np.zeros(n)
    for k in range(1, 12):
        if k * f > 0.4 * SR:
            break
        out += np.sin(2 * np.pi * k * f * t + rng.uniform(0, 2 * np.pi)) / k**1.9
    swell = 1 + 0.15 * np.sin(2 * np.pi * 0.25 * t + rng.uniform(0, 6))
    return out * envelope(n, 0.45, seconds, 0.35) * swell * 0.22


def bass(freq: float, seconds: float) -> np.ndarray:
    n = int((seconds + 0.1) * SR)
    t = np.arange(n) / SR
    tone = (
        np.sin(2 * np.pi * freq * t)
        + 0.35 * np.sin(4 * np.pi * freq * t)
        + 0.1 * np.sin(6 * np.pi * freq * t)
    )
    env = envelope(n, 0.006, seconds * 0.85, 0.05) * (0.75 + 0.25 * np.exp(-t / 0.12))
    return np.tanh(1.4 * tone * env) * 0.6


def kick() -> np.ndarray:
    n = int(0.45 * SR)
    t = np.arange(n) / SR
    freq = 50 + 110 * np.exp(-t / 0.035)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.16)
    click = np.exp(-t / 0.002) * 0.3
    return np.tanh(1.6 * (body + click)) * 0.9


def clap(rng: np.random.Generator) -> np.ndarray:
    n = int(0.35 * SR)
    t = np.arange(n) / SR
    sos = signal.butter(2, [900, 5200], btype="bandpass", fs=SR, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n))
    env = np.zeros(n)
    for k, delay in enumerate((0.0, 0.011, 0.022)):
        tt = t - delay
        env += (tt >= 0) * np.exp(-np.clip(tt, 0, None) / (0.006 if k < 2 else 0.11))
    body = np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05) * 0.25
    return (noise * env * 0.5 + body) * 0.8


def hat(rng: np.random.Generator, open_: bool = False) -> np.ndarray:
    n = int((0.35 if open_ else 0.08) * SR)
    t = np.arange(n) / SR
    sos = signal.butter(4, 7000, btype="highpass", fs=SR, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n))
    return noise * np.exp(-t / (0.09 if open_ else 0.018)) * 0.3


# ---------------------------------------------------------------------------------------------------------------
# Arrangement
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Track:
    """A stereo stem with a little extra room past the loop end for tails (folded back at mixdown)."""

    name: str
    gain: float
    reverb_send: float
    data: np.ndarray  # [2, LENGTH + tail]

    @classmethod
    def empty(cls, name: str, gain: float, reverb_send: float) -> Track:
        return cls(name, gain, reverb_send, np.zeros((2, LENGTH + 4 * SR)))

    def add(self, start: int, mono: np.ndarray, pan: float = 0.0, level: float = 1.0) -> None:
        """Equal-power pan: -1 left .. +1 right."""
        angle = (pan + 1) * math.pi / 4
        end = min(start + len(mono), self.data.shape[1])
        seg = mono[: end - start] * level
        self.data[0, start:end] += seg * math.cos(angle)
        self.data[1, start:end] += seg * math.sin(angle)

    def folded(self) -> np.ndarray:
        """The loop: whatever rang on past the end is added onto the start."""
        out = self.data[:, :LENGTH].copy()
        tail = self.data[:, LENGTH:]
        out[:, : tail.shape[1]] += tail
        return out


def arrange(rng: np.random.Generator) -> list[Track]:
    pad = Track.empty("pad", 0.2, 0.45)
    arp = Track.empty("arp", 0.55, 0.35)
    lead = Track.empty("lead", 1.0, 0.3)
    flute_t = Track.empty("flute", 0.75, 0.4)
    bass_t = Track.empty("bass", 0.62, 0.0)
    drums = Track.empty("drums", 0.7, 0.08)
    hats = Track.empty("hats", 1.4, 0.1)

    kick_s, clap_s = kick(), clap(rng)
    kick_times: list[int] = []
    # the same notes recur bar after bar: synthesise each distinct voice once (this keeps a run to seconds)
    cache: dict[tuple, np.ndarray] = {}

    def voice(kind: str, *args) -> np.ndarray:
        key = (kind, *args)
        if key not in cache:
            if kind == "pad":
                cache[key] = pad_voice(*args, rng)
            elif kind == "pluck":
                freq, seconds, brightness, decay = args
                cache[key] = pluck(freq, seconds, rng, brightness=brightness, decay=decay)
            else:
                cache[key] = bass(*args)
        return cache[key]

    for bar in range(BARS):
        _, triad = PROGRESSION[bar % 4]
        root = triad[0]
        # pad: the triad around D4, plus the root an octave down; two detuned voices spread left and right
        for note in (root - 12, *triad):
            f = midi_hz(note)
            pad.add(at(bar), voice("pad", f, BAR, -7), pan=-0.6)
            pad.add(at(bar), voice("pad", f, BAR, +7), pan=+0.6)
        # arpeggio: eighths through root, fifth, octave, third (sixteenths in the B section)
        pattern = (
            triad[0],
            triad[2],
            triad[0] + 12,
            triad[1] + 12,
            triad[2],
            triad[0] + 12,
            triad[1],
            triad[2],
        )
        step = 0.5 if bar not in B_BARS else 0.25
        count = int(BEATS_PER_BAR / step)
        for i in range(count):
            note = pattern[i % len(pattern)]
            accent = 1.0 if i % 2 == 0 else 0.7
            arp.add(at(bar, i * step), voice("pluck", midi_hz(note), 1.2, 0.6, 1.1), pan=-0.35, level=accent)
        # bass from bar 2: syncopated root / octave
        if bar >= 2:
            f = midi_hz(root - 24 if root - 24 >= 31 else root - 12)
            for beat, length, mult in ((0, 0.75, 1), (1.5, 0.5, 1), (2, 0.75, 1), (3, 0.5, 2), (3.5, 0.5, 1)):
                bass_t.add(
                    at(bar, beat), voice("bass", f * mult, length * BEAT), level=1.0 if beat == 0 else 0.85
                )
        # hats: eighths from the start, quieter off-beats; an open hat on the last off-beat of each 2 bars
        for i in range(8):
            open_ = (i == 7) and (bar % 2 == 1) and bar >= 4
            level = (0.55 if i % 2 == 0 else 0.9) * (0.6 if bar in INTRO_BARS else 1.0)
            hats.add(at(bar, i * 0.5), hat(rng, open_), pan=0.3, level=level)
            if bar in B_BARS and i % 2 == 1:
                hats.add(at(bar, i * 0.5 + 0.25), hat(rng), pan=0.4, level=0.3)
        # drums from the A section: kick on 1, the "and" of 2, 3; clap on 2 and 4
        if bar >= 4:
            for beat in (0, 1.5, 2):
                drums.add(at(bar, beat), kick_s)
                kick_times.append(at(bar, beat))
            for beat in (1, 3):
                drums.add(at(bar, beat), clap_s, pan=0.05, level=0.8)
        elif bar >= 2:
            drums.add(at(bar, 0), kick_s, level=0.7)
            kick_times.append(at(bar, 0))
        # a small fill into the loop point: claps on the last beat's sixteenths
        if bar == BARS - 1:
            for j in range(4):
                drums.add(at(bar, 3 + j * 0.25), clap_s, level=0.35 + 0.15 * j)

    # melody: pluck lead in the A section, flute an octave down (with the pluck an octave up, softly) in B
    for bar0, instrument in ((A_BARS.start, "pluck"), (B_BARS.start, "flute")):
        for bar, beat, length, note in MELODY:
            start = at(bar0 + bar, beat)
            secs = length * BEAT
            if instrument == "pluck":
                lead.add(start, voice("pluck", midi_hz(note), 1.6, 1.0, 1.4), pan=0.15)
            else:
                flute_t.add(start, flute(midi_hz(note - 12), secs * 0.95, rng), pan=0.1)
                lead.add(start, voice("pluck", midi_hz(note), 1.2, 1.2, 1.1), pan=0.25, level=0.35)

    # side-chain feel: the pad and bass dip briefly under each kick (circular, so the loop stays seamless)
    duck = np.ones(LENGTH)
    t = np.arange(int(0.3 * SR)) / SR
    dip = 1 - 0.35 * np.exp(-t / 0.09) * np.minimum(t / 0.004, 1)
    for k in kick_times:
        idx = (k + np.arange(len(dip))) % LENGTH
        duck[idx] = np.minimum(duck[idx], dip)
    for tr in (pad, bass_t):
        tr.data[:, :LENGTH] *= duck
    return [pad, arp, lead, flute_t, bass_t, drums, hats]


def reverb_ir(rng: np.random.Generator, seconds: float = 1.8) -> np.ndarray:
    """Stereo impulse response [2, n]: pre-delay, a few early reflections, a darkening exponential tail."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    ir = np.zeros((2, n))
    pre = int(0.018 * SR)
    for ch in range(2):
        tail = rng.standard_normal(n) * np.exp(-t / 0.32)
        # darken the tail as it decays: blend a low-passed copy in over time
        sos = signal.butter(2, 2500, btype="lowpass", fs=SR, output="sos")
        dark = signal.sosfilt(sos, tail)
        mix = np.clip(t / 0.6, 0, 1)
        tail = (1 - mix) * tail * 0.5 + mix * dark
        tail[:pre] = 0
        ir[ch] = tail
        for delay, gain in ((0.011, 0.5), (0.017, 0.35), (0.029, 0.3), (0.041, 0.2)):
            ir[ch, int((delay + 0.003 * ch) * SR)] += gain * (1 if ch == 0 else -1) ** int(delay * 1000)
    return ir / np.sqrt(np.sum(ir**2) / 2)


def circular_convolve(x: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Circular convolution over the loop length, per channel: the reverb tail wraps onto the start."""
    n = x.shape[1]
    return np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(ir, n), n)


def highpass_circular(x: np.ndarray, cutoff: float = 25.0) -> np.ndarray:
    """Remove DC and sub-bass rumble with a smooth spectral high-pass that keeps the loop seamless."""
    n = x.shape[1]
    spec = np.fft.rfft(x, n)
    freqs = np.fft.rfftfreq(n, 1 / SR)
    gain = 1 / np.sqrt(1 + (cutoff / np.maximum(freqs, 1e-9)) ** 8)
    gain[0] = 0.0
    return np.fft.irfft(spec * gain, n)


def mixdown(tracks: list[Track], rng: np.random.Generator) -> np.ndarray:
    dry = np.zeros((2, LENGTH))
    send = np.zeros((2, LENGTH))
    for tr in tracks:
        stem = tr.folded() * tr.gain
        dry += stem
        send += stem * tr.reverb_send
    wet = circular_convolve(send, reverb_ir(rng)) * 0.28
    mix = highpass_circular(dry + wet)
    # bus glue: a gentle tanh soft-clip, then scale to the peak target
    mix = np.tanh(mix / np.max(np.abs(mix)) * 1.2) / math.tanh(1.2)
    mix -= mix.mean(axis=1, keepdims=True)
    return mix / np.max(np.abs(mix)) * 10 ** (PEAK_DBFS / 20)


def measure(mix: np.ndarray) -> dict[str, float]:
    """Numbers for a listen-check: peak, RMS, DC, clipped samples, the loop seam step, integrated loudness."""
    peak = float(np.max(np.abs(mix)))
    rms = float(np.sqrt(np.mean(mix**2)))
    seam = float(np.max(np.abs(mix[:, 0] - mix[:, -1])))
    typical_step = float(np.percentile(np.abs(np.diff(mix, axis=1)), 99.9))
    out = {
        "seconds": mix.shape[1] / SR,
        "peak_dbfs": 20 * math.log10(peak),
        "rms_dbfs": 20 * math.log10(rms),
        "dc_offset": float(np.max(np.abs(mix.mean(axis=1)))),
        "clipped_samples": int(np.sum(np.abs(mix) >= 0.999)),
        "seam_step": seam,
        "p99_9_step": typical_step,
    }
    try:
        import pyloudnorm

        out["lufs_integrated"] = float(pyloudnorm.Meter(SR).integrated_loudness(mix.T))
    except ImportError:  # optional: only for the printed report
        pass
    return out


def encode_m4a(mix: np.ndarray, out: Path, bitrate: str = "192k") -> None:
    """AAC in MP4 via the ffmpeg bundled with imageio-ffmpeg; written to a temp file, then renamed."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="make_music.") as tmp:
        wav = Path(tmp) / "mix.wav"
        wavfile.write(wav, SR, mix.T.astype(np.float32))
        part = out.with_name(f".{out.stem}.part{out.suffix}")
        cmd = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(wav),
            "-c:a",
            "aac",
            "-b:a",
            bitrate,
            "-ar",
            str(SR),
            "-ac",
            "2",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-movflags",
            "+faststart",
            str(part),
        ]
        try:
            subprocess.run(cmd, check=True)
            part.replace(out)
        finally:
            if part.exists():
                part.unlink()


def render() -> np.ndarray:
    """The whole loop as float64 [2, LENGTH] in [-1, 1]."""
    rng = np.random.default_rng(SEED)
    return mixdown(arrange(rng), rng)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Synthesise the bundled music loop.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wav", type=Path, help="also write the float32 WAV here")
    args = parser.parse_args(argv)
    mix = render()
    for key, value in measure(mix).items():
        print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    if args.wav:
        wavfile.write(args.wav, SR, mix.T.astype(np.float32))
    encode_m4a(mix, args.out)
    print(
        f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB, {BPM:g} BPM, {BARS} bars, {LENGTH / SR:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
