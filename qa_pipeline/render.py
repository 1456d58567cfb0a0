"""The terminal summary of a :class:`CallReport` (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.markup import escape
from rich.text import Text

from .sanitize import terminal_text
from .types import CallReport

SPEAKER_STYLE = {"agent": "cyan", "customer": "magenta", "unknown": "white"}
SPEAKER_ZH = {"agent": "坐席 agent", "customer": "客户 customer", "unknown": "未分 unknown"}


def _t(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m):02d}:{s:05.2f}"


def _num(value, unit: str = "", digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def render(report: CallReport, console: Console | None = None) -> None:
    """Print a readable summary: header, transcript, measurements, warnings."""
    console = console or Console()
    a, m = report.audio, report.metrics
    head = (f"[bold]{escape(terminal_text(report.file))}[/]  {_t(report.duration_s)} · {a.format}/{a.codec} · {a.sample_rate} Hz · "
            f"{'stereo, agent on ' + a.agent_channel if a.agent_channel else 'mono'}")
    console.print(Panel(head, title=f"call {escape(terminal_text(report.call_id))}", expand=False))

    tr = Table(title="Transcript", show_lines=False, header_style="bold")
    tr.add_column("start", justify="right", no_wrap=True)
    tr.add_column("end", justify="right", no_wrap=True)
    tr.add_column("speaker", no_wrap=True)
    tr.add_column("text", overflow="fold")
    tr.add_column("字/分", justify="right")
    for u in report.transcript:
        tr.add_row(_t(u.start), _t(u.end), Text(SPEAKER_ZH[u.speaker], style=SPEAKER_STYLE[u.speaker]),
                   Text(terminal_text(u.text)), _num(u.rate_cpm))
    if not report.transcript:
        tr.add_row("", "", "", Text("(no speech detected)", style="dim"), "")
    console.print(tr)

    mt = Table(title="Measurements", header_style="bold")
    mt.add_column("metric")
    for spk in m.talk_time_s:
        mt.add_column(SPEAKER_ZH[spk], justify="right", style=SPEAKER_STYLE[spk])
    rows = [("speech rate (chars/min)", m.speech_rate_cpm, "", 0),
            ("rate, last 30 s of speech", m.speech_rate_last_30s_cpm, "", 0),
            ("talk time", m.talk_time_s, " s", 1),
            ("talk share", {k: (v * 100 if v is not None else None) for k, v in m.talk_share.items()}, " %", 0),
            ("loudness", m.loudness_dbfs, " dBFS", 1)]
    for label, values, unit, digits in rows:
        mt.add_row(label, *(_num(values.get(s), unit, digits) for s in m.talk_time_s))
    console.print(mt)

    s = m.silence
    lines = [f"silence: {len(s.spans)} spans, longest {s.max_s:.1f} s, total {s.total_s:.1f} s"
             + (f"; holds: " + ", ".join(f"{_t(h.start)}–{_t(h.end)} ({h.duration:.0f} s)" for h in s.holds)
                if s.holds else "")]
    o = m.overtalk
    if o.available:
        lines.append(f"overtalk: {o.count} spans, {o.total_s:.1f} s; interruptions by agent {o.agent_interruptions}, "
                     f"by customer {o.customer_interruptions}; backchannels {o.backchannels}")
        for sp in o.spans:
            lines.append(f"  {_t(sp.start)}–{_t(sp.end)} {sp.kind} by {sp.interrupter} "
                         f"「{escape(terminal_text(sp.quote[:40]))}」")
        if o.method and not o.method.startswith("stereo"):
            lines.append(f"[dim]overtalk measured by {o.method}[/]")
    else:
        lines.append(f"overtalk: unavailable ({o.reason})")
    sp = report.speakers
    if sp is not None and sp.method in ("mono diarization", "mono, roles by content"):
        style = "yellow" if sp.role_level == "low" else "dim"
        lines.append(f"[{style}]speakers: {escape(terminal_text(sp.detail))}; role confidence {sp.role_confidence:.2f} ({sp.role_level})[/]")
    d = report.diagnostics
    if d.get("untranscribed_spans"):
        lines.append(f"[yellow]warning: {len(d['untranscribed_spans'])} speech span(s) got no text from the "
                     f"recognizer; see --json diagnostics[/]")
    if d.get("dropped_hallucinations"):
        lines.append(f"dropped {len(d['dropped_hallucinations'])} recognizer hallucination(s)")
    t = report.timings_s
    if "asr_s" in t:
        lines.append(f"[dim]processed in {t['total_s']:.1f} s ({report.duration_s / max(t['total_s'], 1e-9):.0f}× "
                     f"real time; ASR {t['asr_s']:.1f} s) with {report.model['name']} on {report.model['device']}[/]")
    else:
        lines.append(f"[dim]re-scored from a transcript in {t['total_s']:.2f} s (no ASR)[/]")
    console.print(Group(*(Text.from_markup(x, overflow="fold") for x in lines)))
    render_checks(report, console)


STATUS_STYLE = {"pass": "green", "partial": "yellow", "fail": "bold red", "n/a": "dim", "manual": "yellow"}


def _span(f) -> str:
    return f"{_t(f.span.start)}–{_t(f.span.end)}" if f.span else ""


def _check_row(ct: Table, c, low: set[str]) -> None:
    pts = "" if c.points_possible is None else f"{_num(c.points, digits=1)}/{c.points_possible:g}"
    rows = c.findings if c.status in ("fail", "partial") else ()
    ev = Text(terminal_text(c.summary))
    for f in rows[:5]:
        who = SPEAKER_ZH.get(f.speaker or "", "")
        ev.append(f"\n{_span(f)} {who} 「{terminal_text(f.quote[:60])}」", style="dim")
    ev.append("" if len(rows) <= 5 else f"\n… {len(rows) - 5} more")
    label = Text(c.id, style="bold" if c.status in ("fail", "partial") else "")
    status = Text(c.status + ("\n一票否决" if c.fatal and c.status == "fail" else ""), style=STATUS_STYLE[c.status])
    conf = "" if c.confidence is None else f"{c.confidence:.2f}"
    ct.add_row(label, status, pts, Text(conf, style="yellow" if c.id in low else ""), ev)


def render_checks(report: CallReport, console: Console) -> None:
    """The checklist by section (subtotals), each item with status, points, confidence and evidence;
    then the score, the automatic coverage and the items a reviewer should look at first."""
    if not report.checks:
        return
    d = report.score_detail or {}
    low = {x["id"] for x in d.get("low_confidence", ())}
    ct = Table(title="Checklist", header_style="bold", show_lines=True)
    for col, kw in (("check", {"max_width": 30, "overflow": "fold"}), ("status", {}), ("points", {"justify": "right"}),
                    ("conf.", {"justify": "right"}), ("evidence", {"overflow": "fold"})):
        ct.add_column(col, **kw)
    by_section: dict[str | None, list] = {}
    for c in report.checks:
        by_section.setdefault(c.section, []).append(c)
    for sec in d.get("sections", ()):
        ct.add_row(Text(sec["name"], style="bold cyan"), "", Text(f"{sec['earned']:g}/{sec['points']:g}", style="bold"),
                   "", Text(f"section subtotal; {sec['auto_points']:g} of its points assessed automatically", style="dim"),
                   end_section=False)
        for c in by_section.pop(sec["name"], []):
            _check_row(ct, c, low)
    for c in by_section.pop(None, []) + [c for rest in by_section.values() for c in rest]:
        _check_row(ct, c, low)  # checks outside the checklist
    console.print(ct)
    score = "—" if report.score is None else f"{report.score:g}"
    flag = ("[bold red]FLAGGED[/] " + escape(terminal_text("; ".join(report.flag_reasons)))) if report.flagged else "[green]not flagged[/]"
    cov = d.get("auto_coverage")
    manual = [c for c in report.checks if c.status == "manual"]
    parts = [f"score [bold]{score}[/]/{d.get('total_points', 100):g}"]
    if cov is not None:
        parts.append(f"auto coverage {cov * 100:.0f}%")
    if manual:
        parts.append(f"{len(manual)} manual items ({d.get('manual_pending', 0):g} points) wait for a reviewer")
    if low:
        parts.append("low confidence: " + ", ".join(x["id"] for x in d["low_confidence"][:8])
                     + (" …" if len(low) > 8 else ""))
    console.print(Text.from_markup(" · ".join(parts) + " · " + flag
                                   + ("" if report.redacted else "  [yellow](sensitive data shown)[/]")))
