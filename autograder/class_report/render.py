"""Draw a `ClassReport`: two PNG figures (matplotlib, Agg) and one self-contained HTML page that embeds them."""

from __future__ import annotations

import base64
import html
import io
import textwrap
from pathlib import Path

from .messages import group_messages
from .model import ClassReport, TestSummary

LABEL_WIDTH = 46
"""Characters per line of a question beside its bar."""
LABEL_LINES = 3
"""Lines per question at most; a longer question is cut with an ellipsis (the page below shows it whole)."""
DPI = 100
MESSAGE_CHARS = 400
"""A failure message longer than this is cut in the page."""
GRADED, FAILED = "#4c72b0", "#b0b0b0"
LOW, MIDDLE, HIGH = "#c44e52", "#dd8452", "#55a868"
"""Pass-rate bar colours: under half, under four fifths, and the rest."""


def wrap_label(text: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """`text` on at most `lines` lines of `width` characters, cut with an ellipsis when longer."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def histogram_png(report: ClassReport) -> bytes:
    """The score histogram: graded submissions, with those that could not be graded stacked in grey."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.2), layout="constrained")
    axes = figure.subplots()
    bins = report.histogram
    middles = [(b.low + b.high) / 2 for b in bins]
    width = (bins[0].high - bins[0].low) * 0.85
    axes.bar(middles, [b.graded for b in bins], width=width, color=GRADED, label="graded")
    if any(b.failed for b in bins):
        axes.bar(middles, [b.failed for b in bins], width=width, bottom=[b.graded for b in bins], color=FAILED,
                 hatch="//", label="could not be graded (0)")
        figure.legend(loc="outside upper right", frameon=False, ncols=2)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(len(bins), 21)))
    axes.set_xlim(bins[0].low, bins[-1].high)
    axes.set_xlabel(f"score (out of {report.max_score:g})")
    axes.set_ylabel("submissions")
    axes.set_title(f"{report.assignment}: scores of {report.submissions} submissions", loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def pass_rate_colour(rate: float) -> str:
    """Red under one half, orange under four fifths, green above."""
    return LOW if rate < 0.5 else MIDDLE if rate < 0.8 else HIGH


def pass_rates_png(report: ClassReport) -> bytes:
    """One horizontal bar per test, named by its question, in notebook order from the top."""
    from matplotlib.figure import Figure

    tests = report.tests
    labels = [wrap_label(t.question) for t in tests]
    height = 1.0 + sum(0.22 + 0.17 * label.count("\n") for label in labels) + 0.12 * len(tests)
    figure = Figure(figsize=(10, max(2.0, height)), layout="constrained")
    axes = figure.subplots()
    rows = range(len(tests))
    rates = [100 * t.pass_rate for t in tests]
    axes.barh(rows, rates, color=[pass_rate_colour(t.pass_rate) for t in tests], height=0.7)
    for row, test, rate in zip(rows, tests, rates, strict=False):
        axes.text(rate + 1, row, f"{test.passed}/{test.graded} ({rate:.0f} %)", va="center", fontsize=9)
    axes.set_yticks(list(rows), labels, fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, 118)
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel(f"passed, % of the {report.graded} graded submissions")
    axes.set_title(f"{report.assignment}: pass rate of each test", loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1040px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 20px 0 4px; } img { max-width: 100%; }
.summary { color: #444; } .muted { color: #777; font-size: 13px; } .note { background: #fff6d6; padding: 8px 12px; }
table { border-collapse: collapse; margin: 6px 0; } td, th { padding: 3px 10px 3px 0; vertical-align: top; text-align: left; }
td.count { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; } code { font-size: 13px; }
"""


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def _cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _test_section(test: TestSummary) -> str:
    e = html.escape
    head = (f'<h3 id="test-{e(test.grade_id)}">{e(test.question)}</h3>'
            f'<p class="muted"><code>{e(test.grade_id)}</code> · {_points(test.points)} · '
            f'passed by {test.passed} of {test.graded}</p>')
    if test.passed == test.graded:
        return head + "<p>Every graded submission passed.</p>"
    rows = []
    for group in test.messages:
        others = group.wordings - 1
        wording = "wordings that differ" if others > 1 else "wording that differs"
        more = f' <span class="muted">(and {others} other {wording} only in numbers)</span>' if others else ""
        rows.append(f'<tr><td class="count">{group.students}</td><td>{e(_cut(group.message))}{more}</td></tr>')
    if test.other_groups:
        rows.append(f'<tr><td class="count">{test.other_students}</td><td class="muted">students saw '
                    f'{test.other_groups} other message{"s" * (test.other_groups > 1)}</td></tr>')
    return head + '<table><tr><th>students</th><th>message</th></tr>' + "".join(rows) + "</table>"


def render_html(report: ClassReport, histogram: bytes, pass_rates: bytes) -> str:
    """The report as one HTML page, with both figures embedded."""
    e = html.escape

    def image(png: bytes, alt: str) -> str:
        return f'<img alt="{e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'

    failed, waiting = len(report.failed), report.waiting
    summary = [f"{report.submissions} submissions", f"{report.graded} graded"]
    summary += [f"{failed} could not be graded"] if failed else []
    summary += [f"mean {report.mean:.2f} and median {report.median:g} out of {report.max_score:g}"]
    summary += [f"{waiting} with written answers to grade by hand"] if waiting else []
    if report.median_seconds is not None:
        summary.append(f"median {report.median_seconds:.1f} s to grade a submission")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{e(report.assignment)}: class report</title><style>{STYLE}</style></head><body>",
             f"<h1>Class report: {e(report.assignment)}</h1>",
             f"<p class='summary'>{' · '.join(e(s) for s in summary)}</p>"]
    parts += [f"<p class='note'>{e(note)}</p>" for note in report.notes]

    parts.append("<h2>Scores</h2>" + image(histogram, "score histogram"))
    caption = "Scores as the gradebook holds them: autograded points, plus the manual grades given so far."
    if waiting:
        caption += f" {waiting} submissions still wait for written answers to be graded; their scores may rise."
    parts.append(f"<p class='muted'>{e(caption)}</p>")

    parts.append("<h2>Tests</h2>" + image(pass_rates, "pass rate of each test"))
    parts.append(f"<p class='muted'>Each test's share of the {report.graded} graded submissions that got its points; "
                 "submissions that could not be graded are left out.</p>")
    parts.append("<h2>What went wrong, test by test</h2><p class='muted'>The most common failure messages. "
                 "Messages that differ only in their numbers (units, shapes, accuracies, layer names such as "
                 "dense_3) count as one; the most common wording is shown.</p>")
    parts += [_test_section(test) for test in report.tests]

    parts.append(f"<h2 id='failed'>Could not be graded ({failed})</h2>")
    if report.failed:
        groups, _, _ = group_messages([f.reason for f in report.failed], top=len(report.failed))
        reasons = "".join(f"<tr><td class='count'>{g.students}</td><td>{e(_cut(g.message))}</td></tr>" for g in groups)
        rows = "".join(f"<tr><td>{e(f.student_id)}</td><td>{e(_cut(f.reason))}</td><td><code>{e(f.log)}</code></td></tr>"
                       for f in report.failed)
        parts.append(f"<p class='muted'>They score 0; their logs are in the grading folder. Reasons that differ only "
                     f"in numbers count as one.</p><table><tr><th>students</th><th>reason</th></tr>{reasons}</table>"
                     f"<details{' open' * (failed <= 10)}><summary>each student</summary><table><tr><th>student"
                     f"</th><th>reason</th><th>log</th></tr>{rows}</table></details>")
    else:
        parts.append("<p>Every submission was graded.</p>")

    parts.append(f"<h2 id='manual'>Written answers to grade by hand ({waiting} submissions)</h2>")
    if report.manual:
        parts.append("<p class='muted'>Grade them in the formgrader: <code>make instructor</code>, then "
                     "Nbgrader &gt; Formgrader.</p>")
        for answer in report.manual:
            parts.append(f"<p><code>{e(answer.grade_id)}</code> ({_points(answer.points)}): "
                         f"{len(answer.students)} waiting</p><details><summary>students</summary><p>"
                         f"{e(', '.join(answer.students))}</p></details>")
    else:
        parts.append("<p>None is waiting.</p>")

    parts.append("<h2 id='slowest'>Slowest submissions</h2>")
    if report.slowest:
        rows = "".join(f"<tr><td>{e(t.student_id)}</td><td class='count'>{t.seconds:.1f} s</td><td>{e(t.status)}</td>"
                       "</tr>" for t in report.slowest)
        parts.append(f"<table><tr><th>student</th><th>grading time</th><th>status</th></tr>{rows}</table>")
    else:
        parts.append("<p>grades.csv does not say how long grading took.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: ClassReport, folder: Path) -> Path:
    """Write `folder/ASSIGNMENT.html` and its figures beside it, as `ASSIGNMENT_scores.png` and
    `ASSIGNMENT_pass_rates.png`; return the HTML file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    histogram, pass_rates = histogram_png(report), pass_rates_png(report)
    (folder / f"{report.assignment}_scores.png").write_bytes(histogram)
    (folder / f"{report.assignment}_pass_rates.png").write_bytes(pass_rates)
    page = folder / f"{report.assignment}.html"
    page.write_text(render_html(report, histogram, pass_rates), encoding="utf-8")
    return page
