"""Media I/O for all of studio: probing, decoding and encoding video and audio, and the accepted file types.

One home for what the ad renderer, the product spin, the compliance screen, the splat frame sampler and the AI
motion clips read and write:

* ``types``  the one table of accepted image, video and audio suffixes (``is_image``, ``is_video``).
* ``probe``  typed stream information (``MediaInfo``, ``VideoStream``, ``AudioStream``) and the MP4 layout check.
* ``decode`` video frames (upright, scaled on request) and audio samples.
* ``encode`` the delivery encoder: ONE set of H.264/AAC settings (High profile, yuv420p, BT.709 tagged, a fixed
  GOP, ``+faststart``, AAC 48 kHz stereo), raw frames piped into one ffmpeg, written to a temp file then renamed.
* ``ffmpeg`` the ffmpeg binary (imageio-ffmpeg's, or one on PATH).

Library or subprocess, chosen per function:

* Probing and video decoding use **PyAV** (``av``: FFmpeg's own libraries, bundled in the wheel). It returns the
  stream's exact metadata as values (the frame rate as a ``Fraction``, the container's frame count, the codec
  profile, pixel format, colour tags, the display-matrix rotation of each frame) where the old code ran
  ``ffmpeg -i`` and read its log with regular expressions, and imageio-ffmpeg ships no ffprobe. Decoding in
  process lets the caller look at every frame cheaply (a small grey copy for scene scores or sharpness) and
  convert to RGB only the frames it keeps; ``skip_frame=NONREF`` gives the same fast path the CLI had.
* Encoding stays a **subprocess** pipe into the ffmpeg binary: x264 then runs in its own process, in parallel
  with Python's compositing (the renderer measured in ``bench/render_speed.py`` depends on this overlap), and the
  binary is the one the project already ships. PyAV's encoder would run x264 inside the Python process.
* Audio decoding to float samples is one ffmpeg call to ``f32le`` (resampling and down-mixing by ffmpeg's own
  filters, no per-packet Python work); the music bed is a few minutes at most.
"""

from __future__ import annotations

from studio.media.ffmpeg import ffmpeg_exe

__all__ = ["ffmpeg_exe"]
