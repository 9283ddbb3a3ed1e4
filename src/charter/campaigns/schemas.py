"""What the campaigns feature takes in and hands out: a draft, an audience, a send report.

None of these carries personal data: the audience and the report are counts by reason
code, so they can be printed, shown in the console and audited (Art. 5(1)(c)).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_TITLE = 200
MAX_SUBJECT_LINE = 200
MAX_TEXT = 20_000


class CampaignDraft(BaseModel):
    """A campaign as staff write it, checked for size before it is stored."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    purpose: str = Field(min_length=1, max_length=64)
    channel: str = Field(min_length=1, max_length=16)
    subject_line: str = Field(min_length=1, max_length=MAX_SUBJECT_LINE)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    html: str | None = Field(default=None, max_length=MAX_TEXT)


class AudiencePreview(BaseModel):
    """Who a campaign would reach now: eligible count and refusals by reason code."""

    model_config = ConfigDict(frozen=True)

    campaign_id: int
    eligible: int
    refused: dict[str, int]

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


class SendReport(BaseModel):
    """What one run of ``send_campaign`` did, and where the campaign stands after it."""

    model_config = ConfigDict(frozen=True)

    campaign_id: int
    status: str
    recorded: int  # rows this run added to the outbox
    eligible: int  # allowed rows of the campaign, all runs
    refused: dict[str, int]  # refused rows by reason, all runs
    sent: int  # delivered by this run
    failed: int  # given up by this run (retries exhausted or permanent)
    pending: int  # still waiting (a retry is due later, or a try is in flight)
