"""The catalog of explanations: every ``why`` of a finding and ``summary`` of a check, once, in English and Chinese.

A producer builds its text with :func:`msg` (a catalog key and named parameters) and gets a
:class:`Text`: the same message in both languages. The report keeps the English in ``why`` /
``summary`` (the JSON contract) and the Chinese next to it in ``why_zh`` / ``summary_zh``; the
review page shows the one of its interface language.

A parameter that is itself a :class:`Text` (a speaker, a metric's label, a nested message) is
rendered in each language; any other value (a quote, a rule's Chinese label, a number) is the
same in both and may carry a format spec (``{gap:.1f}``).

>>> msg("gap.slow", gap=11.94, max=5).zh
'坐席在 11.9 秒的静音后才回答客户（超过 5 秒），且未请客户稍等'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MESSAGES", "Text", "entity_types", "join", "msg", "same", "speaker", "summary_of", "who", "why_of"]


@dataclass(frozen=True)
class Text:
    """One message in English (``en``) and Chinese (``zh``)."""

    en: str
    zh: str

    def __add__(self, other: Text | str) -> Text:
        o = other if isinstance(other, Text) else same(other)
        return Text(self.en + o.en, self.zh + o.zh)

    def __radd__(self, other: str) -> Text:
        return same(other) + self

    def __bool__(self) -> bool:
        return bool(self.en or self.zh)


EMPTY = Text("", "")


def same(text: str) -> Text:
    """A text that reads the same in both languages (a quote, digits, a Chinese label)."""
    return Text(text, text)


def join(parts: Iterable[Text], sep: str = "; ", sep_zh: str = "；", *, unique: bool = False) -> Text:
    """``parts`` joined, each language with its own separator (with ``unique``, duplicates kept once)."""
    ps = [p for p in parts if p]
    ps = list(dict.fromkeys(ps)) if unique else ps
    return Text(sep.join(p.en for p in ps), sep_zh.join(p.zh for p in ps))


# key -> (English, Chinese). Parameters are named; both templates use the same ones.
MESSAGES: dict[str, tuple[str, str]] = {
    # -- words inside other messages ------------------------------------------------------
    "who.agent": ("the agent", "坐席"),
    "who.customer": ("the customer", "客户"),
    "who.any": ("anyone", "任何人"),
    "who.someone": ("someone", "有人"),
    "speaker.agent": ("agent", "坐席"),
    "speaker.customer": ("customer", "客户"),
    "speaker.any": ("any", "双方"),
    "how.homophone": ("homophone", "同音"),
    "how.fuzzy": ("fuzzy", "近似"),
    "status.pass": ("pass", "通过"),
    "status.fail": ("fail", "未通过"),
    "status.partial": ("partial", "部分得分"),
    "status.n/a": ("n/a", "不适用"),
    "status.manual": ("manual", "待人工评分"),
    "direction.inbound": ("inbound", "呼入"),
    "direction.outbound": ("outbound", "呼出"),
    "side.before": ("before", "之前"),
    "side.after": ("after", "之后"),
    "none": ("none", "无"),
    "or": (" or ", "或"),
    "and": (" and ", "且"),
    # -- a rule's result (rules/engine.py) ------------------------------------------------
    "rule.does_not_apply": ("does not apply: {why}", "不适用：{why}"),
    "rule.undecided": ("cannot be decided: {reason}", "无法判定：{reason}"),
    "rule.condition_not_held": ("its condition did not hold", "其适用条件不成立"),
    "rule.required_not_held": ("the required condition did not hold", "要求的条件不成立"),
    "rule.no_violation": ("no violation found", "未发现违规"),
    # -- phrases and their context (rules/context.py, engine.py) --------------------------
    "match.how": (" ({how}: heard 「{heard}」, similarity {similarity:.2f})", "（{how}：听到「{heard}」，相似度 {similarity:.2f}）"),
    "miss.nothing_said": ("no {what} heard: nothing was said in the window", "未听到{what}：该时段内没有说话"),
    "miss.nearest": ("no {what} heard; nearest: 「{heard}」 for 「{phrase}」 (similarity {similarity:.2f})",
                     "未听到{what}；最接近：「{heard}」（对应「{phrase}」，相似度 {similarity:.2f}）"),
    "roles.unknown": ("needs {who}'s speech, but speaker roles are unknown (mono recording without speaker separation)",
                      "需要{who}的语音，但说话人角色未知（单声道录音，未分离说话人）"),
    "phrases.said": ("{who} said 「{phrase}」", "{who}说了「{phrase}」"),
    "phrases.listed_from": ("「{listed}」 from {who}", "{who}说「{listed}」"),
    "phrases.count": ("heard {n} time(s); the rule wants {low}–{high}", "听到 {n} 次；规则要求 {low}–{high} 次"),
    "regex.matches": ("matches /{pattern}/", "匹配 /{pattern}/"),
    "regex.nothing": ("nothing matches /{pattern}/", "没有内容匹配 /{pattern}/"),
    "regex.timeout": ("{error}; simplify the pattern", "模式匹配超时；请简化该模式"),
    "before.first": ("heard first", "先听到"),
    "before.then": ("heard after it", "随后听到"),
    "before.too_early": ("heard before any of 「{listed}」", "在「{listed}」之前就听到"),
    "followed.answered": ("{who} answered 「{heard}」 with 「{phrase}」", "{who}以「{phrase}」回应了「{heard}」"),
    "followed.trigger": ("the trigger", "触发语"),
    "followed.response": ("response", "回应"),
    "followed.nearest": ("; nearest in the next turns: 「{heard}」", "；随后几轮中最接近的：「{heard}」"),
    "followed.missing": ("「{phrase}」 got no 「{listed}」 from {who} within the next {turns} turn(s){tail}",
                         "「{phrase}」之后 {turns} 轮内{who}没有说「{listed}」{tail}"),
    "none_after.late": ("heard after 「{anchor}」", "在「{anchor}」之后听到"),
    "entity.found": ("{type}: {why}", "{type_zh}：「{value}」"),
    "entity.fewer": ("fewer than {n} of {types}", "少于 {n} 个（{types_zh}）"),
    "silence.label": ("{duration:.1f} s silence at {start:.1f}–{end:.1f} s", "{start:.1f}–{end:.1f} 秒处 {duration:.1f} 秒的静音"),
    "silence.said": ("said {side} the {label}", "在{label}{side}说了"),
    "silence.words": ("「{words}」 {side} the {label}", "{label}{side}说「{words}」"),
    "metric.outside": ("outside {low:g}–{high:g}", "超出 {low:g}–{high:g}"),
    "metric.confidence": ("; confidence {confidence:.2f}", "；置信度 {confidence:.2f}"),
    "metric.holds": ("{label} = {value:.3g} ({test})", "{label} = {value:.3g}（{test}）"),
    "metric.fails": ("{label} = {value:.3g} (not {test})", "{label} = {value:.3g}（不满足：{test}）"),
    "call.is": ("the call is {direction}", "该通话为{direction}"),
    "call.is_default": ("the call is {direction} (no direction given: counted as inbound)",
                        "该通话为{direction}（未注明方向：按呼入计）"),
    # -- measurements (rules/metric_values.py, voice_values.py) ---------------------------
    "metric.speech_rate_cpm": ("{who} speech rate (characters/min)", "{who}语速（字/分钟）"),
    "metric.did_not_speak": ("{who} did not speak", "{who}没有说话"),
    "metric.talk_share": ("{who} talk share", "{who}说话时长占比"),
    "metric.no_talk_time": ("no talk time for {who}", "{who}没有说话时长"),
    "metric.longest_silence_s": ("longest silence (s)", "最长静音（秒）"),
    "metric.silence_total_s": ("total of silences longer than {min_s:g} s", "长于 {min_s:g} 秒的静音总时长（秒）"),
    "metric.silence_count": ("silences longer than {min_s:g} s", "长于 {min_s:g} 秒的静音次数"),
    "metric.no_overtalk": ("{reason}", "本录音无法测量抢话"),
    "metric.overtalk_unavailable": ("overtalk is not available for this recording", "本录音无法测量抢话"),
    "metric.interruptions": ("overlaps of ≥ {min_s:g} s started by {who}", "{who}发起的 ≥ {min_s:g} 秒抢话次数"),
    "metric.overtalk_s": ("overtalk (s)", "抢话时长（秒）"),
    "metric.closing_rate_ratio": ("{who} rate over the last {window_s:g} s of speech ÷ rate before it",
                                  "{who}最后 {window_s:g} 秒的语速 ÷ 之前的语速"),
    "metric.closing_rates": (" ({closing:.0f} vs {rest:.0f} cpm)", "（{closing:.0f} 对 {rest:.0f} 字/分钟）"),
    "metric.closing_too_short": ("{who} spoke only {rest_s:.0f} s before the last {window_s:g} s; at least {min_s:g} s "
                                 "are needed to compare",
                                 "最后 {window_s:g} 秒之前{who}只说了 {rest_s:.0f} 秒，至少需要 {min_s:g} 秒才能比较"),
    "metric.no_word_times": ("no words with times to compare", "没有带时间的词可供比较"),
    "voice.pitch_range_st": ("{who} pitch range, 10th–90th percentile (semitones)", "{who}音高范围，第 10–90 百分位（半音）"),
    "voice.pitch_sd_st": ("{who} pitch variability, sd (semitones)", "{who}音高变化，标准差（半音）"),
    "voice.energy_sd_db": ("{who} level variability of voiced speech, sd (dB)", "{who}浊音音量变化，标准差（dB）"),
    "voice.brightness_db": ("{who} voice brightness, 1–3.4 kHz over 0–1 kHz (dB)", "{who}声音明亮度，1–3.4 kHz 对 0–1 kHz（dB）"),
    "voice.level_dbfs": ("{who} speech level (dBFS)", "{who}语音音量（dBFS）"),
    "voice.snr_db": ("{who} speech level over the channel's noise floor (dB)", "{who}语音高出本声道底噪（dB）"),
    "voice.held_syllables": ("{who} syllables held ≥ 3× the speaker's median", "{who}拖长 ≥ 本人中位数 3 倍的音节数"),
    "voice.held_final_syllables": ("{who} phrase-final syllables held ≥ 3× the speaker's median",
                                   "{who}句末拖长 ≥ 本人中位数 3 倍的音节数"),
    "voice.pauses_per_min": ("{who} pauses inside turns per minute of speech", "{who}每分钟说话中的句内停顿次数"),
    "voice.long_pauses": ("{who} hesitations inside turns (pauses ≥ 1.5 s, shorter than a hold)",
                          "{who}句内迟疑（停顿 ≥ 1.5 秒，短于等待）"),
    "voice.longest_run_s": ("{who} longest speech without a pause (s)", "{who}最长连续说话（秒）"),
    "voice.articulation_rate_sps": ("{who} articulation rate (syllables/s, pauses excluded)", "{who}发音速度（音节/秒，不含停顿）"),
    "voice.word_prob_mean": ("{who} mean recognizer probability per syllable", "{who}每音节平均识别概率"),
    "voice.low_prob_share": ("{who} share of syllables the recognizer was unsure of (< 0.4)", "{who}识别把握低（< 0.4）的音节占比"),
    "voice.avg_logprob": ("{who} mean log-probability per syllable", "{who}每音节平均对数概率"),
    "voice.level_vs_other_db": ("{who} speech level minus the other party's (dB)", "{who}语音音量减对方音量（dB）"),
    "voice.held_item": ("{start:.1f}–{end:.1f} s ×{ratio:.1f}", "{start:.1f}–{end:.1f} 秒 ×{ratio:.1f}"),
    "voice.phrase_final": (" phrase-final", " 句末"),
    "voice.noise_floor": (" (noise floor {dbfs:.0f} dBFS)", "（底噪 {dbfs:.0f} dBFS）"),
    "voice.pitch_median": (" (median {hz:.0f} Hz, {voiced_s:.0f} s voiced)", "（中位数 {hz:.0f} Hz，浊音 {voiced_s:.0f} 秒）"),
    "voice.no_measurements": ("no voice measurements for {who} (a transcript without audio, or {who} is not a separated "
                              "speaker)", "没有{who}的声音测量（转写文本无录音，或{who}不是分离出的说话人）"),
    "voice.needs_both": ("needs both parties' audio", "需要双方的录音"),
    "voice.needs_words": ("needs {who}'s words with timestamps and probabilities (a plain dialogue has none)",
                          "需要{who}带时间戳和概率的词（纯文本对话没有）"),
    "voice.needs_voiced": ("needs {who}'s audio with at least 3 s of voiced speech", "需要{who}至少 3 秒浊音的录音"),
    "voice.too_little_mood": ("{who} said too little to read their mood", "{who}说得太少，无法判断情绪"),
    "voice.sentiment_change": ("{who} sentiment, last quarter with speech minus the first ({end:+.2f} vs {start:+.2f}; "
                               "-1 angry … +1 pleased)",
                               "{who}情绪：最后一个有说话的四分之一段减第一段（{end:+.2f} 对 {start:+.2f}；-1 愤怒 … +1 满意）"),
    "voice.sentiment_end": ("{who} sentiment in the last quarter with speech", "{who}最后一个有说话的四分之一段的情绪"),
    "voice.negative_turns": ("{who} negative turns", "{who}负面发言次数"),
    # -- privacy (rules/privacy.py) -------------------------------------------------------
    "privacy.supplied": ("supplied {label}", "提供了{label}"),
    "privacy.read_out_cue": ("confidential data read out", "主动读出保密信息"),
    "privacy.disclosed": ("disclosed {tier} (「{cue}」) after identifiers: {got}", "提供身份信息（{got}）后告知了{tier}（「{cue}」）"),
    "privacy.needs": ("{n} identifier(s)", "{n} 项身份信息"),
    "privacy.needs_one_of": ("{n} identifier(s) including {labels}", "{n} 项身份信息，其中须有{labels}"),
    "privacy.too_early": ("disclosed {tier} (「{cue}」) before verification: needs {need}; supplied so far: {got}",
                          "核实身份前告知了{tier}（「{cue}」）：需要{need}；已提供：{got}"),
    "privacy.a_number": ("a confidential number", "保密号码"),
    "privacy.read_back": ("read back {what} the caller had said (verification)", "复述了来电人说过的{what}（核对）"),
    "privacy.read_out": ("read out {what} the caller had not said: only verify what the caller says (只能核对，不能主动告知)",
                         "主动读出了来电人没说过的{what}：只能核对，不能主动告知"),
    "privacy.no_block": ("no 'privacy' block is loaded (tiers and identifiers); add one to the rules",
                         "规则中没有加载隐私配置（信息等级与身份信息）；请添加"),
    # -- the scoring sheet's operators (rules/sheet_eval.py) ------------------------------
    "knowledge.none": ("no 'knowledge' file is loaded; add rules/knowledge.yaml", "没有加载知识库；请添加 rules/knowledge.yaml"),
    "knowledge.no_topic": ("no knowledge topic matches this call: a reviewer must judge the information",
                           "本通话没有匹配的知识主题：需由复核员判断信息是否准确"),
    "knowledge.raised": ("topic 「{title}」 raised here", "此处提出了「{title}」"),
    "knowledge.covered": ("「{title}」: key point {name} said (「{heard}」)", "「{title}」：说到了要点{name}（「{heard}」）"),
    "knowledge.missing": ("「{title}」: key point {name} never said (any of 「{listed}」)",
                          "「{title}」：始终没说要点{name}（「{listed}」任一）"),
    "knowledge.wrong": ("「{title}」: agent said 「{heard}」: {why}", "「{title}」：坐席说了「{heard}」：{why}"),
    "gap.roles": ("needs the agent's and the customer's speech, but speaker roles are unknown",
                  "需要坐席和客户的语音，但说话人角色未知"),
    "gap.unanswered": ("the customer's question got no answer from the agent", "客户的问题没有得到坐席回答"),
    "gap.slow": ("the agent answered the customer after {gap:.1f} s of silence (> {max:g} s) without asking them to wait",
                 "坐席在 {gap:.1f} 秒的静音后才回答客户（超过 {max:g} 秒），且未请客户稍等"),
    "gap.never_waited": ("the customer never waited for the agent", "客户从未等待坐席"),
    "gap.slowest": ("slowest reply to the customer: {gap:.1f} s (≤ {max:g} s or announced)",
                    "对客户最慢的一次回复：{gap:.1f} 秒（不超过 {max:g} 秒或已请客户稍等）"),
    # -- the sheet (scoring.py, doubt.py) -------------------------------------------------
    "sheet.waiting": ("waiting for a reviewer", "待人工评分"),
    "sheet.switched_off": ("switched off by the rules (disable:)", "已被规则停用"),
    "sheet.no_rule": ("no rule '{check}' is loaded", "没有加载规则 {check}"),
    "sheet.missing": ("cannot be decided: {why}; points given provisionally, a reviewer must judge",
                      "无法判定：{why}；暂给分，需由复核员判断"),
    "sheet.points_given": (" — {points:g} points given", " — 已给 {points:g} 分"),
    "sheet.not_heard": ("not heard: what {title} asks for (see the rule's description)", "未听到「{title}」要求的内容（见规则说明）"),
    "sheet.said": ("{who} said 「{heard}」", "{who}说了「{heard}」"),
    "sheet.more": (" (and {n} more)", "（另有 {n} 处）"),
    "sheet.less_sure": (" [less sure: {reasons}]", "［把握较低：{reasons}］"),
    "sheet.calibrated": (" [calibrated: reviewers fail this {p:.0%} of the time]", "［已校准：复核员判为未通过的比例为 {p:.0%}］"),
    "sheet.group": (" (group {group}: −{deduction:g} once of {possible:g})", "（{group}组：{possible:g} 分中一次性扣 {deduction:g} 分）"),
    "doubt.one_from_pass": ("borderline: one violation from a pass", "临界：少一处违规即通过"),
    "doubt.one_from_fail": ("borderline: one hit short of failing", "临界：再多一处即未通过"),
    "doubt.contradicted": ("contradicted: {other} is {status} in the same call", "有矛盾：同一通话中 {other} 为{status}"),
    "doubt.surname": ("contradicted: the agent uses a surname and title", "有矛盾：坐席使用了姓氏加称谓"),
    "doubt.garbled": ("garbled: the evidence was heard with word probability {p:.2f}", "听不清：依据的识别词概率为 {p:.2f}"),
    # -- reviewers (pipeline.py, review/annotations.py) -----------------------------------
    "review.more_marked": (" (+{n} marked by a reviewer)", "（另有复核员标记 {n} 处）"),
    "review.marked_only": ("marked by a reviewer: {n} violation(s) the rules missed", "复核员标记了 {n} 处规则漏判的违规"),
    "review.marked_by": ("marked by {by}: {reason}", "{by} 标记：{reason}"),
}

# entity types (qa_pipeline.entities) in Chinese, for the ``entity`` operator's findings
ENTITY_ZH: dict[str, str] = {
    "bank_card": "银行卡号", "resident_id": "身份证号", "mobile": "手机号", "landline": "固定电话", "plate": "车牌号",
    "vin": "车架号", "person_name": "姓名", "address": "地址",
}


def msg(key: str, **params: Any) -> Text:
    """The catalog's message ``key`` with its parameters, in both languages.

    Raises
    ------
    KeyError
        An unknown key or a missing parameter.
    """
    en, zh = MESSAGES[key]
    return Text(en.format(**{k: v.en if isinstance(v, Text) else v for k, v in params.items()}),
                zh.format(**{k: v.zh if isinstance(v, Text) else v for k, v in params.items()}))


def who(speaker: str | None) -> Text:
    """"the agent" / 坐席, "the customer" / 客户, "anyone" / 任何人 (a rule's speaker)."""
    return msg(f"who.{speaker}") if speaker in ("agent", "customer") else msg("who.any")


def speaker(name: str) -> Text:
    """A metric's speaker: agent / 坐席, customer / 客户, any / 双方 (another name stays as it is)."""
    return msg(f"speaker.{name}") if f"speaker.{name}" in MESSAGES else same(name)


def entity_types(types: Iterable[str]) -> Text:
    """Entity type names: ``bank_card, mobile`` / 银行卡号、手机号."""
    ts = list(types)
    return Text(", ".join(ts), "、".join(ENTITY_ZH.get(t, t) for t in ts))


def why_of(finding: Any) -> Text:
    """A finding's ``why`` in both languages (the English where it has no Chinese: made before the catalog)."""
    return Text(finding.why, finding.why_zh if finding.why_zh is not None else finding.why)


def summary_of(result: Any) -> Text:
    """A check result's ``summary`` in both languages (the English where it has no Chinese)."""
    return Text(result.summary, result.summary_zh if result.summary_zh is not None else result.summary)
