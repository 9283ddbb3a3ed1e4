from __future__ import annotations

from html.parser import HTMLParser

import pytest

from charter.policy.document import (
    BulletList,
    Facts,
    Paragraph,
    PolicyDocument,
    Table,
    build_document,
)
from charter.policy.render import OutputFormat, render_policy
from charter.policy.schemas import Policy
from tests.policy.factories import build, item, raw_policy

#: The "Topics :" list of the published 2018 policy, in its order.
SEED_TOPICS = [
    "What information do we collect about you?",
    "How will we use your data?",
    "IP addresses and cookies",
    "Marketing Communications",
    "Who has access to your information?",
    "How do we protect your information?",
    "How long will we keep your data?",
    "Transferring your information outside of Europe",
    "Your Legal Rights",
    "How to contact us",
    "Changes to our privacy policy",
]

TOPICS_1_1 = [
    "Who we are and what this policy covers",
    "What information do we collect about you?",
    "How will we use your data?",
    "Automated decision-making",
    "IP addresses and cookies",
    "Marketing Communications",
    "Who has access to your information?",
    "How do we protect your information?",
    "How long will we keep your data?",
    "Transferring your information outside the UK",
    "Your Legal Rights",
    "How to complain",
    "How to contact us",
    "Changes to our privacy policy",
]


def in_order(text: str, needles: list[str]) -> bool:
    position = 0
    for needle in needles:
        found = text.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle)
    return True


def tables(document: PolicyDocument) -> dict[str, Table]:
    found: dict[str, Table] = {}
    for top in document.sections:
        for section in (top, *top.subsections):
            found.update({b.caption: b for b in section.blocks if isinstance(b, Table)})
    return found


def row_heads(table: Table) -> list[str]:
    return [str(row[0]) for row in table.rows]


def test_1_0_topics_are_the_seed_topics_in_order(policy_1_0: Policy) -> None:
    document = build_document(policy_1_0)
    assert [s.title for s in document.sections] == ["Introduction", *SEED_TOPICS]
    assert document.headings()[6] == "Disclosure of your Personal Data"


def test_1_1_keeps_the_seed_order_and_adds_its_topics(policy_1_1: Policy) -> None:
    titles = [s.title for s in build_document(policy_1_1).sections]
    assert titles == TOPICS_1_1


@pytest.mark.parametrize("output", list(OutputFormat))
def test_every_format_shows_every_topic_in_order(
    policy_1_0: Policy, policy_1_1: Policy, output: OutputFormat
) -> None:
    assert in_order(render_policy(policy_1_0, output), SEED_TOPICS)
    assert in_order(render_policy(policy_1_1, output), TOPICS_1_1)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_tables_list_every_declaration(
    policy_1_0: Policy, policy_1_1: Policy, version: str
) -> None:
    policy = policy_1_0 if version == "1.0" else policy_1_1
    found = tables(build_document(policy))
    assert row_heads(found["What we use your data for"]) == [p.name for p in policy.purposes]
    assert row_heads(found["Cookies we use"]) == [c.name for c in policy.cookies]
    assert row_heads(found["Who receives your data"]) == [r.name for r in policy.recipients]
    assert row_heads(found["The personal data we hold"]) == [c.name for c in policy.categories]
    assert row_heads(found["Your rights"]) == [r.name for r in policy.rights]
    assert len(found["How long we keep your data"].rows) == len(policy.retention)
    assert row_heads(found["Transfers outside the UK"]) == [
        r.name for r in policy.recipients if r.country != "GB"
    ]
    html = render_policy(policy, OutputFormat.HTML)
    for name in [p.name for p in policy.purposes] + [c.name for c in policy.cookies]:
        assert f">{name}<" in html


def test_purposes_show_lawful_basis_and_interest(policy_1_1: Policy) -> None:
    table = tables(build_document(policy_1_1))["What we use your data for"]
    rows = {str(row[0]): row for row in table.rows}
    assert rows["Marketing"][2] == ("Consent (Art. 6(1)(a))", "Channels: email, phone and text")
    basis = rows["Answering your queries"][2]
    assert basis[0] == "Legitimate interests (Art. 6(1)(f))"
    assert basis[1].startswith("Our interest: ")


def test_retention_and_transfers_read_as_sentences(policy_1_0: Policy, policy_1_1: Policy) -> None:
    retention = tables(build_document(policy_1_1))["How long we keep your data"]
    periods = [row[1] for row in retention.rows]
    assert periods == [
        "2 years from our last contact with you",
        "Until you withdraw your consent",
        "Until you close your account, then 1 year",
        "6 years from the end of the financial year",
        "13 months from when we collect it",
    ]
    assert "Companies Act 2006 s.388" in str(retention.rows[3][3])
    old = tables(build_document(policy_1_0))["How long we keep your data"]
    assert old.rows[0][1] == "No fixed period"
    transfers = tables(build_document(policy_1_1))["Transfers outside the UK"]
    assert [row[2] for row in transfers.rows] == [
        "International Data Transfer Agreement (IDTA)",
        "UK adequacy regulations",
        "UK Addendum to the EU standard contractual clauses",
    ]


def test_lists_contact_complaints_and_change_log(policy_1_0: Policy, policy_1_1: Policy) -> None:
    document = build_document(policy_1_1)
    blocks = [b for top in document.sections for b in top.blocks]
    facts = {b.caption: dict(b.items) for b in blocks if isinstance(b, Facts)}
    assert facts["Contact AJP IT Services"]["Telephone"] == "0117 929 1509"
    assert "30 days" in facts["Complaining to us"]["Acknowledgement"]
    lists = [b for b in blocks if isinstance(b, BulletList)]
    assert lists[0].items[0] == "Complete the contact form on our website"
    log = tables(document)["Change log"]
    assert row_heads(log) == ["Version 1.0", "Version 1.1"]
    seed_log = tables(build_document(policy_1_0))["Change log"]
    assert seed_log.rows == (("Version 1.0", "19 September 2018", ("Privacy policy instigated",)),)


def test_seed_prose_is_verbatim(policy_1_0: Policy) -> None:
    text = render_policy(policy_1_0, OutputFormat.MARKDOWN)
    for sentence in [
        "We will never sell or otherwise distribute or make public your personal information.",
        "We will not explicitly inform our clients or website users of these changes.",
        "By submitting your personal data, you agree to this transfer, storing or processing.",
        "expire when you close your broswer.",
    ]:
        assert sentence in text.replace("\n", " ")


def test_unplaced_declarations_are_still_shown() -> None:
    data = raw_policy()
    item(data, "sections", "how_we_use")["declarations"] = []
    document = build_document(build(data))
    last = document.sections[-1]
    assert last.title == "More about how we use your data"
    assert any(
        isinstance(b, Table) and b.caption == "What we use your data for" for b in last.blocks
    )


def test_no_transfers_says_so() -> None:
    data = raw_policy()
    for recipient in data["recipients"]:
        recipient.update(country="GB", transfer=None)
    transfers = [
        b
        for b in build_document(build(data)).sections[9].blocks
        if isinstance(b, Paragraph) and "outside the UK" in b.text
    ]
    assert transfers[-1].text == "We do not transfer your personal data outside the UK."


class Outline(HTMLParser):
    """Collects headings, tables' captions and header scopes from rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.th_without_scope += tag == "th" and "scope" not in dict(attrs)
        self.scripts += tag == "script"


def test_html_is_accessible(policy_1_1: Policy) -> None:
    html = render_policy(policy_1_1, OutputFormat.HTML)
    outline = Outline()
    outline.feed(html)
    assert html.startswith("<!doctype html>")
    assert '<html lang="en-GB">' in html
    assert outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert outline.tables == outline.captions > 5
    assert outline.th_without_scope == 0


def test_html_escapes_policy_text() -> None:
    data = raw_policy()
    item(data, "sections", "introduction")["paragraphs"].append('<script>alert("x")</script>')
    item(data, "purposes", "marketing")["name"] = "Marketing <b>now</b>"
    html = render_policy(build(data), OutputFormat.HTML)
    outline = Outline()
    outline.feed(html)
    assert outline.scripts == 0
    assert "&lt;script&gt;" in html
    assert "Marketing &lt;b&gt;now&lt;/b&gt;" in html


def test_markdown_tables_and_escaping(policy_1_1: Policy) -> None:
    data = raw_policy()
    item(data, "cookies", "Google Analytics", by="name")["name"] = "_ga | _gid"
    markdown = render_policy(build(data), OutputFormat.MARKDOWN)
    assert "| Purpose | What we do | Lawful basis | Data used |" in markdown
    assert r"\_ga \| \_gid" in markdown
    assert markdown.startswith("# Privacy Policy\n")


def test_text_wraps_and_underlines(policy_1_1: Policy) -> None:
    text = render_policy(policy_1_1, OutputFormat.TEXT)
    assert text.startswith("Privacy Policy\n==============\n")
    assert "How to complain\n---------------" in text
    assert "Disclosure of your Personal Data\n~~~~~~~~~~~~~~~~" in text
    assert max(len(line) for line in text.splitlines()) <= 88
