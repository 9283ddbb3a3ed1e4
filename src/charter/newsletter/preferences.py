"""Marketing preferences behind the link in every marketing email: unsubscribe and channels.

The rules enforced here:

* **Withdrawing is as easy as giving** (UK GDPR Art. 7(3)) and **stopping direct
  marketing is absolute** (Art. 21(2)-(3)): one click on the link, or one POST from the
  mail client under RFC 8058, withdraws consent to email marketing at once. No login,
  no cookie, no confirmation step; the unguessable token in the link is the
  authentication.
* **An address that unsubscribed is not mailed again** (PECR reg. 22): its keyed hash
  goes on the suppression list, which every newsletter send checks, and which survives
  even the erasure of the person (keeping the hash is what honours the objection).
* **Consent is per channel** (PECR regs 21-22): the preferences page turns email, phone
  and text marketing on or off one at a time, each change a consent event.

The token is derived, never stored: HMAC-SHA-256 under the web secret of a random nonce
kept on the subject's :class:`PreferenceLink`, so the same link can go in every email;
the database keeps only a keyed hash of it for lookups.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select

from charter.consent.decisions import check_channel
from charter.consent.models import ConsentState
from charter.consent.service import consent_purpose, give_consent, withdraw_consent
from charter.crypto import keyed_digest
from charter.errors import NotFound, PolicyRefusal, UndeclaredField
from charter.newsletter.models import PreferenceLink, SuppressedAddress
from charter.policy.schemas import Channel, ConsentRequest, IdentifierKind, Policy, Purpose
from charter.runtime import Work
from charter.vault.identifiers import normalise_email
from charter.vault.models import BlindIndex, Subject

#: The collection point of the sign-up form, whose email consent defines the newsletter.
NEWSLETTER_POINT = "newsletter"
#: The collection point where the preferences page asks for consent per channel.
PREFERENCES_POINT = "marketing_preferences"
#: Withdrawal routes recorded on the consent events (short labels, not collection points).
ONE_CLICK_ROUTE = "one_click_unsubscribe"
UNSUBSCRIBE_PAGE_ROUTE = "unsubscribe_page"
PREFERENCES_ROUTE = "marketing_preferences"

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_TOKEN_LABEL = b"charter:preferences:v1\x1f"
_LOOKUP_LABEL = b"charter:preferences-lookup:v1\x1f"
_SUPPRESSION_LABEL = b"charter:suppression:v1\x1femail:"


class LinkNotValid(NotFound):
    default_message = (
        "This link is not valid any more. To change how we contact you, reply to any of "
        "our emails or contact us."
    )


def newsletter_request(policy: Policy) -> ConsentRequest:
    """The consent the newsletter sign-up asks for: a marketing purpose, by email. Its
    purpose is the one every marketing channel below is about."""
    point = policy.collection_point(NEWSLETTER_POINT)
    for request in point.consents:
        purpose = consent_purpose(policy, request.purpose)
        if purpose.marketing and (not request.channels or Channel.EMAIL in request.channels):
            return request
    raise PolicyRefusal("The newsletter sign-up does not ask for consent to email marketing.")


def marketing_purpose(policy: Policy) -> Purpose:
    return consent_purpose(policy, newsletter_request(policy).purpose)


# Tokens and the suppression list ----------------------------------------------------------


def _token(work: Work, nonce: str) -> str:
    mac = hmac.new(work.keyring.web_secret, _TOKEN_LABEL + nonce.encode(), "sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _lookup_digest(work: Work, token: str) -> bytes:
    return keyed_digest(work.keyring.web_secret, _LOOKUP_LABEL + token.encode())


def suppression_digest(work: Work, email: str) -> bytes:
    """Keyed HMAC (index key) of the normalised address: what the suppression list holds.
    Domain-separated from the blind index, so the two tables cannot be joined."""
    return keyed_digest(work.keyring.index, _SUPPRESSION_LABEL + normalise_email(email).encode())


def is_suppressed(work: Work, email: str) -> bool:
    """Whether ``email`` unsubscribed: checked before any newsletter is sent."""
    digest = suppression_digest(work, email)
    return work.session.get(SuppressedAddress, digest) is not None


def suppress(work: Work, digest: bytes, *, route: str) -> None:
    if work.session.get(SuppressedAddress, digest) is None:
        work.session.add(SuppressedAddress(digest=digest, suppressed_at=work.now(), route=route))
        work.session.flush()


def lift_suppression(work: Work, digest: bytes) -> bool:
    """Remove an address from the list: only when its owner opts in again, proving they
    hold the mailbox (a confirmed double opt-in, or a change on their own preferences
    link). Returns whether it was listed."""
    result = work.session.execute(
        delete(SuppressedAddress).where(SuppressedAddress.digest == digest)
    )
    return bool(getattr(result, "rowcount", 0))


def preference_token(work: Work, subject: Subject, *, email: str) -> str:
    """The subject's unsubscribe/preferences token, creating their link on first use.

    ``email`` is the address the link is about to be sent to; the link remembers its
    suppression digest so a one-click unsubscribe can suppress it.
    """
    link = work.session.get(PreferenceLink, subject.id)
    digest = suppression_digest(work, email)
    if link is None:
        nonce = secrets.token_hex(16)
        link = PreferenceLink(
            subject_id=subject.id,
            nonce=nonce,
            token_digest=_lookup_digest(work, _token(work, nonce)),
            email_digest=digest,
            created_at=work.now(),
        )
        work.session.add(link)
        work.session.flush()
    elif link.email_digest != digest:
        link.email_digest = digest
    return _token(work, link.nonce)


def preferences_url(work: Work, token: str) -> str:
    return f"{work.settings.base_url.rstrip('/')}/preferences/{token}"


def unsubscribe_url(work: Work, token: str) -> str:
    return f"{work.settings.base_url.rstrip('/')}/unsubscribe/{token}"


def resolve_link(work: Work, token: str) -> tuple[PreferenceLink, Subject]:
    """The link and subject a token names; :class:`LinkNotValid` for anything else."""
    if not _TOKEN.match(token):
        raise LinkNotValid
    link = work.session.scalars(
        select(PreferenceLink).where(PreferenceLink.token_digest == _lookup_digest(work, token))
    ).first()
    subject = work.session.get(Subject, link.subject_id) if link is not None else None
    if link is None or subject is None:
        raise LinkNotValid
    return link, subject


# Use cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelPreference:
    """One marketing channel as the preferences page shows it."""

    channel: Channel
    given: bool
    can_give: bool
    wording: str | None


@dataclass(frozen=True)
class Preferences:
    subject_ref: str
    erased: bool
    channels: list[ChannelPreference]


def preference_requests(policy: Policy) -> dict[Channel, ConsentRequest]:
    """The consent the preferences point asks for, per marketing channel (none when the
    policy does not declare the point: then the page can only switch channels off)."""
    try:
        point = policy.collection_point(PREFERENCES_POINT)
    except UndeclaredField:
        return {}
    purpose = marketing_purpose(policy)
    found: dict[Channel, ConsentRequest] = {}
    for request in point.consents:
        if request.purpose != purpose.id:
            continue
        for channel in request.channels or purpose.channels:
            found.setdefault(channel, request)
    return found


def _holds_phone(work: Work, subject: Subject) -> bool:
    """Whether a current phone number is on file (its blind index exists): calls and
    texts cannot be switched on for someone we cannot call."""
    query = select(BlindIndex.id).where(
        BlindIndex.subject_id == subject.id, BlindIndex.kind == IdentifierKind.PHONE.value
    )
    return work.session.scalars(query.limit(1)).first() is not None


def open_preferences(work: Work, token: str) -> Preferences:
    """The current consent per marketing channel (the projection), for the page."""
    _link, subject = resolve_link(work, token)
    purpose = marketing_purpose(work.policy)
    states = {
        state.channel: state
        for state in work.session.scalars(
            select(ConsentState).where(
                ConsentState.subject_id == subject.id, ConsentState.purpose == purpose.id
            )
        )
    }
    requests = preference_requests(work.policy)
    phone = _holds_phone(work, subject)
    erased = subject.erased_at is not None
    channels = []
    for channel in purpose.channels:
        state = states.get(channel.value)
        request = requests.get(channel)
        reachable = channel is Channel.EMAIL or phone
        channels.append(
            ChannelPreference(
                channel=channel,
                given=bool(state and state.given and not state.needs_renewal),
                can_give=request is not None and reachable and not erased,
                wording=request.wording if request is not None else None,
            )
        )
    return Preferences(subject_ref=subject.ref, erased=erased, channels=channels)


def unsubscribe(
    work: Work, token: str, *, route: str, evidence: dict[str, str], actor: str
) -> Subject:
    """Stop marketing email at once (Art. 7(3), Art. 21(3), RFC 8058 one-click).

    The address goes on the suppression list; consent to email marketing is withdrawn
    unless it already is (a mail client may repeat the POST; one event is enough). An
    erased subject has no consent left to withdraw, but the address is still suppressed.
    """
    link, subject = resolve_link(work, token)
    if link.email_digest is not None:
        suppress(work, link.email_digest, route=route)
    purpose = marketing_purpose(work.policy)
    if subject.erased_at is None and _given(work, subject, purpose, Channel.EMAIL):
        withdraw_consent(
            work,
            subject,
            purpose=purpose.id,
            channel=Channel.EMAIL.value,
            collection_point=route,
            evidence=evidence,
            actor=actor,
        )
    return subject


def set_channel(
    work: Work,
    token: str,
    *,
    channel: str,
    allow: bool,
    evidence: dict[str, str],
    actor: str,
) -> None:
    """Turn one marketing channel on or off, effective immediately (PECR regs 21-22).

    Turning email on again also lifts the suppression of the link's address: the person
    holds the link sent to that mailbox, which is the same proof a double opt-in gives.
    Turning a channel on uses the wording the preferences point declares (Art. 7(2)),
    and phone or text needs a phone number on file.
    """
    link, subject = resolve_link(work, token)
    purpose = marketing_purpose(work.policy)
    check_channel(purpose, channel)
    chosen = Channel(channel)
    if not allow:
        if link.email_digest is not None and chosen is Channel.EMAIL:
            suppress(work, link.email_digest, route=PREFERENCES_ROUTE)
        withdraw_consent(
            work,
            subject,
            purpose=purpose.id,
            channel=chosen.value,
            collection_point=PREFERENCES_ROUTE,
            evidence=evidence,
            actor=actor,
        )
        return
    request = preference_requests(work.policy).get(chosen)
    if request is None:
        raise PolicyRefusal("The privacy policy does not ask for this consent on this page.")
    if chosen is not Channel.EMAIL and not _holds_phone(work, subject):
        raise PolicyRefusal("We do not hold a phone number for you, so we cannot call or text.")
    give_consent(
        work,
        subject,
        purpose=purpose.id,
        channel=chosen.value,
        collection_point=PREFERENCES_POINT,
        wording=request.wording,
        evidence=evidence,
        actor=actor,
    )
    if chosen is Channel.EMAIL and link.email_digest is not None:
        lift_suppression(work, link.email_digest)


def _given(work: Work, subject: Subject, purpose: Purpose, channel: Channel) -> bool:
    state = work.session.get(ConsentState, (subject.id, purpose.id, channel.value))
    return bool(state and state.given)
