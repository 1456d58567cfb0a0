"""Transcripts QA staff can read: ASR homophones replaced by the call center's own words.

Whisper hears Mandarin by sound, so on 8 kHz calls it writes 宝费 for 保费, 里赔 for 理赔,
收等 for 稍等, 感谢您的来点 for 来电 and 工号邀088 for 工号幺零八八. The rules match by
pinyin and do not mind (:mod:`qa_pipeline.rules.match`); a person reading the transcript
does. :func:`correct_text` replaces a stretch of text by a vocabulary term when

- its toneless pinyin is the term's (``homophone``: 宝费→保费), or every syllable is the
  term's or a close one with the same initial (``fuzzy``: shou/shao, zhi/zi, lan/nan;
  never dian/xin) and at least half of them are the term's exactly, with the term at
  least ``fuzzy_min_chars`` long (收等→稍等 only as part of 请您稍等);
- the stretch is not itself a common word (frequency in jieba's dictionary at least
  ``keep_word_freq``: 报废 is a word, so it never becomes 保费);
- it holds no digits or Latin letters (numbers are not words), and it does not change
  你/您 or 不/没 (QA listens for exactly those).

After 工号 or 尾号, characters that read as digits (邀/腰→1, 领/灵→0…) among digits
become digits (``digits``). Every change is kept as a :class:`~qa_pipeline.types.Correction`
(what was heard, the term, where), and ``raw_text`` keeps Whisper's own text.

The terms are the rules' vocabulary (``vocabulary.yaml``: hotwords plus its
``corrections`` list).

Example
-------
>>> correct_text("请您收等，您的宝费已经交了", ("保费", "请您稍等"))[0]
'请您稍等，您的保费已经交了'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from .rules.match import syllable_cost
from .text import pinyin
from .types import Correction, Utterance

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SKIP = re.compile(r"[\s，。！？、；：,.!?;:\"'“”‘’（）()《》…~～-]")
# Characters that ASR writes for spoken digits (read by toneless pinyin).
_DIGIT_SOUNDS = {"yao": "1", "yi": "1", "ling": "0", "dong": "0", "er": "2", "liang": "2", "san": "3", "si": "4",
                 "wu": "5", "liu": "6", "qi": "7", "ba": "8", "jiu": "9"}
# Never changed: what QA listens for (你 for 您 is impolite, 不/没 turn a sentence around).
_PROTECTED = set("你您不没")
_INITIAL = re.compile(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])")
_ID_CUE = re.compile(r"(工号|尾号)(是|为)?")


@dataclass(frozen=True)
class CorrectionOptions:
    """When a stretch of text is replaced by a vocabulary term.

    Attributes
    ----------
    enabled : run the correction pass at all.
    max_syllable_cost : the largest cost of one syllable against the term's (see
        :func:`qa_pipeline.rules.match.syllable_cost`: 0.2 for zh/z-type confusions,
        0.5 for shou/shao); the two must also share their initial.
    fuzzy_min_chars : terms shorter than this are replaced only on identical pinyin.
    keep_word_freq : a stretch that is a word this common in jieba's dictionary is kept.
    max_id_digits : the longest digit run after 工号/尾号 that is repaired (longer runs
        are somebody's number: left to the entity detectors and to redaction).
    """

    enabled: bool = True
    max_syllable_cost: float = 0.5
    fuzzy_min_chars: int = 4
    keep_word_freq: int = 5
    max_id_digits: int = 6


@lru_cache(maxsize=1)
def _dictionary() -> bytes:
    """jieba's word list (``word freq tag`` lines), read as bytes once: a lookup is one
    ``bytes.find`` (about a millisecond), with none of jieba's second-long initialization."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return b""
    path = Path(spec.origin).parent / "dict.txt"
    return b"\n" + path.read_bytes() if path.is_file() else b""


@lru_cache(maxsize=4096)
def _is_word(text: str, min_freq: int) -> bool:
    data = _dictionary()
    i = data.find(b"\n" + text.encode("utf-8") + b" ")
    if i < 0:
        return False
    freq = data[i + 1: data.find(b"\n", i + 1)].split(b" ")[1]
    return freq.isdigit() and int(freq) >= min_freq


def _initial(syllable: str) -> str:
    m = _INITIAL.match(syllable)
    initial = m.group(0) if m else ""
    return {"zh": "z", "ch": "c", "sh": "s", "l": "n"}.get(initial, initial)


def _plain(text: str) -> tuple[str, list[int]]:
    keep = [(i, ch) for i, ch in enumerate(text) if not _SKIP.match(ch)]
    return "".join(ch for _, ch in keep), [i for i, _ in keep]


def _term_hits(term: str, text: str, syllables: Sequence[str], taken: list[bool],
               options: CorrectionOptions) -> list[tuple[int, int, str]]:
    """(start, end, how) of stretches of ``text`` (no punctuation inside) that sound like ``term``.

    ``syllables`` are the text's characters' toneless pinyin (one per character).
    """
    n = len(term)
    tp = pinyin(term)
    if len(tp) != n or n < 2 or not all(_CJK.match(c) for c in term):
        return []
    out = []
    i = 0
    while i + n <= len(text):
        wp = syllables[i: i + n]
        exact = sum(a == b for a, b in zip(tp, wp))
        window = text[i: i + n]
        if (exact * 2 < n or (exact < n and n < options.fuzzy_min_chars) or window == term
                or any(taken[i: i + n]) or not all(_CJK.match(c) for c in window)):
            i += 1
            continue
        costs = [syllable_cost(a, b) if _initial(a) == _initial(b) and (h == t or h not in _PROTECTED) else 1.0
                 for a, b, h, t in zip(tp, wp, window, term)]
        how = "homophone" if max(costs) == 0 else "fuzzy" if max(costs) <= options.max_syllable_cost else None
        if how is None or _is_word(window, options.keep_word_freq):
            i += 1
            continue
        out.append((i, i + n, how))
        i += n
    return out


def _id_digits(text: str, taken: list[bool], options: CorrectionOptions) -> list[tuple[int, int, str]]:
    """Digit-sounding characters among the digits after 工号/尾号 (工号邀088 → 工号1088)."""
    out = []
    for m in _ID_CUE.finditer(text):
        j = m.end()
        run = ""
        while j < len(text) and len(run) <= options.max_id_digits:
            ch = text[j]
            if ch.isdigit():
                run += ch
            elif _CJK.match(ch) and pinyin(ch)[0] in _DIGIT_SOUNDS:
                run += _DIGIT_SOUNDS[pinyin(ch)[0]]
            else:
                break
            j += 1
        s = m.end()
        heard = text[s:j]
        enough = any(c.isdigit() for c in heard) or len(run) >= 3
        if 2 <= len(run) <= options.max_id_digits and heard != run and enough and not any(taken[s:j]):
            out.append((s, j, run))
    return out


def correct_text(text: str, terms: Sequence[str], options: CorrectionOptions | None = None
                 ) -> tuple[str, tuple[Correction, ...]]:
    """Replace ASR homophones in one (normalized) text by vocabulary terms.

    Parameters
    ----------
    text : an utterance's normalized text.
    terms : the vocabulary; longer terms are tried first.

    Returns
    -------
    (text, corrections)
        The corrected text and every change made (positions index the corrected text).
    """
    options = options or CorrectionOptions()
    if not options.enabled or not text:
        return text, ()
    taken = [False] * len(text)
    changes: list[Correction] = []
    for start, end, digits in _id_digits(text, taken, options):
        heard = text[start:end]
        text = text[:start] + digits + text[end:]
        taken = taken[:start] + [True] * len(digits) + taken[end:]
        shift = len(digits) - len(heard)
        changes = [replace(c, start=c.start + shift, end=c.end + shift) if c.start >= end else c for c in changes]
        changes.append(Correction(heard=heard, term=digits, start=start, end=start + len(digits), how="digits"))
    plain, index = _plain(text)
    ptaken = [taken[k] for k in index]
    syllables = list(pinyin(plain))
    if len(syllables) != len(plain):  # pinyin did not give one syllable per character
        syllables = [pinyin(c)[0] if pinyin(c) else c for c in plain]
    for term in sorted(dict.fromkeys(t for t in terms if t), key=lambda t: (-len(t), t)):
        for s, e, how in _term_hits(term, plain, syllables, ptaken, options):
            a, b = index[s], index[e - 1] + 1
            if b - a != e - s:  # punctuation inside the stretch: leave it
                continue
            changes.append(Correction(heard=plain[s:e], term=term, start=a, end=b, how=how))
            text = text[:a] + term + text[b:]
            plain = plain[:s] + term + plain[e:]
            syllables[s:e] = pinyin(term)
            for k in range(s, e):
                ptaken[k] = True
    return text, tuple(sorted(changes, key=lambda c: c.start))


def correct_utterances(utterances: Iterable[Utterance], terms: Sequence[str],
                       options: CorrectionOptions | None = None) -> list[Utterance]:
    """Each utterance with its ``text`` corrected and the changes in ``corrections``."""
    out = []
    for u in utterances:
        text, changes = correct_text(u.text, terms, options)
        out.append(replace(u, text=text, corrections=changes) if changes else u)
    return out


def correct_channels(channels: dict, terms: Sequence[str], options: CorrectionOptions | None = None) -> dict:
    """:func:`correct_utterances` over every :class:`~qa_pipeline.transcribe.ChannelResult`."""
    return {k: replace(r, utterances=correct_utterances(r.utterances, terms, options)) for k, r in channels.items()}
