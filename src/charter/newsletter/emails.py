"""The emails of the newsletter: the double opt-in confirmation and every marketing email.

Every marketing email is built by :func:`newsletter_email`, so none can leave without a
way out: a visible unsubscribe link in its text (PECR reg. 23(b): a valid address to ask
to stop; Art. 21(4): the right to object brought to the person's attention), and the
RFC 8058 headers that let the mail client unsubscribe in one click::

    List-Unsubscribe: <https://.../unsubscribe/{token}>, <mailto:...?subject=unsubscribe>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

The link carries only the preference token, never an address or a name.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from charter.mail.message import OutgoingEmail
from charter.newsletter.preferences import preference_token, preferences_url, unsubscribe_url
from charter.runtime import Work
from charter.vault.models import Subject

ONE_CLICK = "List-Unsubscribe=One-Click"


def confirmation_url(work: Work, token: str) -> str:
    return f"{work.settings.base_url.rstrip('/')}/newsletter/confirm/{token}"


def confirmation_email(work: Work, *, to: str, token: str, hours: int) -> OutgoingEmail:
    """The only email sent before the person confirms: a link and nothing to sell."""
    organisation = work.policy.organisation.name
    text = (
        f"Someone, we hope you, asked for the {organisation} newsletter to be sent to this "
        "address.\n\n"
        f"To confirm, open this link within {hours} hours and press the button:\n"
        f"{confirmation_url(work, token)}\n\n"
        "If you did not ask for it, ignore this email: you will not hear from us again and "
        f"we will delete the address within {hours} hours.\n\n"
        f"How we use your information: {work.settings.base_url.rstrip('/')}/privacy\n"
    )
    return OutgoingEmail(
        to=to,
        subject=f"Confirm your {organisation} newsletter subscription",
        text=text,
        kind="transactional",
    )


def unsubscribe_mailto(work: Work, token: str) -> str | None:
    """``mailto:`` for mail clients without HTTP unsubscribe; the token (no personal
    data) in the subject tells staff whose request it is."""
    organisation = work.policy.organisation
    address = organisation.privacy_contact or organisation.email
    if not address or "@" not in address:
        return None
    return f"mailto:{address}?subject={quote(f'unsubscribe {token}')}"


def newsletter_email(
    work: Work,
    subject: Subject,
    *,
    to: str,
    title: str,
    text: str,
    html: str | None = None,
) -> OutgoingEmail:
    """A marketing email to ``subject`` at ``to`` with its unsubscribe link and headers.

    Building it does not check consent or the suppression list: sending does
    (``service.send_newsletter``). It creates the subject's preference link if needed,
    so call it inside a writing unit of work.
    """
    token = preference_token(work, subject, email=to)
    one_click = unsubscribe_url(work, token)
    manage = preferences_url(work, token)
    mailto = unsubscribe_mailto(work, token)
    targets = [f"<{one_click}>"] + ([f"<{mailto}>"] if mailto else [])
    footer = (
        "\n\n--\n"
        f"You get this because you asked for news from {work.policy.organisation.name}.\n"
        f"Unsubscribe with one click: {one_click}\n"
        f"Choose how we contact you (email, phone, text): {manage}\n"
    )
    rendered_html = None
    if html is not None:
        rendered_html = (
            f'{html}\n<hr>\n<p style="font-size:14px;color:#4a5566">You get this because '
            f"you asked for news from {escape(work.policy.organisation.name)}. "
            f'<a href="{escape(one_click)}">Unsubscribe</a> · '
            f'<a href="{escape(manage)}">Choose how we contact you</a></p>'
        )
    return OutgoingEmail(
        to=to,
        subject=title,
        text=text.rstrip() + footer,
        html=rendered_html,
        headers={"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": ONE_CLICK},
        kind="marketing",
    )
