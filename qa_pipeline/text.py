"""Chinese text as QA staff need it.

- :func:`to_simplified` — Whisper often answers in Traditional characters (OpenCC ``t2s``);
- :func:`to_halfwidth` — full-width letters, digits and spaces to ASCII (Chinese
  punctuation such as ，。？ is kept: it is the standard form in Simplified text);
- :func:`spoken_numbers_to_digits` — 幺三八零… → 138…, 两千四百九十九 → 2499,
  百分之五十 → 50%, while 一下 / 统一 / 第一次 stay words (cn2an does the arithmetic);
- :func:`normalize` — all of the above; :func:`count_chars` — characters for speech rate;
- :func:`pinyin` — toneless pinyin syllables, for homophone-tolerant matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGIT = {"零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
          "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_UNITS = "十百千万亿"
_NUMERAL = "零〇洞一幺二两三四五六七八九十百千万亿"  # 幺/两/洞: 1/2/0 as digits are read out
_RUN = re.compile(rf"[{_NUMERAL}](?:[{_NUMERAL}]|点(?=[{_NUMERAL}]))*")
_PERCENT = re.compile(rf"百分之([{_NUMERAL}点]+)")
# A single numeral becomes a digit only where it is plainly a quantity or a date part.
_SINGLE_OK_BEFORE = re.compile(r"[月日号点时分秒元块角岁%]")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_HALF = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20
# Chinese punctuation keeps its full-width form.
for _ch in "，。！？：；（）":
    _HALF.pop(ord(_ch), None)


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese.

    >>> to_simplified("請您稍等")
    '请您稍等'
    """
    return _opencc().convert(text)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII variants → half-width; Chinese punctuation is kept.

    >>> to_halfwidth("ＡＢ１２３，好")
    'AB123，好'
    """
    return text.translate(_HALF)


def _run_to_digits(run: str) -> str:
    import cn2an

    if not any(u in run for u in _UNITS) and "点" not in run:
        return "".join(_DIGIT[c] for c in run)  # a digit string: phone, ID, policy number, year
    try:
        value = cn2an.cn2an(run.replace("两", "二").replace("幺", "一").replace("〇", "零"), "smart")
    except (ValueError, KeyError, IndexError):
        return run
    if isinstance(value, float) and value.is_integer() and "点" not in run:
        value = int(value)
    return str(value)


def spoken_numbers_to_digits(text: str) -> str:
    """Turn spoken numbers into digits where they form numbers.

    >>> spoken_numbers_to_digits("保费两千四百九十九元，电话幺三八零零幺三八零零零")
    '保费2499元，电话13800138000'
    >>> spoken_numbers_to_digits("我查一下，统一办理，第一次")
    '我查一下，统一办理，第一次'
    """
    text = _PERCENT.sub(lambda m: _run_to_digits(m.group(1)) + "%", text)

    def repl(m: re.Match) -> str:
        run = m.group(0)
        if "洞" in run and (len(run) < 3 or any(u in run for u in _UNITS)):
            return run  # 山洞, 漏洞百出: 洞 is 0 only inside a read-out digit string
        if run[0] in "十百千万亿" and run[0] != "十":
            return run  # 万一, 千万 (adverbs), not numbers
        nxt = text[m.end() : m.end() + 1]
        if len(run) == 1 and not _SINGLE_OK_BEFORE.match(nxt):
            return run  # 一下, 两个, 第一次: words, not numbers
        if len(run) == 2 and not any(u in run for u in _UNITS) and not _SINGLE_OK_BEFORE.match(nxt) and nxt != "年":
            return run  # 一一核对, 三五天: a pair of digits is rarely a number when spoken
        return _run_to_digits(run)

    return _RUN.sub(repl, text)


def normalize(text: str) -> str:
    """Simplified, half-width, spoken numbers as digits, whitespace tidied."""
    text = to_halfwidth(to_simplified(text))
    text = spoken_numbers_to_digits(text)
    return re.sub(r"\s+", " ", text).strip()


def count_chars(text: str) -> int:
    """Characters that count towards speech rate: everything but punctuation and spaces."""
    return len(_PUNCT.sub("", text))


@lru_cache(maxsize=4096)
def pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per character (non-Chinese characters kept as-is).

    >>> pinyin("来电")
    ('lai', 'dian')
    """
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars)))


def strip_punct(text: str) -> str:
    """Text without punctuation or spaces (for comparisons such as CER)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))
