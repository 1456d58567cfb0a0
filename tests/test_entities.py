"""Sensitive entities: detection per type, checksums, masking, options, overlaps."""

from __future__ import annotations

import dataclasses

import pytest
from stdnum import luhn

from qa_pipeline.entities import ENTITY_TYPES, Entity, EntityOptions, find_entities, mask_text, mask_value


def found(text: str, options: EntityOptions | None = None) -> list[tuple[str, str, bool | None]]:
    return [(e.type, e.text, e.valid) for e in find_entities(text, options)]


# --- resident ID: vectors from python-stdnum's tests/test_cn_ric.doctest -------------------------
# (https://github.com/arthurdejong/python-stdnum/blob/master/tests/test_cn_ric.doctest)

STDNUM_RIC_VALID = ["360426199101010071", "44011320141005001x", "412723199010050012",
                    "110102199101010078", "120110198012010073", "120110199212010072"]
STDNUM_RIC_INVALID = {
    "990426199112010074": "unknown region code",  # unknown birth place code
    "110111198012010078": "unknown region code",  # county not registered yet at birth year
    "360426199113010079": "invalid birth date",   # month 13
    "36042619910102009X": "checksum failed",
}


@pytest.mark.parametrize("number", STDNUM_RIC_VALID, ids=STDNUM_RIC_VALID)
def test_resident_id_stdnum_valid_vectors(number):
    [e] = find_entities(f"身份证号码是{number}。")
    assert (e.type, e.text, e.valid, e.start, e.end) == ("resident_id", number, True, 6, 24)
    assert "GB 11643 checksum ok" in e.why
    assert found(f"他说{number}") == [("resident_id", number, True)]  # no cue needed when valid


@pytest.mark.parametrize(("number", "reason"), STDNUM_RIC_INVALID.items(), ids=list(STDNUM_RIC_INVALID))
def test_resident_id_stdnum_invalid_vectors(number, reason):
    assert found(f"号码{number}") == []  # no cue, bad checksum: not reported
    [e] = find_entities(f"身份证号码是{number}")  # after an ID cue: reported, flagged invalid
    assert (e.type, e.valid) == ("resident_id", False)
    assert reason in e.why


def test_resident_id_cued_bad_checksum_says_expected_digit():
    [e] = find_entities("身份证号码是110105198503071234。")
    assert e.valid is False and "check digit should be 0" in e.why


@pytest.mark.parametrize(("text", "expected"), [
    ("身份证是110105850307123", [("resident_id", "110105850307123", None)]),
    ("编号110105850307123", []),                     # 15 digits without an ID cue
    ("证件号码:11010219910101007801", [("resident_id", "11010219910101007801", False)]),  # 2 digits too many, cued
    ("A110102199101010078", []),                     # part of an alphanumeric code
    ("身份证110102199101011900", [("resident_id", "110102199101011900", True)]),  # also passes Luhn
], ids=["old-15-digit-cued", "15-digit-uncued", "longer-run", "alnum-prefix", "id-beats-card"])
def test_resident_id_cases(text, expected):
    assert found(text) == expected


# --- bank cards ----------------------------------------------------------------------------------
# Luhn vectors from python-stdnum's tests/test_luhn.doctest: the library contract this module uses.
# (https://github.com/arthurdejong/python-stdnum/blob/master/tests/test_luhn.doctest)
@pytest.mark.parametrize(("number", "ok"), [
    ("4992739871", False), ("490154203237518", True), ("49927398716", True), ("1428572", True),
    ("3984382462386423786482364872364827347", True),
], ids=["4992739871", "490154203237518", "49927398716", "1428572", "37-digits"])
def test_stdnum_luhn_vectors(number, ok):
    assert luhn.is_valid(number) is ok


@pytest.mark.parametrize(("text", "expected"), [
    ("卡号4111111111111111", [("bank_card", "4111111111111111", True)]),     # Visa test card
    ("请转到5500005555555559", [("bank_card", "5500005555555559", True)]),   # Mastercard test card
    ("6011111111111117", [("bank_card", "6011111111111117", True)]),         # Discover test card
    ("农行卡6228480402564890018", [("bank_card", "6228480402564890018", True)]),  # 19 digits
    ("6228 4804 0256 4890 018", [("bank_card", "6228 4804 0256 4890 018", True)]),  # spoken in groups
    ("622588123456789016", [("bank_card", "622588123456789016", True)]),     # 18 digits, Luhn, not an ID
    ("6222021234567890", []),                                                # fails Luhn: not a card
    ("4111111111111112", []),
    ("卡号是6222021234567890", [("bank_card", "6222021234567890", False)]),  # card cue: flagged invalid
    ("41111111111111110000", []),                                            # 20 digits
    ("378282246310005", []),                                                 # 15 digits (Amex) out of range
], ids=["visa", "mastercard", "discover", "19-digits", "grouped", "18-digit-card", "luhn-fail",
        "luhn-fail-2", "cued-invalid", "too-long", "too-short"])
def test_bank_card(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "尾号6688的银行卡", "后四位是3528", "卡号后四位是3528", "保费500000元", "2023年1月5日出险",
    "20230105", "金额是1234567.89元", "保额100万",
], ids=["tail-6688", "last-four", "card-last-four", "amount", "date", "date-digits", "decimal", "wan"])
def test_not_sensitive(text):
    assert find_entities(text) == []


# --- phones --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("新号码是13800138000", [("mobile", "13800138000", None)]),
    ("打19912345678找我", [("mobile", "19912345678", None)]),
    ("号码138 0013 8000", [("mobile", "138 0013 8000", None)]),
    ("号码138-0013-8000", [("mobile", "138-0013-8000", None)]),
    ("+8613800138000", [("mobile", "+8613800138000", None)]),
    ("12800138000", []),                   # 12x is not a mobile prefix
    ("138001380001", []),                  # inside a longer digit run
    ("1380013800", []),                    # 10 digits
    ("电话010-88886666", [("landline", "010-88886666", None)]),
    ("打02188886666", [("landline", "02188886666", None)]),
    ("0571-8888666", [("landline", "0571-8888666", None)]),
    ("88886666", []),                      # no area code
    ("010888866661", []),                  # too long
], ids=["mobile", "mobile-199", "mobile-spaces", "mobile-dashes", "mobile-plus86", "mobile-bad-prefix",
        "mobile-longer-run", "mobile-short", "landline-dash", "landline-plain", "landline-4-digit-area",
        "landline-no-area", "landline-too-long"])
def test_phones(text, expected):
    assert found(text) == expected


# --- plates --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected", "letter"), [
    ("车牌是沪A66889", "沪A66889", "沪A66889"),
    ("车牌号是京艾12345。", "京艾12345", "京A12345"),
    ("粤比88888", "粤比88888", "粤B88888"),
    ("苏西12345", "苏西12345", "苏C12345"),
    ("浙迪A1234", "浙迪A1234", "浙DA1234"),
    ("川伊23456", "川伊23456", "川E23456"),
    ("鲁艾弗12345", "鲁艾弗12345", "鲁F12345"),
    ("闽鸡12345", "闽鸡12345", "闽G12345"),
    ("湘艾曲12345", "湘艾曲12345", "湘H12345"),
    ("粤B·D12345", "粤B·D12345", "粤BD12345"),
    ("京ad12345", "京ad12345", "京AD12345"),
], ids=["ascii", "homophone-A", "B", "C", "D", "E", "F", "G", "H", "new-energy-dot", "lowercase"])
def test_plate(text, expected, letter):
    [e] = find_entities(text)
    assert (e.type, e.text, e.valid) == ("plate", expected, None)
    assert letter in e.why


@pytest.mark.parametrize("text", ["京A123", "京A1234567", "北京ABCDEF", "京I12345", "京津冀12345"],
                         ids=["short", "long", "no-digit", "letter-I", "no-letter"])
def test_not_a_plate(text):
    assert [e for e in find_entities(text) if e.type == "plate"] == []


# --- VIN -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("车架号1M8GDM9AXKP042788", [("vin", "1M8GDM9AXKP042788", True)]),   # Wikipedia's example, check digit X
    ("车架号是1HGCM82633A004352。", [("vin", "1HGCM82633A004352", True)]),
    ("vin码lsvam4187c2184847", [("vin", "lsvam4187c2184847", True)]),     # lower case from ASR
    ("车架号1M8GDM9A1KP042788", []),                                      # wrong check digit
    ("车架号1M8GDM9AXKP0427881", []),                                     # 18 characters
    ("11111111111111111", []),                                            # digits only: not a VIN
], ids=["check-X", "honda", "lowercase", "bad-check", "too-long", "digits-only"])
def test_vin(text, expected):
    assert found(text) == expected


def test_vin_bad_check_digit_reported_when_checksum_not_required():
    [e] = find_entities("1M8GDM9A1KP042788", EntityOptions(require_valid_checksum=False))
    assert (e.type, e.valid) == ("vin", False)
    assert "should be X" in e.why


# --- policy / claim numbers ----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("保单号是88623457，", [("policy_number", "88623457", None)]),
    ("保单号码为：P2023110512", [("policy_number", "P2023110512", None)]),
    ("我的保单号 AB123456 对吗", [("policy_number", "AB123456", None)]),
    ("报案号CL20230001", [("claim_number", "CL20230001", None)]),
    ("赔案号是 2023000123", [("claim_number", "2023000123", None)]),
    ("保单号是12345", []),                       # too short for the default pattern
    ("保单号后四位是3528", []),                  # a suffix, not the number
    ("保单生效了88623457", []),                  # no cue
    ("保单号是4111111111111111", [("policy_number", "4111111111111111", None)]),  # cue beats Luhn
], ids=["policy", "policy-colon", "policy-spaces", "claim", "claim-space", "short", "suffix", "no-cue",
        "cue-beats-card"])
def test_policy_and_claim_numbers(text, expected):
    assert found(text) == expected


def test_policy_span_is_the_value_only():
    text = "保单号是88623457，"
    [e] = find_entities(text)
    assert text[e.start:e.end] == e.text == "88623457"
    assert "保单号" in e.why


def test_custom_policy_pattern_and_cue():
    options = EntityOptions(policy_number_pattern=r"PA\d{8}", policy_number_cues=("合同号",))
    assert found("合同号是PA12345678", options) == [("policy_number", "PA12345678", None)]
    assert found("合同号是XX12345678", options) == []
    assert found("保单号是88623457", options) == []  # default cue replaced
    assert found("保单号是88623457", EntityOptions(policy_number_cues=())) == []


# --- person names --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("投保人叫王建国。", ["王建国"]),
    ("被保险人是刘洋，", ["刘洋"]),
    ("我叫张伟", ["张伟"]),
    ("我叫李明想问一下", ["李明"]),            # no punctuation: jieba splits 李明|想
    ("我叫王建国我想问一下", ["王建国"]),
    ("姓名是 陈静的保单", ["陈静"]),
    ("本人是欧阳娜娜，", ["欧阳娜娜"]),         # compound surname
    ("我叫王建国先生", ["王建国"]),
    ("我叫王先生", []),                         # surname + title is not a full name
    ("投保人是李女士", []),
    ("我叫什么来着", []),                       # not a surname
    ("名字是王", []),
    ("王建国来电", []),                         # no cue
], ids=["cue-jiao", "cue-shi", "two-chars", "jieba-two", "jieba-three", "stop-de", "compound",
        "with-title", "mr-wang", "ms-li", "no-surname", "surname-only", "no-cue"])
def test_person_name(text, expected):
    assert [e.text for e in find_entities(text) if e.type == "person_name"] == expected


def test_custom_name_cues():
    assert found("客户叫赵敏，", EntityOptions(name_cues=("客户叫",))) == [("person_name", "赵敏", None)]
    assert found("我叫赵敏，", EntityOptions(name_cues=())) == []


# --- options: checksum requirement ---------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("号码6222021234567890", [("bank_card", "6222021234567890", False)]),
    ("号码110105198503071234", [("resident_id", "110105198503071234", False)]),
], ids=["card", "resident-id"])
def test_invalid_checksums_reported_when_not_required(text, expected):
    assert found(text, EntityOptions(require_valid_checksum=False)) == expected


# --- whole sentences, ordering, overlaps ---------------------------------------------------------
SENTENCE = "我叫王建国，身份证110102199101010078，电话13800138000，卡号4111111111111111，车牌京艾12345。"


def test_sentence_sorted_and_non_overlapping():
    entities = find_entities(SENTENCE)
    assert [e.type for e in entities] == ["person_name", "resident_id", "mobile", "bank_card", "plate"]
    for e in entities:
        assert SENTENCE[e.start:e.end] == e.text and e.type in ENTITY_TYPES
    for a, b in zip(entities, entities[1:]):
        assert a.end <= b.start


def test_longer_candidate_wins_overlap():
    # the policy value contains a mobile-shaped run; only the longer, cued value is reported
    assert found("保单号是P13800138000X") == [("policy_number", "P13800138000X", None)]


def test_entity_is_frozen():
    [e] = find_entities("新号码是13800138000")
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.text = "x"


# --- masking -------------------------------------------------------------------------------------
MASK_CASES = [
    ("resident_id", "440301199001011234", "4403**********1234"),
    ("resident_id", "44011320141005001X", "4401**********001X"),
    ("resident_id", "110105850307123", "1101*******7123"),
    ("mobile", "13800138000", "138****8000"),
    ("mobile", "138 0013 8000", "138 **** 8000"),
    ("mobile", "+8613800138000", "+86138****8000"),
    ("bank_card", "4111111111111111", "4111********1111"),
    ("bank_card", "6228480402564890018", "6228***********0018"),
    ("landline", "010-88886666", "010-******66"),
    ("landline", "02188886666", "021******66"),
    ("landline", "0571-8888666", "0571-*****66"),
    ("plate", "京A12345", "京A****5"),
    ("plate", "京艾12345", "京艾****5"),
    ("plate", "粤BD12345", "粤B*****5"),
    ("vin", "1M8GDM9AXKP042788", "*************2788"),
    ("policy_number", "88623457", "****3457"),
    ("claim_number", "CL20230001", "******0001"),
    ("policy_number", "1234", "****"),             # never shows the whole value
    ("person_name", "王建国", "王**"),
    ("person_name", "刘洋", "刘*"),
    ("person_name", "欧阳娜娜", "欧阳**"),
]


@pytest.mark.parametrize(("kind", "value", "masked"), MASK_CASES,
                         ids=[f"{kind}-{i}" for i, (kind, _, _) in enumerate(MASK_CASES)])
def test_mask_value(kind, value, masked):
    assert mask_value(kind, value) == masked
    assert len(masked) == len(value)


def test_mask_value_unknown_type():
    with pytest.raises(ValueError, match="unknown entity type"):
        mask_value("email", "a@b.c")


@pytest.mark.parametrize(("text", "masked"), [
    ("保单号是88623457，投保人叫王建国。", "保单号是****3457，投保人叫王**。"),
    ("新号码是13800138000", "新号码是138****8000"),
    ("车牌号是京艾12345。", "车牌号是京艾****5。"),
    ("尾号6688的银行卡，后四位是3528", "尾号6688的银行卡，后四位是3528"),
    (SENTENCE, "我叫王**，身份证1101**********0078，电话138****8000，卡号4111********1111，车牌京艾****5。"),
], ids=["policy-and-name", "mobile", "plate", "nothing", "everything"])
def test_mask_text(text, masked):
    assert mask_text(text) == masked
    assert len(mask_text(text)) == len(text)


def test_mask_text_with_given_entities_and_options():
    text = "合同号PA12345678，电话13800138000"
    options = EntityOptions(policy_number_pattern=r"PA\d{8}", policy_number_cues=("合同号",))
    assert mask_text(text, options=options) == "合同号******5678，电话138****8000"
    only_mobile = [e for e in find_entities(text, options) if e.type == "mobile"]
    assert mask_text(text, only_mobile) == "合同号PA12345678，电话138****8000"
    assert mask_text(text, []) == text


def test_mask_text_rejects_entities_of_another_text():
    bad = Entity("mobile", "13800138000", 0, 11, None, "")
    with pytest.raises(ValueError, match="does not fit"):
        mask_text("新号码是13800138000", [bad])


# --- numbers as ASR hears them (issue 14): a long run after a cue counts whatever its digits -----

@pytest.mark.parametrize(("text", "expected"), [
    ("还款卡号是62220212345678901283", [("bank_card", "62220212345678901283", False)]),   # 19 + 1 inserted
    ("扣款账户为622202123456789013", [("bank_card", "622202123456789013", False)]),       # 19 - 1 dropped
    ("账号 6222 0212 3456 7890 13", [("bank_card", "6222 0212 3456 7890 13", False)]),    # groups, 18 digits
    ("尾号是622202123456", [("bank_card", "622202123456", False)]),                       # 12 digits after 尾号
    ("尾号6688的银行卡", []),                                                              # 4 digits: a suffix
    ("银行卡6222021234567890128", [("bank_card", "6222021234567890128", True)]),          # Luhn fits: as before
    ("身份证号码是11010519491231002", [("resident_id", "11010519491231002", False)]),     # 17 digits, one dropped
    ("证件号1101051949123100211", [("resident_id", "1101051949123100211", False)]),       # 19 digits
    ("手机号码是1391234567", [("mobile", "1391234567", False)]),                          # 10 digits
    ("联系电话139123456789", [("mobile", "139123456789", False)]),                        # 12 digits
    ("保险金额是500000元", []),                                                            # an amount, no cue
    ("工号102410", []),                                                                    # not a cue
], ids=["card+1", "card-1-compound", "grouped", "tail-cue-long", "tail-cue-4", "card-valid", "id-17", "id-19",
        "mobile-10", "phone-12", "amount", "staff-number"])
def test_cued_long_digit_runs(text, expected):
    assert found(text) == expected


def test_cued_run_cues_and_length_come_from_options():
    opts = EntityOptions(account_cues=("会员号",), cued_min_digits=6)
    assert found("会员号是123456", opts) == [("bank_card", "123456", False)]
    assert found("还款卡号是62220212345678901283", opts) == []  # the project's cues replace the defaults


@pytest.mark.parametrize(("spoken", "digits"), [
    ("手机号是幺三九洞两三四五六七八", "手机号是13902345678"),
    ("卡号洞洞幺两三四五六七八九洞", "卡号001234567890"),
    ("漏洞百出", "漏洞百出"), ("山洞", "山洞"), ("工号幺洞九", "工号109"),
], ids=["phone-yao-dong-liang", "leading-dong", "word-loudong", "word-shandong", "staff-yao-dong"])
def test_spoken_digit_forms(spoken, digits):
    from qa_pipeline.text import normalize

    assert normalize(spoken) == digits


# --- addresses ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "address", "masked"), [
    ("您的地址是广州市天河区体育西路191号B座20楼。", "广州市天河区体育西路191号B座20楼",
     "您的地址是广州市天河区*************。"),
    ("住址是广州市天河区体育西路一百九十一号B座二十楼", "广州市天河区体育西路一百九十一号B座二十楼",
     "住址是广州市天河区***************"),
    ("我住在上海市浦东新区张江路88弄3号楼2单元501室", "上海市浦东新区张江路88弄3号楼2单元501室",
     "我住在上海市浦东新区****************"),
    ("寄到朝阳区建国路88号", "朝阳区建国路88号", "寄到朝阳区******"),
    ("北京市海淀区中关村大街27号", "北京市海淀区中关村大街27号", "北京市海淀区********"),
    ("阳光花园5栋1单元302室", "阳光花园5栋1单元302室", "*************"),
    ("浙江省杭州市西湖区文三路", "浙江省杭州市西湖区文三路", "浙江省杭州市西湖区***"),
], ids=["road-number-building-floor", "spoken-numbers", "lane-building-unit-room", "district-road-number",
        "municipality", "estate-building-room", "province-city-district-road"])
def test_addresses_found_and_masked_below_the_district(text, address, masked):
    assert [(e.type, e.text) for e in find_entities(text)] == [("address", address)]
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", ["我在路上", "他是广东人", "我上个月10号就报案了", "您是在朝阳区出险的", "一路顺风",
                                  "好的，您的保费是每年3200元", "我们在天河区有网点"],
                         ids=["on-the-road", "province-word", "date", "district-only", "idiom", "premium", "one-place"])
def test_not_addresses(text):
    assert [e for e in find_entities(text) if e.type == "address"] == []
