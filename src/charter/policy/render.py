"""Writing the policy document for people: plain text and Markdown here, HTML through
the Jinja2 templates in ``templates/policy/`` (autoescaped).

Every format draws the same :class:`~charter.policy.document.PolicyDocument`, so the
CLI, the exported page and the site show the same topics, in the same order, with the
same tables (Art. 12(1), Art. 13).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from enum import StrEnum

import jinja2

from charter.errors import CharterError
from charter.policy.document import (
    Block,
    BulletList,
    Cell,
    DocumentSection,
    Facts,
    Paragraph,
    PolicyDocument,
    build_document,
)
from charter.policy.schemas import Policy


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


def render_policy(policy: Policy, output: OutputFormat = OutputFormat.TEXT) -> str:
    document = build_document(policy)
    if output is OutputFormat.HTML:
        return render_html(document)
    if output is OutputFormat.MARKDOWN:
        return render_markdown(document)
    return render_text(document)


def template_environment() -> jinja2.Environment:
    """Templates for rendering outside the web app (the CLI's standalone HTML page)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("charter", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(document: PolicyDocument) -> str:
    """A complete, self-contained HTML page, for publishing on another website."""
    try:
        template = template_environment().get_template("policy/document.html")
    except jinja2.TemplateError as exc:  # a broken installation, not the user's input
        raise CharterError("The policy page template is missing or broken.") from exc
    return template.render(document=document)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _md_cell(cell: Cell) -> str:
    return "; ".join(_md(c) for c in cell) if isinstance(cell, tuple) else _md(cell)


def render_markdown(document: PolicyDocument) -> str:
    lines = [f"# {_md(document.title)}", "", _md(_byline(document)), "", "## Topics", ""]
    lines += [f"{n}. {_md(s.title)}" for n, s in enumerate(document.sections, 1)]
    for section in _walk(document.sections):
        lines += ["", f"{'#' * section.level} {_md(section.title)}"]
        for block in section.blocks:
            lines.append("")
            if isinstance(block, Paragraph):
                lines.append(_md(block.text))
            elif isinstance(block, BulletList):
                lines += [f"- {_md(item)}" for item in block.items]
            elif isinstance(block, Facts):
                lines += [f"**{_md(block.caption)}**", ""]
                lines += [f"- **{_md(label)}:** {_md(value)}" for label, value in block.items]
            else:
                lines += [f"**{_md(block.caption)}**", ""]
                lines.append("| " + " | ".join(_md(c) for c in block.columns) + " |")
                lines.append("|" + " --- |" * len(block.columns))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
    return "\n".join(lines) + "\n"


def _byline(document: PolicyDocument) -> str:
    return (
        f"{document.organisation}, version {document.version}, "
        f"in force from {document.effective_label}"
    )


def _walk(sections: tuple[DocumentSection, ...]) -> Iterator[DocumentSection]:
    for section in sections:
        yield section
        yield from _walk(section.subsections)


_WIDTH = 88


def render_text(document: PolicyDocument) -> str:
    lines = [document.title, "=" * len(document.title), _byline(document), "", "Topics:"]
    lines += [f"  {n}. {s.title}" for n, s in enumerate(document.sections, 1)]
    underline = {2: "-", 3: "~"}
    for section in _walk(document.sections):
        lines += ["", "", section.title, underline.get(section.level, "-") * len(section.title)]
        for block in section.blocks:
            lines.append("")
            lines += _text_block(block)
    return "\n".join(lines) + "\n"


def _text_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return textwrap.wrap(block.text, _WIDTH)
    if isinstance(block, BulletList):
        return [
            line
            for item in block.items
            for line in textwrap.wrap(item, _WIDTH, initial_indent="  - ", subsequent_indent="    ")
        ]
    if isinstance(block, Facts):
        lines = [f"{block.caption}:"]
        for label, value in block.items:
            lines += textwrap.wrap(
                f"{label}: {value}", _WIDTH, initial_indent="  ", subsequent_indent="    "
            )
        return lines
    lines = [f"{block.caption}:"]
    for row in block.rows:
        head, *rest = row
        lines += textwrap.wrap(
            _plain(head), _WIDTH, initial_indent="  * ", subsequent_indent="    "
        )
        for column, cell in zip(block.columns[1:], rest, strict=True):
            text = _plain(cell)
            if text:
                lines += textwrap.wrap(
                    f"{column}: {text}", _WIDTH, initial_indent="    ", subsequent_indent="      "
                )
    return lines


def _plain(cell: Cell) -> str:
    return "; ".join(cell) if isinstance(cell, tuple) else cell
