#!/usr/bin/env python3
"""Synthesise Switchboard's bundled notification sounds into assets/sounds/.

Each sound is a sum of sine partials shaped by an envelope: a short raised-cosine attack
and a final fade to silence, so no sound starts or ends with a click. Python 3 standard
library only; the output is deterministic, so running this again rewrites identical files.

    python3 scripts/make-sounds.py
"""

import math
import struct
import wave
from pathlib import Path

RATE = 44_100
PEAK = 0.6  # about -4.4 dBFS: audible without being harsh
OUT = Path(__file__).resolve().parent.parent / "assets" / "sounds"


def envelope(t, length, attack, decay):
    """Raised-cosine attack, exponential decay, and a 30 ms cosine fade to zero at the end."""
    if t < attack:
        gain = 0.5 - 0.5 * math.cos(math.pi * t / attack)
    else:
        gain = math.exp(-(t - attack) / decay)
    fade = 0.030
    if t > length - fade:
        gain *= 0.5 + 0.5 * math.cos(math.pi * (t - (length - fade)) / fade)
    return gain


def note(length, partials, attack, decay, start=0.0):
    """One struck note: `partials` are (frequency in Hz, relative amplitude, decay factor)."""

    def sample(t):
        t -= start
        if t < 0 or t >= length:
            return 0.0
        value = 0.0
        for freq, amp, decay_factor in partials:
            value += amp * math.sin(2 * math.pi * freq * t) * math.exp(-t / (decay * decay_factor))
        return value * envelope(t, length, attack, decay * 4)

    return sample


def chime():
    """Two soft notes a fourth apart (G5 then C6), like a doorbell's 'ding-dong' turned up."""
    partials = lambda f: [(f, 1.0, 1.0), (2 * f, 0.25, 0.5), (3 * f, 0.08, 0.3)]
    first = note(0.42, partials(783.99), 0.006, 0.18)
    second = note(0.52, partials(1046.50), 0.006, 0.22, start=0.16)
    return 0.68, lambda t: first(t) + second(t)


def bell():
    """A small bell: inharmonic partials (ratios of a struck bar) that die away at different
    rates, the high ones first."""
    base = 1318.51  # E6
    partials = [
        (base * 0.5, 0.35, 1.4),  # hum
        (base, 1.0, 1.0),
        (base * 1.19, 0.45, 0.7),  # minor-third partial that makes it sound like a bell
        (base * 1.5, 0.30, 0.5),
        (base * 2.0, 0.25, 0.35),
        (base * 2.74, 0.15, 0.25),
    ]
    struck = note(0.85, partials, 0.003, 0.25)
    return 0.85, struck


def pop():
    """A short bubble 'pop': a sine whose pitch glides up quickly, with a fast decay."""
    length = 0.14

    def sample(t):
        if t >= length:
            return 0.0
        # Phase of a glide from 380 Hz towards 1100 Hz (exponential approach).
        f0, f1, rate = 380.0, 1100.0, 30.0
        phase = 2 * math.pi * (f1 * t - (f1 - f0) * (1 - math.exp(-rate * t)) / rate)
        return math.sin(phase) * envelope(t, length, 0.004, 0.035)

    return length, sample


def render(name, sound):
    length, sample = sound()
    count = int(length * RATE)
    raw = [sample(i / RATE) for i in range(count)]
    peak = max(abs(v) for v in raw) or 1.0
    frames = b"".join(struct.pack("<h", round(v / peak * PEAK * 32767)) for v in raw)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    print(f"{path.relative_to(OUT.parent.parent)}: {length:.2f} s, {len(frames)} bytes")


if __name__ == "__main__":
    for name, sound in [("chime", chime), ("bell", bell), ("pop", pop)]:
        render(name, sound)
