"""Text normalization, table-driven. ITN cases marked 'wetext' are from WeTextProcessing's
Chinese ITN test data (itn/chinese/test/data/*.txt), with its expected outputs."""

from __future__ import annotations

import pytest

from qa_pipeline.text import count_chars, normalize, pinyin, spoken_numbers_to_digits, to_halfwidth, to_simplified


@pytest.mark.parametrize("text, expected", [
    # WeTextProcessing cardinal.txt / normalizer*.txt
    ("这是手机一八五四四一三九一二一", "这是手机18544139121"),
    ("我的身份证号是三四零二零三一九三七零幺零幺零五幺七", "我的身份证号是340203193701010517"),
    ("给一三三四五三一二二二一打电话", "给13345312221打电话"),
    ("幺幺零", "110"),
    ("一万零三百人", "10300人"),
    ("九千九百九十一人", "9991人"),
    ("二十年后", "20年后"),
    ("一年后", "一年后"),
    ("两年后", "两年后"),
    ("疑是银河落九天", "疑是银河落九天"),
    ("百分之三十", "30%"),
    ("百分之二点一五", "2.15%"),
    ("一百块钱", "100块钱"),
    # call-center speech
    ("保费两千四百九十九元", "保费2499元"),
    ("工号幺零二四", "工号1024"),
    ("保险期限到明年三月十五日", "保险期限到明年3月15日"),
    ("保险金额是五十万元", "保险金额是500000元"),
    ("二零二六年", "2026年"),
    ("三点五公里", "3.5公里"),
    # words that contain numerals stay words
    ("我帮您查一下", "我帮您查一下"),
    ("统一办理", "统一办理"),
    ("第一次", "第一次"),
    ("万一出问题", "万一出问题"),
    ("一会儿", "一会儿"),
    ("一一核对", "一一核对"),
    ("三个工作日", "三个工作日"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None)
def test_spoken_numbers(text, expected):
    assert spoken_numbers_to_digits(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("請您稍等，感謝您的來電", "请您稍等，感谢您的来电"),
    ("寶單號碼", "宝单号码"),
    ("保单号", "保单号"),
])
def test_simplified(text, expected):
    assert to_simplified(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("ＡＢＣ１２３", "ABC123"),
    ("工号１０２４，您好！", "工号1024，您好！"),
    ("　空格", " 空格"),
])
def test_halfwidth(text, expected):
    assert to_halfwidth(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("電話幺三八零零", "电话13800"),
    ("工號幺零二四，ＯＫ", "工号1024，OK"),
    ("  多余   空白 ", "多余 空白"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text, n", [("您好，安心保险。", 6), ("OK 好的!", 4), ("", 0), ("88623457", 8)])
def test_count_chars(text, n):
    assert count_chars(text) == n


@pytest.mark.parametrize("a, b", [("来电", "来点"), ("稍等", "收等"), ("工号", "公号")], ids=["来电", "稍等", "工号"])
def test_homophones_share_pinyin_or_are_close(a, b):
    pa, pb = pinyin(a), pinyin(b)
    assert len(pa) == len(pb)
    assert sum(x != y for x, y in zip(pa, pb)) <= 1
