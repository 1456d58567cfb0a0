"""Sensitive entities in one normalized utterance, and their masking.

The input is text after :func:`qa_pipeline.text.normalize` (Simplified, half-width,
spoken numbers as digits). Checksums come from python-stdnum: :mod:`stdnum.cn.ric`
(GB 11643 resident ID: check digit, birth date, region code) and :mod:`stdnum.luhn`
(bank cards). stdnum has no VIN module, so the VIN check digit (position 9, as
GB 16735 and 49 CFR 565 define it on top of ISO 3779) is computed here.

Two detectors are about numbers and places as ASR hears them: a long digit run right after a
card/account, ID or phone cue (还款卡号是…, 扣款账户为…) is that kind of number whatever its
length or checksum (ASR inserts, drops and merges digits), and Chinese addresses are found by a
documented pattern set (province → city → district → town → road → number → estate → building →
floor → room; see ``_ADDRESS_PARTS``).

>>> [(e.type, e.text) for e in find_entities("新号码是13800138000，车牌是沪A66889")]
[('mobile', '13800138000'), ('plate', '沪A66889')]
>>> mask_text("投保人叫王建国，电话13800138000")
'投保人叫王**，电话138****8000'
>>> mask_text("还款卡号是62170037641285930455，寄到广州市天河区体育西路191号B座20楼")
'还款卡号是6217************0455，寄到广州市天河区*************'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, ValidationError

ENTITY_TYPES = ("resident_id", "bank_card", "mobile", "landline", "plate", "vin",
                "policy_number", "claim_number", "person_name", "address")

_NB, _NA = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"  # not inside a longer alphanumeric run
_ID18 = re.compile(rf"{_NB}\d{{17}}[\dXx]{_NA}")
_ID15 = re.compile(rf"{_NB}\d{{15}}{_NA}")
_CARD = re.compile(rf"{_NB}(?:\d{{16,19}}|\d{{4}}(?:[ -]\d{{4}}){{3}}(?:[ -]?\d{{1,3}})?){_NA}")
_MOBILE = re.compile(rf"{_NB}(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{{4}}){{2}}{_NA}")
_LANDLINE = re.compile(rf"{_NB}(?:010|02\d|0[3-9]\d\d)[ -]?\d{{7,8}}{_NA}")  # 3-digit codes: 010, 02x
_VIN = re.compile(rf"{_NB}[A-HJ-NPR-Z0-9]{{17}}{_NA}", re.IGNORECASE)
# Only the cue right before a number counts: "身份证号码是…", "卡号：…".
_ID_CUE = re.compile(r"(?:身份证|证件)(?:号码|号)?\s*(?:是|为)?\s*[：:]?\s*$")
_CARD_CUE = re.compile(r"(?:卡|账户|账号)(?:号码|号)?\s*(?:是|为)?\s*[：:]?\s*$")

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# How ASR writes a spoken plate letter; multi-character forms are tried first.
_LETTER_HOMOPHONES = {
    "艾克斯": "X", "艾弗": "F", "艾夫": "F", "艾曲": "H", "艾尺": "H", "艾勒": "L", "艾姆": "M",
    "艾斯": "S", "艾": "A", "诶": "A", "比": "B", "必": "B", "币": "B", "西": "C", "希": "C",
    "迪": "D", "弟": "D", "滴": "D", "伊": "E", "衣": "E", "弗": "F", "夫": "F", "吉": "G",
    "鸡": "G", "基": "G", "尺": "H", "杰": "J", "凯": "K", "恩": "N", "批": "P", "丘": "Q",
    "踢": "T", "优": "U", "维": "V", "歪": "Y", "贼": "Z",
}
_LETTER = "|".join(sorted(_LETTER_HOMOPHONES, key=len, reverse=True)) + "|[A-HJ-NP-Z]"
_PLATE = re.compile(rf"([{_PROVINCES}])({_LETTER})[·• ]?([A-HJ-NP-Z0-9]{{5,6}}){_NA}", re.IGNORECASE)

_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
               **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

# The ~100 most common surnames (over 80% of the population); compound ones below.
_SURNAMES = frozenset("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕"
                      "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔赖洪")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "皇甫", "慕容", "司徒", "令狐", "夏侯", "公孙")
_TITLES = ("先生", "女士", "小姐", "老师", "经理", "阿姨", "师傅", "医生", "同学", "总", "姐", "哥", "叔")
_NAME_STOP = set("的是在和跟与我你他她它想要吗呢啊吧呀嘛哦了就也还都说")
_HAN = re.compile(r"[\u4e00-\u9fff]")

# Chinese addresses: a documented pattern set, not a gazetteer. The PyPI parsers were weighed:
# cpca (last release 2021) and addressparser stop at province/city/district, jionlp is a large
# dependency for one regex family. An address is a run of these parts, in this order, each at
# most once; a part's name may not start with a function word (我住在/寄到/地址是 stay outside).
_ADDR_CHAR = r"[^\W\d_在是的我您你他她它住寄到址从往送给把为了和与及或就还也都要请这那个吗呢吧啊哦嗯对好说]"
_ADDR_NUM = r"[0-9零〇一二两三四五六七八九十百千幺洞]"
_ADDRESS_PARTS = (
    ("province", rf"(?:{_ADDR_CHAR}{{2,7}}?(?:省|自治区)|(?:北京|上海|天津|重庆)市?)"),
    ("city", rf"{_ADDR_CHAR}{{1,6}}?(?:市|自治州|地区|盟)"),
    ("district", rf"{_ADDR_CHAR}{{1,6}}?(?:区|县|旗)"),
    ("town", rf"{_ADDR_CHAR}{{1,6}}?(?:镇|乡|街道)"),
    ("road", rf"(?:{_ADDR_CHAR}|[A-Za-z0-9]){{1,10}}?(?:大道|大街|路|街|巷|胡同)"),
    ("number", rf"{_ADDR_NUM}{{1,6}}(?:号|弄)(?!楼)"),
    ("estate", rf"{_ADDR_CHAR}{{2,8}}?(?:小区|花园|大厦|公寓|广场|新村|家园|村|苑)"),
    ("building", rf"(?:(?:[0-9A-Za-z]|{_ADDR_NUM}){{1,4}}(?:号楼|栋|座|幢|单元) ?){{1,3}}"),
    ("floor", rf"{_ADDR_NUM}{{1,3}}(?:楼|层)"),
    ("room", rf"{_ADDR_NUM}{{2,5}}(?:室|房|号房)"),
)
_ADMIN = ("province", "city", "district", "town")
_ADDRESS = re.compile("".join(rf"(?:(?P<{name}>{rx}) ?)?" for name, rx in _ADDRESS_PARTS))
# The last character of some part; an address has at least two different ones (a fast pre-check).
_ADDRESS_MARK = re.compile("[省市区县旗盟州镇乡路街道巷同号弄园厦寓场村苑楼栋座幢元层室房]")

# Same span found twice: a cue in the text beats a checksum, which beats a bare pattern.
_PRIORITY = {"policy_number": 0, "claim_number": 0, "person_name": 0, "resident_id": 1, "vin": 1,
             "bank_card": 2, "mobile": 3, "landline": 3, "plate": 3, "address": 4}


@dataclass(frozen=True)
class Entity:
    """One sensitive value found in an utterance.

    Attributes
    ----------
    type : str
        One of :data:`ENTITY_TYPES`.
    text : str
        The matched text as it appears in the input.
    start, end : int
        Character offsets in the input, ``end`` exclusive.
    valid : bool or None
        Checksum result for ``resident_id``, ``bank_card`` and ``vin``; ``None`` otherwise.
    why : str
        A short explanation for QA staff.
    """

    type: str
    text: str
    start: int
    end: int
    valid: bool | None
    why: str


@dataclass(frozen=True)
class EntityOptions:
    """Formats that differ between companies; loaded from rules/entities.yaml by the caller.

    Attributes
    ----------
    policy_number_pattern, claim_number_pattern : str
        Regular expression for the value that follows a cue.
    policy_number_cues, claim_number_cues, name_cues : tuple of str
        Words that introduce a policy number, a claim number, a person's full name.
    require_valid_checksum : bool
        Drop resident IDs, bank cards and VINs whose checksum fails. A resident ID or card
        number right after its cue (身份证号码是…, 卡号…) is kept, with ``valid=False``.
    account_cues, id_cues, phone_cues : tuple of str
        Words after which a long digit run is a card/account number, a resident ID, a phone
        number even when no format or checksum fits: ASR inserts, drops and merges digits
        in long numbers. A cue inside a longer word counts (还款卡号, 扣款账户, 手机号码).
    cued_min_digits : int
        The shortest digit run after such a cue that counts (尾号6688 is not a card number).
    """

    policy_number_pattern: str = r"[A-Z0-9]{6,22}"
    policy_number_cues: tuple[str, ...] = ("保单号码", "保单号")
    claim_number_pattern: str = r"[A-Z0-9]{6,22}"
    claim_number_cues: tuple[str, ...] = ("报案号码", "报案号", "赔案号")
    name_cues: tuple[str, ...] = ("投保人是", "投保人叫", "被保险人是", "被保险人叫",
                                  "姓名是", "我叫", "名字是", "本人是")
    require_valid_checksum: bool = True
    account_cues: tuple[str, ...] = ("卡号", "账号", "账户", "尾号", "银行卡", "储蓄卡", "信用卡", "存折")
    id_cues: tuple[str, ...] = ("身份证", "证件号")
    phone_cues: tuple[str, ...] = ("手机", "电话", "联系方式")
    cued_min_digits: int = 9


def _cued(text: str, start: int, cue: re.Pattern[str]) -> bool:
    return cue.search(text, max(0, start - 12), start) is not None


@lru_cache(maxsize=1024)  # stdnum's region lookup scans its database: once per number
def _ric_check(number: str) -> tuple[bool, str]:
    try:
        ric.validate(number)
    except InvalidChecksum:
        return False, f"GB 11643 checksum failed (check digit should be {ric.calc_check_digit(number)})"
    except ValidationError:
        try:
            ric.get_birth_date(number)
        except ValidationError:
            return False, "invalid birth date"
        return False, "unknown region code"
    return True, "GB 11643 checksum ok, birth date and region code valid"


def _resident_ids(text: str, opts: EntityOptions) -> Iterator[Entity]:
    for m in _ID18.finditer(text):
        ok, reason = _ric_check(m.group())
        cued = _cued(text, m.start(), _ID_CUE)
        if ok or cued or not (opts.require_valid_checksum or luhn.is_valid(m.group())):
            suffix = " after an ID cue" if cued and not ok else ""
            yield Entity("resident_id", m.group(), m.start(), m.end(), ok, f"18-digit resident ID{suffix}, {reason}")
    for m in _ID15.finditer(text):
        if _cued(text, m.start(), _ID_CUE):
            yield Entity("resident_id", m.group(), m.start(), m.end(), None, "15-digit old resident ID after an ID cue")


def _bank_cards(text: str, opts: EntityOptions) -> Iterator[Entity]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if len(digits) == 18 and (ric.is_valid(digits) or _cued(text, m.start(), _ID_CUE)):
            continue  # a resident ID
        ok = luhn.is_valid(digits)
        cued = _cued(text, m.start(), _CARD_CUE)
        if ok or cued or not opts.require_valid_checksum:
            cue = " after a card cue" if cued else ""
            why = f"{len(digits)}-digit card number{cue}, Luhn check {'ok' if ok else 'failed'}"
            yield Entity("bank_card", m.group(), m.start(), m.end(), ok, why)


def _mobiles(text: str) -> Iterator[Entity]:
    for m in _MOBILE.finditer(text):
        yield Entity("mobile", m.group(), m.start(), m.end(), None, "11-digit mainland mobile number")


def _landlines(text: str) -> Iterator[Entity]:
    for m in _LANDLINE.finditer(text):
        why = f"landline number, area code {_area_code(m.group())}"
        yield Entity("landline", m.group(), m.start(), m.end(), None, why)


def _plates(text: str) -> Iterator[Entity]:
    for m in _PLATE.finditer(text):
        province, spoken, rest = m.groups()
        if not any(c.isdigit() for c in rest):
            continue
        letter = _LETTER_HOMOPHONES.get(spoken, spoken.upper())
        heard = f", ASR wrote {spoken} for {letter}" if spoken != letter else ""
        kind = "new-energy plate" if len(rest) == 6 else "licence plate"
        why = f"{kind} {province}{letter}{rest.upper()}{heard}"
        yield Entity("plate", m.group(), m.start(), m.end(), None, why)


def _vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin.upper(), _VIN_WEIGHTS))
    return "X" if total % 11 == 10 else str(total % 11)


def _vins(text: str, opts: EntityOptions) -> Iterator[Entity]:
    for m in _VIN.finditer(text):
        vin = m.group().upper()
        if vin.isdigit():
            continue  # a bare digit run is a card or an account, not a VIN
        expected = _vin_check_digit(vin)
        ok = vin[8] == expected
        if ok or not opts.require_valid_checksum:
            why = f"17-character VIN, check digit {'ok' if ok else f'failed (position 9 should be {expected})'}"
            yield Entity("vin", m.group(), m.start(), m.end(), ok, why)


@lru_cache(maxsize=64)
def _cue_regex(cues: tuple[str, ...], value: str) -> re.Pattern[str]:
    """Group 1: the cue (longest first); then ``value``, e.g. a connector and a named group."""
    return re.compile("(" + "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)) + ")" + value)


def _cued_numbers(text: str, kind: str, cues: tuple[str, ...], pattern: str) -> Iterator[Entity]:
    if not cues:
        return
    for m in _cue_regex(cues, rf"\s*(?:是|为)?\s*[：:]?\s*(?P<value>{pattern}){_NA}").finditer(text):
        value = m.group("value")
        yield Entity(kind, value, m.start("value"), m.end("value"), None, f"value after cue {m.group(1)}")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
    return jieba


def _name_end(text: str, i: int) -> int | None:
    """End of a full name starting at ``i`` (surname + 1–2 characters), or None."""
    compound = next((s for s in _COMPOUND_SURNAMES if text.startswith(s, i)), None)
    surname = compound or text[i:i + 1]
    if compound is None and surname not in _SURNAMES:
        return None
    end = i + len(surname)
    while (end - i - len(surname) < 2 and end < len(text) and _HAN.match(text[end])
           and text[end] not in _NAME_STOP and not text.startswith(_TITLES, end)):
        end += 1
    if end == i + len(surname):
        return None  # 王先生, 王总: a surname with a title is not a full name
    if end - i == 3 and len(surname) == 1 and end < len(text) and _HAN.match(text[end]):
        # No punctuation after three characters: let jieba decide between 李明|想 and 王建国|我.
        first = _jieba().lcut(text[i:i + 6])[0]
        if len(first) == 2 and first.startswith(surname):
            end = i + 2
    return end


def _person_names(text: str, opts: EntityOptions) -> Iterator[Entity]:
    if not opts.name_cues:
        return
    for m in _cue_regex(opts.name_cues, r"\s*").finditer(text):
        end = _name_end(text, m.end())
        if end is not None:
            why = f"full name after cue {m.group(1)}"
            yield Entity("person_name", text[m.end():end], m.end(), end, None, why)


def _address_parts(m: re.Match[str]) -> list[str]:
    return [name for name, _ in _ADDRESS_PARTS if m.group(name)]


def _is_address(parts: list[str]) -> bool:
    """Enough parts to point at a door: a road with a number, an estate with a building, or a
    district-level place with something below it."""
    has = set(parts)
    below = {"number", "building", "floor", "room"}
    return bool(("road" in has and has & below) or ("estate" in has and has & below)
                or (len(has & set(_ADMIN)) >= 2 and has & {"road", "estate", "number"}))


def _addresses(text: str) -> Iterator[Entity]:
    marks = _ADDRESS_MARK.finditer(text)
    first = next(marks, None)
    if first is None or all(m.group() == first.group() for m in marks):
        return
    for m in _ADDRESS.finditer(text, max(0, first.start() - 12)):
        parts = _address_parts(m)
        if not _is_address(parts):
            continue
        value = m.group().rstrip()
        why = "address (" + " + ".join(parts) + ")"
        yield Entity("address", value, m.start(), m.start() + len(value), None, why)


def _cued_runs(text: str, opts: EntityOptions) -> Iterator[Entity]:
    """Long digit runs right after a card/account, ID or phone cue, whatever their format.

    ASR inserts, drops and merges digits in long numbers: a 19-digit card read out may come
    back with 20 digits and no Luhn fit, but after 还款卡号是 it is still a card number.
    """
    for kind, cues in (("bank_card", opts.account_cues), ("resident_id", opts.id_cues),
                       ("mobile", opts.phone_cues)):
        if not cues:
            continue
        rx = _cue_regex(tuple(cues), r"[^\d，。？！,.?!；;]{0,4}?(?P<value>\d(?:[ -]?\d)*)(?!\d)")
        for m in rx.finditer(text):
            value = m.group("value")
            n = sum(c.isdigit() for c in value)
            if n >= opts.cued_min_digits:
                why = (f"{n}-digit number after cue {m.group(1)}: read out even where no format or checksum "
                       "fits (ASR inserts, drops and merges digits)")
                yield Entity(kind, value, m.start("value"), m.end("value"), False, why)


def find_entities(text: str, options: EntityOptions | None = None) -> list[Entity]:
    """All sensitive entities in one normalized utterance.

    Parameters
    ----------
    text : str
        Normalized utterance text.
    options : EntityOptions, optional
        Company-specific formats; defaults to :class:`EntityOptions`.

    Returns
    -------
    list of Entity
        Sorted by ``start`` and non-overlapping: where candidates overlap, the longer
        one wins, then the cued one, then the one with a valid checksum.
    """
    opts = options or EntityOptions()
    candidates = [
        *_resident_ids(text, opts), *_bank_cards(text, opts), *_mobiles(text), *_landlines(text),
        *_plates(text), *_vins(text, opts),
        *_cued_numbers(text, "policy_number", opts.policy_number_cues, opts.policy_number_pattern),
        *_cued_numbers(text, "claim_number", opts.claim_number_cues, opts.claim_number_pattern),
        *_person_names(text, opts), *_addresses(text), *_cued_runs(text, opts),
    ]
    candidates.sort(key=lambda e: (e.start - e.end, _PRIORITY[e.type], e.valid is not True, e.start))
    chosen: list[Entity] = []
    for e in candidates:
        if all(e.end <= c.start or c.end <= e.start for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: e.start)


def _area_code(number: str) -> str:
    parts = re.split(r"[ -]", number, maxsplit=1)
    if len(parts) == 2:
        return parts[0]
    return number[:3] if number[:2] in ("01", "02") else number[:4]


def _keep(value: str, head: int, tail: int) -> str:
    """Star every alphanumeric character but the first ``head`` and last ``tail``; separators stay."""
    n = sum(c.isalnum() for c in value)
    if head + tail >= n:
        head, tail = min(head, n // 2), 0
    out, k = [], 0
    for c in value:
        if c.isalnum():
            out.append(c if k < head or k >= n - tail else "*")
            k += 1
        else:
            out.append(c)
    return "".join(out)


def mask_value(entity_type: str, value: str) -> str:
    """Mask a value, keeping its length and just enough to tell it apart.

    Parameters
    ----------
    entity_type : str
        One of :data:`ENTITY_TYPES`; it decides what is kept: ``resident_id`` and
        ``bank_card`` the first and last 4, ``mobile`` the first 3 and last 4,
        ``landline`` the area code and last 2, ``plate`` the province, letter and last 1,
        ``vin``/``policy_number``/``claim_number`` the last 4, ``person_name`` the surname,
        ``address`` its province, city and district (every character below them is hidden).
    value : str
        The entity's text; separators (space, ``-``, ``·``) are kept.

    Returns
    -------
    str
        ``value`` with the hidden characters replaced by ``*``.

    Raises
    ------
    ValueError
        If ``entity_type`` is unknown.

    Examples
    --------
    >>> mask_value("resident_id", "440301199001011234"), mask_value("plate", "京A12345")
    ('4403**********1234', '京A****5')
    """
    if entity_type in ("resident_id", "bank_card"):
        head, tail = 4, 4
    elif entity_type == "mobile":
        # after an optional +86; a run of the wrong length (ASR added or dropped digits) keeps the last 4 only
        head, tail = (sum(c.isdigit() for c in value) - 8 if _MOBILE.fullmatch(value) else 0), 4
    elif entity_type == "landline":
        head, tail = len(_area_code(value)), 2
    elif entity_type == "plate":
        m = _PLATE.match(value)
        head, tail = (m.end(2) if m else 2), 1
    elif entity_type in ("vin", "policy_number", "claim_number"):
        head, tail = 0, 4
    elif entity_type == "person_name":
        head, tail = (2 if value.startswith(_COMPOUND_SURNAMES) else 1), 0
    elif entity_type == "address":
        return _mask_address(value)
    else:
        raise ValueError(f"unknown entity type {entity_type!r}; expected one of {ENTITY_TYPES}")
    return _keep(value, head, tail)


def _mask_address(value: str) -> str:
    m = _ADDRESS.match(value)
    head = 0
    if m:
        for name in ("province", "city", "district"):
            if m.group(name):
                head = m.end(name)
    if head >= len(value.rstrip()):
        head = 0  # only places: hide them all
    return value[:head] + "".join(c if c == " " else "*" for c in value[head:])


def mask_text(text: str, entities: Sequence[Entity] | None = None, options: EntityOptions | None = None) -> str:
    """Replace every entity in ``text`` by its :func:`mask_value` (same length).

    Parameters
    ----------
    text : str
        Normalized utterance text.
    entities : sequence of Entity, optional
        Entities of ``text``; found with :func:`find_entities` (and ``options``) if None.
    options : EntityOptions, optional
        Passed to :func:`find_entities`.

    Returns
    -------
    str
        The masked text.

    Raises
    ------
    ValueError
        If an entity does not match ``text`` at its offsets, or two entities overlap.
    """
    if entities is None:
        entities = find_entities(text, options)
    parts: list[str] = []
    pos = 0
    for e in sorted(entities, key=lambda e: e.start):
        if text[e.start:e.end] != e.text or e.start < pos:
            raise ValueError(f"entity {e.text!r} at {e.start}:{e.end} does not fit the text or overlaps another")
        parts += [text[pos:e.start], mask_value(e.type, e.text)]
        pos = e.end
    return "".join(parts) + text[pos:]
