"""The two privacy checks on an annotated set of dialogues as ASR hears them (issue 14): card and ID
numbers with digits inserted, dropped or grouped, digits read as 幺/两/洞, addresses with spoken
numbers, read-backs with a digit changed, suffixes, amounts. Positive = the check fails.
Each dialogue is scored through ``score_transcript`` (no ASR). Precision and recall must be ≥ 0.9;
the table is printed (``pytest -s``)."""

from __future__ import annotations

import json

import pytest

from qa_pipeline.pipeline import score_transcript

IDV, CONF = "privacy.identity_verification", "privacy.confidential_disclosed"
# (id, dialogue as "A:"/"C:" lines, identity_verification fails?, confidential_disclosed fails?)
CASES = [
    ("card+1-unlisted-cue", ["C: 我想问一下扣款情况。", "A: 您的还款卡号是62170037641285930455。"], True, True),
    ("card-1-spoken-compound", ["A: 好的，扣款账户为六二一七零零三七六四幺二八五九三零四。"], True, True),
    ("phone-yao-dong", ["A: 您登记的手机号码是幺三九五七二四六八幺洞。"], True, True),
    ("address-volunteered", ["C: 我的保单寄到哪里了？", "A: 寄到广州市天河区体育西路一百九十一号B座二十楼了。"], True, True),
    ("id-17-after-3-identifiers", ["C: 保单号是88623457，车牌是京A12345，被保险人是王建国。",
                                   "A: 好的，您的身份证号码是11010519491231002。"], False, True),
    ("address-after-1-identifier", ["C: 保单号是88623457。", "A: 保单邮寄到上海市浦东新区张江路88弄3号楼2单元501室。"],
     True, True),
    ("card-grouped", ["A: 您的卡号是6222 0212 3456 7890 13。"], True, True),
    ("card-17-after-yinhangka", ["A: 您绑定的银行卡是62170037641285930。"], True, True),
    ("read-back-card-one-digit-changed", ["C: 我的卡号是6217003764128593045。",
                                          "A: 跟您核对一下，卡号6217003764128593040，对吗？"], False, False),
    ("read-back-address", ["C: 我的地址是广州市天河区体育西路191号B座20楼。",
                           "A: 好的，跟您核对一下，广州市天河区体育西路191号B座20楼，对吗？"], False, False),
    ("card-suffix", ["A: 您尾号6688的银行卡已经扣款成功。"], True, False),  # 扣款成功: 普通信息 unverified
    ("asking-for-card", ["A: 请您提供一下银行卡号。", "C: 好的。"], False, False),
    ("amounts-after-verification", ["C: 保单号是88623457，身份证号码是110105194912310021。",
                                    "A: 好的，您的保险金额是500000元，保费是2499元。"], False, False),
    ("hotline", ["A: 如有疑问请拨打客服热线95511。"], False, False),
    ("district-only", ["A: 您是在朝阳区出险的，十号报的案，对吗？"], False, False),
    ("read-back-phone-digit-dropped", ["C: 手机号是幺三九五七二四六八幺洞。",
                                       "A: 跟您核对一下，幺三九五七二四六八幺，对吗？"], False, False),
    ("ordinary-after-1-identifier", ["C: 我想查一下保单状态，保单号是88623457。", "A: 您的保单目前是有效状态。"],
     True, False),
    ("important-without-policy-or-id", ["C: 车牌号是京A12345，被保险人是王建国。", "A: 好的，您的保费是每年3200元。"],
     True, False),
    ("important-with-damaged-id", ["C: 保单号是88623457，身份证号码是11010519491231002。",
                                   "A: 好的，您的保费是每年3200元。"], False, False),
    ("ordinary-with-phone-not-an-identifier", ["C: 保单号是88623457，手机号是幺三九五七二四六八幺洞。",
                                               "A: 您的保单目前是有效状态。"], True, False),
    ("important-after-policy-and-plate", ["A: 请您提供一下保单号和车牌号。", "C: 保单号是88623457，车牌是京A12345。",
                                          "A: 好的，您的保费是每年3200元。"], False, False),
    ("card-valid-checksum", ["A: 您的银行卡号是6217003764128593045。"], True, True),
]


def _score(lines: list[str], tmp_path, name: str) -> dict[str, str]:
    rows = [{"speaker": line[0], "text": line[2:].strip()} for line in lines]
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    return {c.id: c.status for c in score_transcript(path).checks}


def _prf(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    tp = sum(g and w for g, w in pairs)
    fp = sum(g and not w for g, w in pairs)
    fn = sum(w and not g for g, w in pairs)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_privacy_checks_precision_and_recall(tmp_path):
    idv, conf, rows = [], [], []
    for name, lines, want_idv, want_conf in CASES:
        got = _score(lines, tmp_path, name)
        idv.append((got[IDV] == "fail", want_idv))
        conf.append((got[CONF] == "fail", want_conf))
        if idv[-1][0] != want_idv or conf[-1][0] != want_conf:
            rows.append(f"{name}: {IDV} {got[IDV]} (want {'fail' if want_idv else 'pass'}), "
                        f"{CONF} {got[CONF]} (want {'fail' if want_conf else 'pass'})")
    (p1, r1), (p2, r2) = _prf(idv), _prf(conf)
    print(f"\n{len(CASES)} dialogues; {IDV}: precision {p1:.2f} recall {r1:.2f}; {CONF}: precision {p2:.2f} "
          f"recall {r2:.2f}\n" + "\n".join(rows))
    assert min(p1, r1, p2, r2) >= 0.9, rows


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_annotated_dialogue(case, tmp_path):
    name, lines, want_idv, want_conf = case
    got = _score(lines, tmp_path, name)
    assert (got[IDV] == "fail", got[CONF] == "fail") == (want_idv, want_conf)
