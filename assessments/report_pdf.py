"""The PDF Report and the Signed report: the report's facts as an A4 PDF, chart included.

ReportLab is pure Python and needs no system packages, and its graphics module draws the bar
chart natively. Text is set in Bitstream Vera, which ReportLab ships: an embedded TrueType font
prints accented names that the PDF core fonts would mangle, and keeps the text extractable.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from assessments.report_content import Chart, ReportContent, format_moment

FONT = "HarverVera"
FONT_BOLD = "HarverVera-Bold"

INK = colors.HexColor("#1b1446")
MUTED = colors.HexColor("#5b5877")
BRAND = colors.HexColor("#5b2bd6")
BRAND_SOFT = colors.HexColor("#efeafd")
RULE = colors.HexColor("#e3e0ee")
TONE_COLOURS = {
    "great": (colors.HexColor("#e3f6ec"), colors.HexColor("#136c3f")),
    "good": (colors.HexColor("#e6effd"), colors.HexColor("#1d4f9c")),
    "poor": (colors.HexColor("#fdebe6"), colors.HexColor("#9c341d")),
}

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_PADDING = 6  # points; platypus frames pad their content by this much on every side
HEADER_HEIGHT = 22 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * (MARGIN + FRAME_PADDING)
EDGE = MARGIN + FRAME_PADDING
CHART_LABEL_CHARACTERS = 28


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13.5, textColor=INK)
    return {
        "body": base,
        "muted": ParagraphStyle("muted", parent=base, textColor=MUTED, fontSize=8.5, leading=11),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=MUTED, fontSize=10.5),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=14,
            spaceAfter=6,
            textColor=BRAND,
        ),
        "label": ParagraphStyle(
            "label", parent=base, textColor=MUTED, fontSize=7.5, leading=10, spaceAfter=2
        ),
        "figure": ParagraphStyle(
            "figure", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24
        ),
        "value": ParagraphStyle("value", parent=base, fontName=FONT_BOLD, fontSize=11, leading=15),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, textColor=MUTED),
    }


def _text(value: str) -> str:
    """Paragraph markup is XML-like: escape what the report quotes."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(name: str, limit: int = CHART_LABEL_CHARACTERS) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _chart(chart: Chart) -> Drawing:
    # ReportLab's chart geometry is typed in whole points.
    label_width = round(48 * mm)
    row_height = round(9 * mm)
    rows = len(chart.bars)
    drawing = Drawing(CONTENT_WIDTH, rows * row_height + round(10 * mm))
    bars = HorizontalBarChart()
    bars.x = label_width
    bars.y = round(7 * mm)
    bars.width = round(CONTENT_WIDTH - label_width - 12 * mm)
    bars.height = rows * row_height
    # The chart draws its first category at the bottom; reverse to read top-down like the page.
    ordered = list(reversed(chart.bars))
    bars.data = [[bar.score for bar in ordered]]
    bars.categoryAxis.categoryNames = [_short(bar.name) for bar in ordered]
    bars.categoryAxis.labels.fontName = FONT
    bars.categoryAxis.labels.fontSize = 9
    bars.categoryAxis.labels.fillColor = INK
    bars.categoryAxis.labels.boxAnchor = "e"
    bars.categoryAxis.labels.dx = -6
    bars.categoryAxis.strokeColor = RULE
    bars.categoryAxis.visibleTicks = False
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = 100
    bars.valueAxis.valueStep = 25
    bars.valueAxis.labels.fontName = FONT
    bars.valueAxis.labels.fontSize = 7.5
    bars.valueAxis.labels.fillColor = MUTED
    bars.valueAxis.strokeColor = RULE
    bars.valueAxis.visibleGrid = True
    bars.valueAxis.gridStrokeColor = RULE
    bars.valueAxis.gridStrokeWidth = 0.5
    bars.bars[0].fillColor = BRAND
    bars.bars[0].strokeColor = None
    bars.barWidth = round(5 * mm)
    bars.groupSpacing = round(4 * mm)
    bars.barLabelFormat = "%d"
    bars.barLabels.fontName = FONT_BOLD
    bars.barLabels.fontSize = 9
    bars.barLabels.fillColor = INK
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 4
    drawing.add(bars)
    return drawing


def _details_table(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    data = [
        [Paragraph(_text(label), styles["muted"]), Paragraph(_text(value or "—"), styles["body"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[32 * mm, CONTENT_WIDTH / 2 - 34 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _result_band(report: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    background, foreground = TONE_COLOURS.get(report.recommendation_tone, (BRAND_SOFT, INK))
    recommendation_style = ParagraphStyle(
        "recommendation", parent=styles["value"], textColor=foreground, fontSize=14, leading=20
    )
    cells: list[list[Flowable]] = [
        [
            Paragraph("MATCHING SCORE", styles["label"]),
            Paragraph(f'{report.score}<font size="11"> / 100</font>', styles["figure"]),
        ],
        [
            Paragraph("RECOMMENDATION", styles["label"]),
            Paragraph(_text(report.recommendation or "—"), recommendation_style),
        ],
        [
            Paragraph("DURATION", styles["label"]),
            Paragraph(report.duration or "—", styles["value"]),
        ],
        [
            Paragraph("COMPLETED", styles["label"]),
            Paragraph(_text(report.completed_at or "—"), styles["value"]),
        ],
    ]
    widths = [CONTENT_WIDTH * share for share in (0.25, 0.25, 0.17, 0.33)]
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), BRAND_SOFT),
                ("BACKGROUND", (1, 0), (1, 0), background),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                ("LINEAFTER", (0, 0), (-2, -1), 1, colors.white),
            ]
        )
    )
    return table


def _history_table(report: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    header = [Paragraph(name, styles["label"]) for name in ("STATUS", "WHEN", "REPORTED BY")]
    rows = [
        [
            Paragraph(_text(entry.status), styles["body"]),
            Paragraph(_text(entry.occurred_at), styles["body"]),
            Paragraph(_text(entry.source.capitalize()), styles["body"]),
        ]
        for entry in report.history
    ]
    table = Table(
        [header, *rows],
        colWidths=[CONTENT_WIDTH * share for share in (0.3, 0.4, 0.3)],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _story(report: ReportContent) -> list[Flowable]:
    styles = _styles()
    subtitle = " · ".join(part for part in (report.assessment, report.job) if part)
    story: list[Flowable] = [
        Paragraph(_text(report.candidate_name), styles["title"]),
        Paragraph(_text(subtitle), styles["subtitle"]),
        Spacer(1, 6 * mm),
    ]
    if report.has_result:
        story.append(_result_band(report, styles))
        if report.chart is not None:
            story.append(
                KeepTogether(
                    [Paragraph("Competency scores", styles["heading"]), _chart(report.chart)]
                )
            )
        if report.summary:
            story += [
                Paragraph("Summary", styles["heading"]),
                Paragraph(_text(report.summary), styles["body"]),
            ]
    else:
        story.append(
            Paragraph(
                f"No result yet: this assessment is {_text(report.status_label.lower())}.",
                styles["value"],
            )
        )
    candidate_rows = [
        ("Name", report.candidate_name),
        ("Email", report.email),
        ("Phone", report.phone),
    ]
    assessment_rows = [
        ("Assessment", report.assessment),
        ("Harver job code", report.job_code),
        ("Job", report.job),
        ("Account", report.account),
        ("Status", report.status_label),
        ("Invited", report.invited_at),
    ]
    story += [
        Paragraph("Candidate and assessment", styles["heading"]),
        Table(
            [[_details_table(candidate_rows, styles), _details_table(assessment_rows, styles)]],
            colWidths=[CONTENT_WIDTH / 2, CONTENT_WIDTH / 2],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        ),
    ]
    if report.personal_data_hidden:
        story.append(
            Paragraph("Personal data is hidden in reports opened without a login.", styles["muted"])
        )
    if report.history:
        story += [
            Paragraph("Status history", styles["heading"]),
            _history_table(report, styles),
        ]
    return story


def _decorate(report: ReportContent, generated_at: str) -> Any:
    def decorate(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(BRAND)
        canvas.rect(0, PAGE_HEIGHT - HEADER_HEIGHT, PAGE_WIDTH, HEADER_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(FONT_BOLD, 17)
        canvas.drawString(EDGE, PAGE_HEIGHT - HEADER_HEIGHT / 2 - 6, "harver")
        canvas.setFont(FONT, 10)
        canvas.drawRightString(
            PAGE_WIDTH - EDGE, PAGE_HEIGHT - HEADER_HEIGHT / 2 - 3.5, "Assessment report"
        )
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(
            EDGE, 10 * mm, f"Assessment id {report.public_id} · generated {generated_at}"
        )
        canvas.drawRightString(PAGE_WIDTH - EDGE, 10 * mm, f"Page {document.page}")
        canvas.restoreState()

    return decorate


def render_pdf(report: ReportContent) -> bytes:
    """The report as PDF bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=HEADER_HEIGHT + 10 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author="Harver",
        subject=report.assessment,
        creator="Harver integration platform",
    )
    decorate = _decorate(report, format_moment(timezone.now()))
    document.build(_story(report), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
