"""The signed-in customer's own page: their details, corrections and marketing choices.

* **Reading** goes through the vault's purpose gate for ``administer_website``, so a
  restricted subject (Art. 18(2)) is shown a notice instead of their data, and every
  read is audited under ``customer:<id>``.
* **Corrections** are stored at ``customer_account`` and replace the current value
  without deleting it (rectification history, Art. 16). Only changed fields are stored.
  While processing is restricted nothing is changed here (the person may ask for
  rectification through the privacy centre, which staff handle).
* **Marketing consent per channel** (PECR regs 21-22) with the wording the policy
  declares for ``customer_account``, word for word (Art. 7(2)). Withdrawing is always
  possible and as easy as giving (Art. 7(3)); giving needs a phone number on file for
  calls and texts, and is refused while processing is restricted.
* **Their own orders, invoices and payments** (Art. 15(1), and what the contract needs):
  read for ``provide_services`` through the purpose gate, audited under
  ``customer:<id>``; only the signed-in customer's own subject is ever read (the session
  decides whose, never a URL). Bank details are shown masked to their last four
  characters (Art. 32(1): a shoulder-surfer or a shared screen learns nothing usable);
  card numbers are never held at all. While processing is restricted nothing is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from charter.accounts.auth import SignedInCustomer
from charter.accounts.service import ACCOUNT_PURPOSE, COLLECTION_POINT
from charter.consent.service import consent_request, consent_states, give_consent, withdraw_consent
from charter.errors import InvalidInput, PolicyRefusal, ProcessingRestricted
from charter.newsletter.preferences import lift_suppression, suppress, suppression_digest
from charter.orders.models import Payment
from charter.orders.service import METHOD_LABELS, ORDERS_PURPOSE, orders_of, pounds
from charter.policy.schemas import Channel
from charter.rights.rectification import queue_art19_notices
from charter.runtime import Work
from charter.vault import service as vault

#: Form field -> vault field the customer may correct on their page.
EDITABLE = {
    "first_name": "identity.first_name",
    "last_name": "identity.last_name",
    "phone": "contact.phone",
    "billing_address": "contact.billing_address",
    "delivery_address": "contact.delivery_address",
}
MARKETING_PURPOSE = "marketing"
#: Characters of a bank account left visible on the account page.
VISIBLE_ACCOUNT_CHARS = 4


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    given: bool
    can_give: bool


@dataclass(frozen=True)
class AccountOverview:
    restricted: bool
    details: dict[str, str]
    email: str | None
    channels: list[ChannelChoice]
    wording: str


def overview(work: Work, customer: SignedInCustomer) -> AccountOverview:
    """What the account page shows; no personal value is read while restricted."""
    subject = customer.subject
    restricted = subject.restricted_at is not None
    data: dict[str, str] = {}
    if not restricted:
        data = vault.read_personal_data(
            work,
            subject,
            purpose=ACCOUNT_PURPOSE,
            actor=customer.actor,
            categories=["identity", "contact"],
        )
    states = {
        state.channel: state
        for state in consent_states(work, subject)
        if state.purpose == MARKETING_PURPOSE
    }
    channels = []
    for channel in (Channel.EMAIL, Channel.PHONE, Channel.TEXT):
        state = states.get(channel.value)
        reachable = channel is Channel.EMAIL or bool(data.get("contact.phone"))
        channels.append(
            ChannelChoice(
                channel=channel.value,
                given=bool(state and state.given and not state.needs_renewal),
                can_give=reachable and not restricted,
            )
        )
    return AccountOverview(
        restricted=restricted,
        details={form: data.get(ref, "") for form, ref in EDITABLE.items()},
        email=data.get("contact.email"),
        channels=channels,
        wording=_wording(work, Channel.EMAIL.value),
    )


def _wording(work: Work, channel: str) -> str:
    purpose = work.policy.purpose(MARKETING_PURPOSE)
    return consent_request(work.policy, COLLECTION_POINT, purpose, channel).wording


def update_details(work: Work, customer: SignedInCustomer, values: Mapping[str, str]) -> list[str]:
    """Store the fields that changed (Art. 16); returns their vault refs."""
    if customer.subject.restricted_at is not None:
        raise ProcessingRestricted(
            "Processing of your data is restricted, so we cannot change it here."
        )
    if not values.get("first_name", "").strip() or not values.get("last_name", "").strip():
        raise InvalidInput("Give your first and last name.")
    current = vault.read_personal_data(
        work,
        customer.subject,
        purpose=ACCOUNT_PURPOSE,
        actor=customer.actor,
        categories=["identity", "contact"],
    )
    changed = {
        ref: values[name].strip()
        for name, ref in EDITABLE.items()
        if values.get(name, "").strip() and values[name].strip() != current.get(ref, "")
    }
    if not changed:
        return []
    vault.store_personal_data(
        work,
        customer.subject,
        collection_point=COLLECTION_POINT,
        values=changed,
        source="data_subject",
        actor=customer.actor,
    )
    # Art. 19: every recipient that received the old details is told of the correction.
    queue_art19_notices(work, customer.subject, request_reference=None, actor=customer.actor)
    return sorted(changed)


def set_marketing_channel(
    work: Work,
    customer: SignedInCustomer,
    *,
    channel: str,
    allow: bool,
    evidence: Mapping[str, str],
) -> None:
    """Give or withdraw marketing consent on one channel, effective at once.

    Email consent also moves the newsletter's suppression list: withdrawing suppresses
    the on-file address (PECR reg. 22), giving it again lifts it, since the customer
    proved they hold that mailbox when they verified the account.
    """
    if channel not in {item.value for item in (Channel.EMAIL, Channel.PHONE, Channel.TEXT)}:
        raise InvalidInput("Choose email, phone or text.")
    subject = customer.subject
    if not allow:
        withdraw_consent(
            work,
            subject,
            purpose=MARKETING_PURPOSE,
            channel=channel,
            collection_point=COLLECTION_POINT,
            evidence=evidence,
            actor=customer.actor,
        )
        if channel == Channel.EMAIL.value:
            email = _email(work, customer)
            if email is not None:
                suppress(work, suppression_digest(work, email), route=COLLECTION_POINT)
        return
    if subject.restricted_at is not None:
        raise ProcessingRestricted
    details = vault.read_personal_data(
        work, subject, purpose=ACCOUNT_PURPOSE, actor=customer.actor, categories=["contact"]
    )
    if channel != Channel.EMAIL.value and not details.get("contact.phone"):
        raise PolicyRefusal("Add a phone number first, so we can call or text you.")
    give_consent(
        work,
        subject,
        purpose=MARKETING_PURPOSE,
        channel=channel,
        collection_point=COLLECTION_POINT,
        wording=_wording(work, channel),
        evidence=evidence,
        actor=customer.actor,
    )
    if channel == Channel.EMAIL.value and details.get("contact.email"):
        lift_suppression(work, suppression_digest(work, details["contact.email"]))


def _email(work: Work, customer: SignedInCustomer) -> str | None:
    if customer.subject.restricted_at is not None:
        return None
    details = vault.read_personal_data(
        work,
        customer.subject,
        purpose=ACCOUNT_PURPOSE,
        actor=customer.actor,
        categories=["contact"],
    )
    return details.get("contact.email")


# Orders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentShown:
    paid_on: date
    amount: str
    method: str
    bank_account: str | None


@dataclass(frozen=True)
class InvoiceShown:
    number: str
    issued_on: date
    amount: str
    payments: list[PaymentShown]


@dataclass(frozen=True)
class OrderShown:
    ordered_on: date
    amount: str
    description: str | None
    invoices: list[InvoiceShown]


def mask_bank_account(value: str) -> str:
    """``"•••• 9911"`` (joined by a no-break space, so it never wraps apart): only the
    last characters of a sort code and account or an IBAN, enough for the customer to
    recognise their own account."""
    kept = "".join(ch for ch in value if ch.isalnum())[-VISIBLE_ACCOUNT_CHARS:]
    return f"••••\u00a0{kept}"


def own_orders(work: Work, customer: SignedInCustomer) -> list[OrderShown]:
    """The signed-in customer's orders, newest first, with invoices and payments; empty
    while processing is restricted (the privacy centre gives a copy instead)."""
    subject = customer.subject
    if subject.restricted_at is not None:
        return []
    lines = orders_of(work, subject, actor=customer.actor)
    payments = [payment for line in lines for payment in line.payments]
    accounts = _bank_accounts(work, customer, payments)
    return [
        OrderShown(
            ordered_on=line.order.ordered_on,
            amount=pounds(line.order.amount_pence),
            description=line.description,
            invoices=[
                InvoiceShown(
                    number=invoice.number,
                    issued_on=invoice.issued_on,
                    amount=pounds(invoice.amount_pence),
                    payments=[
                        PaymentShown(
                            paid_on=payment.paid_on,
                            amount=pounds(payment.amount_pence),
                            method=METHOD_LABELS.get(payment.method, payment.method),
                            bank_account=accounts.get(payment.id),
                        )
                        for payment in line.payments
                        if payment.invoice_id == invoice.id
                    ],
                )
                for invoice in line.invoices
            ],
        )
        for line in lines
    ]


def _bank_accounts(
    work: Work, customer: SignedInCustomer, payments: list[Payment]
) -> dict[int, str]:
    """Payment id -> masked bank account, for bank transfers."""
    transfers = [payment for payment in payments if payment.method == "bank_transfer"]
    if not transfers:
        return {}
    opened = vault.read_personal_values(
        work,
        customer.subject,
        purpose=ORDERS_PURPOSE,
        actor=customer.actor,
        categories=["financial"],
        include_replaced=True,
    )
    masked = {item.record.id: mask_bank_account(item.value) for item in opened}
    return {
        payment.id: next(masked[v] for v in payment.value_ids if v in masked)
        for payment in transfers
        if any(v in masked for v in payment.value_ids)
    }
