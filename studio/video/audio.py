"""The music bed: decode, fit to the ad's length, fade, and normalise to -14 LUFS integrated, <= -1 dBTP.

Loudness is measured with ITU-R BS.1770 (pyloudnorm); the true peak on a 4x oversampled signal. When gain alone
would push the true peak over the ceiling, a look-ahead limiter brings the peaks down and the gain is re-solved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.errors import InputError
from studio.media.decode import decode_audio

SAMPLE_RATE = 48_000
TARGET_LUFS = -14.0
# AAC encoding adds a few tenths of a dB of overshoot: aim below the -1 dBTP delivery ceiling.
PEAK_CEILING_DBTP = -1.8


@dataclass(frozen=True)
class MusicStats:
    lufs: float
    true_peak_dbtp: float
    gain_db: float
    limited: bool


def true_peak_db(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """True peak (dBTP) of float samples, via 4x polyphase oversampling (BS.1770-4 annex 2)."""
    from scipy.signal import resample_poly

    over = resample_poly(samples, 4, 1, axis=0)
    peak = float(np.max(np.abs(over))) if over.size else 0.0
    return 20 * np.log10(max(peak, 1e-12))


def loudness_lufs(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(samples.astype(np.float64)))


def _limit(samples: np.ndarray, ceiling_db: float, sample_rate: int) -> np.ndarray:
    """Look-ahead peak limiter: a gain curve that never lets |x| exceed the ceiling, smoothed (5 ms attack,
    80 ms release) so it does not distort."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d
    from scipy.signal import resample_poly

    ceiling = 10 ** (ceiling_db / 20)
    over = np.abs(resample_poly(samples, 4, 1, axis=0)).max(axis=1)
    peak = over.reshape(-1, 4).max(axis=1)[: len(samples)]
    if len(peak) < len(samples):
        peak = np.pad(peak, (0, len(samples) - len(peak)), mode="edge")
    needed = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    attack = max(1, int(0.005 * sample_rate))
    release = max(1, int(0.08 * sample_rate))
    gain = -maximum_filter1d(-needed, size=2 * attack + 1)  # look-ahead: reach the gain before the peak
    gain = np.minimum(gain, -maximum_filter1d(-gain, size=release, origin=-(release // 2) + 1))
    gain = uniform_filter1d(gain, size=attack)
    gain = np.minimum(gain, needed)  # smoothing must never let a peak through
    return samples * gain[:, None].astype(np.float32)


def fit_music(
    samples: np.ndarray, duration: float, *, fade_in: float, fade_out: float, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Loop (with a short crossfade) or trim to ``duration`` seconds, then fade in and out."""
    total = round(duration * sample_rate)
    if len(samples) == 0:
        raise InputError("The music file has no samples.", "Use a longer audio file.")
    if len(samples) < total:
        xfade = min(int(0.5 * sample_rate), len(samples) // 4)
        pieces = [samples]
        length = len(samples)
        while length < total:
            ramp = np.linspace(0, 1, xfade, dtype=np.float32)[:, None]
            tail = pieces[-1]
            joined = tail[-xfade:] * (1 - ramp) + samples[:xfade] * ramp
            pieces[-1] = tail[:-xfade]
            pieces.extend([joined, samples[xfade:]])
            length += len(samples) - xfade
        samples = np.concatenate(pieces)
    out = samples[:total].copy()
    n_in = min(int(fade_in * sample_rate), total)
    n_out = min(int(fade_out * sample_rate), total)
    if n_in:
        out[:n_in] *= np.linspace(0, 1, n_in, dtype=np.float32)[:, None]
    if n_out:
        out[-n_out:] *= np.linspace(1, 0, n_out, dtype=np.float32)[:, None] ** 1.5
    return out


def normalise(
    samples: np.ndarray,
    *,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PEAK_CEILING_DBTP,
    sample_rate: int = SAMPLE_RATE,
) -> tuple[np.ndarray, MusicStats]:
    """Gain to ``target_lufs`` integrated; limit true peaks to ``ceiling_dbtp`` (re-solving the gain)."""
    measured = loudness_lufs(samples, sample_rate)
    if not np.isfinite(measured):
        raise InputError("The music is silent.", "Use a track with audible sound, or no music.")
    total_gain = 0.0
    limited = False
    out = samples
    for _ in range(4):
        gain_db = target_lufs - loudness_lufs(out, sample_rate)
        out = out * np.float32(10 ** (gain_db / 20))
        total_gain += gain_db
        if true_peak_db(out, sample_rate) <= ceiling_dbtp + 0.05 and abs(gain_db) < 0.1:
            break
        if true_peak_db(out, sample_rate) > ceiling_dbtp:
            out = _limit(out, ceiling_dbtp - 0.1, sample_rate)
            limited = True
    return out.astype(np.float32), MusicStats(
        lufs=loudness_lufs(out, sample_rate),
        true_peak_dbtp=true_peak_db(out, sample_rate),
        gain_db=total_gain,
        limited=limited,
    )


def prepare_music(
    path: Path, duration: float, out_wav: Path, *, fade_in: float = 0.05, fade_out: float = 1.5
) -> MusicStats:
    """Decode ``path``, fit it to ``duration``, normalise, and write a float WAV for the muxer."""
    import wave

    samples = fit_music(
        decode_audio(path, sample_rate=SAMPLE_RATE, what="music file"),
        duration,
        fade_in=fade_in,
        fade_out=fade_out,
    )
    samples, stats = normalise(samples)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(out_wav), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm.tobytes())
    return stats
