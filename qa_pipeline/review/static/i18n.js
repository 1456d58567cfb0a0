// The pages' words in zh-CN (default) and English. Elements carry data-i18n="key" (text) or
// data-i18n-ph="key" (placeholder); scripts call t("key"). The choice is kept in localStorage.
const I18N = {
  zh: {
    app: "质检复核", queue: "待检队列", calibration: "校准", coaching: "辅导", export_csv: "导出 CSV", export_xlsx: "导出 Excel",
    lang_switch: "English", back: "‹ 队列", from: "开始日期", to: "结束日期", agent: "坐席", team: "班组", failed_check: "未通过项",
    review_status: "复核状态", flagged: "标记", fatal: "一票否决", score_min: "得分 ≥", score_max: "得分 ≤", sort: "排序", apply: "筛选",
    all: "全部", any: "不限", call: "通话", started: "开始时间", length: "时长", score: "得分", why_flagged: "标记原因",
    likely: "确认可能性", review: "复核", prev: "‹ 上一页", next: "下一页 ›", page_of: "第 {0} / {1} 页",
    calls_match: "通通话符合", n_flagged: "{0} 通标记", n_fatal: "{0} 通一票否决",
    pending: "待复核", in_review: "复核中", reviewed: "已复核", appealed: "申诉中", ruled: "已裁决",
    pass: "通过", fail: "未通过", partial: "部分得分", "n/a": "不适用", manual: "待人工评分",
    agent_speaker: "坐席", customer_speaker: "客户", unknown_speaker: "未知说话人", stereo: "双声道", mono: "单声道", no_team: "无班组",
    auto_score: "自动得分", final_score: "复核得分", live_total: "复核总分", listen: "收听", both: "双方", speed: "语速",
    transcript: "转写文本", attention: "重点项：一票否决、未通过与低置信度", sections: "评分表", other_checks: "其他检查（不计分）",
    passes: "通过项 {0} 项", agree: "同意", dispute: "驳回", reason_ph: "驳回理由（驳回时必填）", points: "分",
    auto: "自动", confidence: "置信度", low_conf: "低置信度", comment: "复核意见", comment_ph: "写给坐席的复核意见",
    submit: "提交复核", submitted: "已提交复核", undecided: "还有 {0} 项未通过或低置信度的项目未判定：{1}",
    history: "操作记录", no_recording: "无录音：本通话由转写文本评分。", appeal: "申诉", appeal_ph: "申诉理由",
    appeal_items: "申诉的项目（不选即全部未通过项）", appeal_by: "{0} 提出申诉：", ruling_by: "{0} 的裁决：",
    uphold: "维持原评", overturn: "改判（申诉成立）", ruling_ph: "裁决理由", upheld: "维持原评", overturned: "申诉成立，已改判",
    ruling_final: "裁决为最终结果，不可再次复核或申诉。", appeal_banner: "坐席已申诉，请主管裁决", appeal_window: "申诉期：复核后 {0} 天内",
    auto_vs_reviewer: "自动 {0} → 复核 {1}", evidence: "依据", silence: "静音", hold: "等待", overtalk: "抢话",
    agent_speech: "坐席语音（上）", customer_speech: "客户语音（下）", finding_marker: "问题标记", verdict: "判定", draft_kept: "草稿已保存在本机",
    shortcuts: "快捷键：空格 播放/暂停 · J/L 后退/前进 5 秒 · N/P 下/上一个重点项 · R 循环播放该问题 · A 同意 · D 驳回 · 0–9 给分 · Ctrl+Enter 提交复核",
    loop_title: "循环播放这一段（再点停止）",
    score_below: "得分 {0} 低于 {1}", item_failed: "{0} 未通过", fatal_failed: "一票否决：{0} 未通过",
    ack: "确认已阅", acked: "{0} 已确认阅读复核结果（{1}）",
    search_text: "搜索转写", call_id: "通话ID", unassigned: "未分配", sample: "抽样", queue_name: "队列", direction: "方向", inbound: "呼入", outbound: "呼出", assignee: "处理人",
    mine: "我的队列", mine_only: "我的", claim: "认领", release: "放弃认领", claimed_by: "认领人：{0}", submit_next: "提交并下一通", no_next: "队列中没有待复核的通话了",
    sort_priority: "标记优先", sort_score: "得分 ↑", sort_score_desc: "得分 ↓", sort_newest: "最新", sort_oldest: "最早", sort_agent: "坐席", sort_likely: "确认可能性",
    swap_speakers: "交换说话人", swap_one: "交换此句的说话人", swapped: "已交换", edit_text: "改写", save_text: "保存改写", cancel: "取消",
    mark_violation: "标记违规", choose_item: "选择评分项…", violation_reason_ph: "违规理由（必填）", violation_needs: "请选择评分项并填写理由",
    segment_n: "第 {0} 句", machine_text: "机器转写", corrected_by: "{0} 改写于 {1}", reviewer_mark: "复核员标记：{0}", unmark: "撤销",
    annotated: "已按复核标注重新评分（机器原判 {0} 分，{1} 项结论改变）", annot_help: "选中一句中的文字（或点“标记违规”）标记机器漏判的违规；“改写”纠正转写错误，改写后重新评分。",
    notifications: "通知", no_notifications: "暂无通知", n_unread: "{0} 条未读通知", notif_review: "{0} 复核了你的通话 {1}", notif_score: "，得分 {0}",
    notif_appeal: "{0} 对通话 {1} 提出申诉", notif_ruling: "{0} 裁决了通话 {1} 的申诉：{2}", notif_assignment: "{0} 将通话 {1} 分配给你",
    notif_auto: "通话 {0} 已按分配规则分给你", notif_coaching: "{0} 给你布置了辅导任务：{1}", notif_general: "综合表现",
    role_agent: "坐席", role_reviewer: "质检员", role_senior: "质检主管", role_admin: "管理员", sees_sensitive: "可查看敏感信息",
    cal_heading: "复核员对自动判定的确认情况", cal_check: "检查项", cal_calls_judged: "判定通话数", cal_agreed: "同意", cal_disputed: "驳回",
    cal_precision: "自动未通过的准确率", cal_kappa_auto: "κ 自动与人工", cal_kappa_reviewers: "κ 复核员之间",
    cal_overall: "{2} 位复核员对 {1} 通通话作出 {0} 次判定：同意 {3} 次，驳回 {4} 次。自动未通过的准确率：{5}。",
    cal_notes: "一次判定是一位复核员对一通通话某一检查项的最新结论。\n准确率：复核员确认的自动未通过项所占比例（ci95：Wilson 区间）。\nauto_pass：被判定的自动通过项；“漏判”指复核员认为本应未通过。\nκ 自动与人工：自动与复核员标签（未通过/通过）的 Cohen κ。\nκ 复核员之间：两位复核员判定同一通话同一检查项时的 Cohen κ。\n自动标签为当前结果：复核后重新评分的通话按新结果比较。",
    not_applicable: "不适用（{0}）", kappa_n: "{0}（n={1}）", pct_of: "{1} 项中 {0}%",
    dbl_heading: "盲审校准", dbl_calls: "通话数", dbl_pairs: "配对数", dbl_reviewer_agreement: "复核员一致率", dbl_kappa: "κ 复核员之间",
    dbl_machine_agreement: "与机器一致率", dbl_spread: "分差（平均 / 最大）", dbl_scores: "各复核员总分", dbl_spread_call: "分差",
    dbl_overall: "校准抽样（名称以“{1}”开头）共 {0} 通通话，其中 {2} 通已由两位及以上复核员提交。总分分差：平均 {3}，最大 {4}。校准通话上，复核员须全部提交后才能看到彼此的判定。",
    coach_heading: "辅导任务", coach_note: "辅导内容", coach_calls: "通话", coach_assigned: "布置人 · 时间", coach_status: "状态",
    coach_new: "布置辅导任务", coach_check_ph: "检查项（名称或ID）", coach_calls_ph: "通话ID，逗号分隔", coach_assign: "布置",
    coach_ack_ph: "备注（可选）", coach_ack: "确认已读", coach_acked_at: "已确认 {0}", coach_open: "待确认", coach_acknowledged: "已确认", coach_closed: "已关闭",
    kinds: {finding: "判定问题", check: "判定项目", manual: "人工评分", points: "改分", score: "总分", comment: "意见", status: "状态",
            appeal: "申诉", ruling: "裁决", reopen: "重新打开", claim: "认领", release: "放弃认领", ack: "确认已阅",
            violation: "标记违规", unmark: "撤销标记", correction: "改写转写", swap: "交换说话人", rescore: "重新评分"},
  },
  en: {
    app: "QA review", queue: "Queue", calibration: "Calibration", coaching: "Coaching", export_csv: "Export CSV", export_xlsx: "Export XLSX",
    lang_switch: "中文", back: "‹ Queue", from: "From", to: "To", agent: "Agent", team: "Team", failed_check: "Failed check",
    review_status: "Review status", flagged: "Flagged", fatal: "Fatal", score_min: "Score ≥", score_max: "Score ≤", sort: "Sort", apply: "Apply",
    all: "all", any: "any", call: "Call", started: "Started", length: "Length", score: "Score", why_flagged: "Why flagged",
    likely: "Likely confirmed", review: "Review", prev: "‹ Prev", next: "Next ›", page_of: "page {0} of {1}",
    calls_match: " calls match", n_flagged: "{0} flagged", n_fatal: "{0} fatal",
    pending: "pending", in_review: "in review", reviewed: "reviewed", appealed: "appealed", ruled: "ruled",
    pass: "pass", fail: "fail", partial: "partial", "n/a": "n/a", manual: "manual",
    agent_speaker: "agent", customer_speaker: "customer", unknown_speaker: "speaker ?", stereo: "stereo", mono: "mono", no_team: "no team",
    auto_score: "Automatic score", final_score: "Reviewed score", live_total: "Review total", listen: "Listen to", both: "both", speed: "Speed",
    transcript: "Transcript", attention: "Needs a decision: fatal, failed and low-confidence items", sections: "Scoring sheet",
    other_checks: "Other checks (no points)", passes: "{0} passed items", agree: "Agree", dispute: "Dispute",
    reason_ph: "reason (needed to dispute)", points: "pts", auto: "auto", confidence: "confidence", low_conf: "low confidence",
    comment: "Comment", comment_ph: "the review's comment for the agent", submit: "Submit review", submitted: "Review submitted",
    undecided: "{0} failed or low-confidence item(s) still need a decision: {1}", history: "History",
    no_recording: "No recording: this call was scored from a transcript.", appeal: "Appeal", appeal_ph: "why the agent disputes this review",
    appeal_items: "Items appealed (none ticked: every failed item)", appeal_by: "Appeal by {0}: ", ruling_by: "Ruling by {0}: ",
    uphold: "Uphold review", overturn: "Overturn", ruling_ph: "ruling reason", upheld: "upheld", overturned: "overturned",
    ruling_final: "The ruling is final: the call cannot be reviewed or appealed again.", appeal_banner: "The agent appealed: a senior rules",
    appeal_window: "Appeals within {0} day(s) of the review", auto_vs_reviewer: "auto {0} → review {1}", evidence: "evidence",
    silence: "silence", hold: "hold", overtalk: "overtalk", agent_speech: "agent speech (top)", customer_speech: "customer speech (bottom)",
    finding_marker: "finding", verdict: "Verdict", draft_kept: "draft kept in this browser",
    shortcuts: "Keys: Space play/pause · J/L −/+5 s · N/P next/previous item on top · R loop its finding · A agree · D dispute · 0–9 points · Ctrl+Enter submit",
    loop_title: "Play this span in a loop (again: stop)",
    score_below: "score {0} is below {1}", item_failed: "{0} failed", fatal_failed: "fatal: {0} failed (一票否决)",
    ack: "Acknowledge", acked: "{0} acknowledged the review ({1})",
    search_text: "Transcript", call_id: "Call id", unassigned: "Unassigned", sample: "Sample", queue_name: "Queue", direction: "Direction", inbound: "inbound", outbound: "outbound", assignee: "Assignee",
    mine: "My queue", mine_only: "mine", claim: "Claim", release: "Release", claimed_by: "claimed by {0}", submit_next: "Submit & next", no_next: "no pending call left in the queue",
    sort_priority: "flagged first", sort_score: "score ↑", sort_score_desc: "score ↓", sort_newest: "newest", sort_oldest: "oldest", sort_agent: "agent", sort_likely: "likely confirmed",
    swap_speakers: "Swap speakers", swap_one: "swap this segment's speaker", swapped: "swapped", edit_text: "Correct", save_text: "Save correction", cancel: "Cancel",
    mark_violation: "Mark violation", choose_item: "choose an item…", violation_reason_ph: "why it is a violation (required)", violation_needs: "choose an item and give a reason",
    segment_n: "segment {0}", machine_text: "machine", corrected_by: "corrected by {0} at {1}", reviewer_mark: "marked by {0}", unmark: "Take back",
    annotated: "re-scored with the reviewers' annotations (machine: {0}, {1} item(s) changed)", annot_help: "Select text in a segment (or Mark violation) to mark a violation the machine missed; Correct fixes an ASR error and re-scores the call.",
    notifications: "Notifications", no_notifications: "no notifications", n_unread: "{0} unread", notif_review: "{0} reviewed your call {1}", notif_score: ", score {0}",
    notif_appeal: "{0} appealed call {1}", notif_ruling: "{0} ruled on the appeal of call {1}: {2}", notif_assignment: "{0} assigned call {1} to you",
    notif_auto: "call {0} was assigned to you by the rules", notif_coaching: "{0} gave you a coaching task: {1}", notif_general: "overall",
    role_agent: "agent", role_reviewer: "reviewer", role_senior: "senior", role_admin: "admin", sees_sensitive: "sees sensitive data",
    cal_heading: "How often reviewers confirm the automatic findings", cal_check: "Check", cal_calls_judged: "Calls judged", cal_agreed: "Agreed", cal_disputed: "Disputed",
    cal_precision: "Precision of auto failures", cal_kappa_auto: "κ auto vs human", cal_kappa_reviewers: "κ between reviewers",
    cal_overall: "{0} judgements on {1} calls by {2} reviewer(s): {3} agreed, {4} disputed. Precision of automatic failures: {5}.",
    cal_notes: "A judgement is one reviewer's latest verdict on one check of one call.\nprecision: share of judged automatic failures the reviewer confirmed (ci95: Wilson).\nauto_pass: judged automatic passes; 'missed' = the reviewer says it should have failed.\nκ auto vs human: Cohen's kappa of automatic vs reviewer labels (fail/pass) over judgements.\nκ between reviewers: Cohen's kappa over pairs of reviewers who judged the same check of the same call.\nAutomatic labels are the current ones: a call re-scored after review is compared with its new result.",
    not_applicable: "n/a ({0})", kappa_n: "{0} (n {1})", pct_of: "{0}% of {1}",
    dbl_heading: "Blind double review", dbl_calls: "Calls", dbl_pairs: "Pairs", dbl_reviewer_agreement: "Reviewer agreement", dbl_kappa: "κ reviewers",
    dbl_machine_agreement: "Machine agreement", dbl_spread: "Points spread (mean / max)", dbl_scores: "Final scores", dbl_spread_call: "Spread",
    dbl_overall: "{0} calls in calibration sets (samples named '{1}…'), {2} submitted by two or more reviewers. Total score spread: mean {3}, max {4}. Each reviewer sees the others' decisions on a calibration call only after all of them submitted.",
    coach_heading: "Coaching tasks", coach_note: "What to work on", coach_calls: "Calls", coach_assigned: "Assigned", coach_status: "Status",
    coach_new: "Assign a task", coach_check_ph: "check (title or id)", coach_calls_ph: "call ids, comma-separated", coach_assign: "Assign",
    coach_ack_ph: "comment (optional)", coach_ack: "Acknowledge", coach_acked_at: "acknowledged {0}", coach_open: "open", coach_acknowledged: "acknowledged", coach_closed: "closed",
    kinds: {finding: "finding", check: "item", manual: "manual points", points: "points", score: "score", comment: "comment",
            status: "status", appeal: "appeal", ruling: "ruling", reopen: "reopen", claim: "claim", release: "release", ack: "acknowledged",
            violation: "violation marked", unmark: "violation taken back", correction: "text corrected", swap: "speakers swapped", rescore: "re-scored"},
  },
};
function lang() { const l = localStorage.getItem("qa-lang"); return l === "en" ? "en" : "zh"; }
function t(key, ...args) {
  const d = I18N[lang()];
  let s = key.includes(".") ? key.split(".").reduce((o, k) => (o || {})[k], d) : d[key];
  if (s === undefined) s = key;
  return String(s).replace(/\{(\d)\}/g, (_, i) => args[+i] === undefined ? "" : args[+i]);
}
function applyI18n(root) {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  (root || document).querySelectorAll("[data-i18n]").forEach(e => { e.textContent = t(e.dataset.i18n); });
  (root || document).querySelectorAll("[data-i18n-ph]").forEach(e => { e.placeholder = t(e.dataset.i18nPh); });
}
let TITLES = {};
// A check's automatic explanation in the interface language: reports since schema 1.4 carry it in Chinese
// (why_zh / summary_zh, from qa_pipeline/messages.py); for older reports a few phrases are translated below.
const WHY_ZH = [
  [/^no violation found$/, "未发现违规"], [/^waiting for a reviewer$/, "待人工评分"],
  [/^marked by a reviewer: (\d+) violation\(s\) the rules missed/, "复核员标记了 $1 处规则漏判的违规"], [/\(\+(\d+) marked by a reviewer\)/g, "（另有复核员标记 $1 处）"],
  [/^marked by ([^:]+): /, "$1 标记："],
  [/^does not apply: /, "不适用："], [/^cannot be decided: /, "无法判定："],
  [/no (「[^」]*」) from the agent heard/g, "未听到坐席说$1"], [/no (「[^」]*」) from the customer heard/g, "未听到客户说$1"],
  [/the agent said /g, "坐席说了"], [/the customer said /g, "客户说了"], [/; nearest: /g, "；最接近："],
  [/ for (「[^」]*」)/g, "（对应 $1）"], [/\(similarity ([\d.]+)\)/g, "（相似度 $1）"],
  [/agent speech rate \(characters\/min\)/g, "坐席语速（字/分钟）"], [/longest silence \(s\)/g, "最长静音（秒）"],
  [/overlaps of ≥ ([\d.]+) s started by agent/g, "坐席发起的 ≥$1 秒抢话"], [/\(not outside ([^)]*)\)/g, "（在 $1 之内）"],
  [/\(not > ([^)]*)\)/g, "（未超过 $1）"], [/\(outside ([^)]*)\)/g, "（超出 $1）"], [/\(not ≥ ([^)]*)\)/g, "（未达到 $1）"], [/\(not ≤ ([^)]*)\)/g, "（未低于 $1）"],
  [/agent spoke only ([\d.]+) s before the last ([\d.]+) s; at least ([\d.]+) s are needed to compare/g,
   "最后 $2 秒之前坐席只说了 $1 秒，至少需要 $3 秒才能比较"], [/evidence: /g, "依据："],
];
function tWhy(text, zh) {
  if (!text || lang() !== "zh") return text || "";
  if (typeof zh === "string") return zh;
  return WHY_ZH.reduce((s, [re, to]) => s.replace(re, to), String(text));
}
function title(id) { return TITLES[id] || id; }
function tFlag(reason) {  // the scorer's flag reasons, with titles in the interface language
  let m;
  if ((m = /^fatal: (\S+) failed/.exec(reason))) return t("fatal_failed", title(m[1]));
  if ((m = /^score (\S+) is below (\S+)$/.exec(reason))) return t("score_below", m[1], m[2]);
  if ((m = /^(\S+) failed$/.exec(reason))) return t("item_failed", title(m[1]));
  return reason;
}
function langSwitch(rerender) {
  const b = document.getElementById("lang");
  if (!b) return;
  b.textContent = t("lang_switch");
  b.onclick = () => { localStorage.setItem("qa-lang", lang() === "zh" ? "en" : "zh"); applyI18n(); b.textContent = t("lang_switch"); if (rerender) rerender(); };
}
