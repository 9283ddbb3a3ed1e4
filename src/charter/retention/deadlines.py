"""When each stored value must go, where the date is not fixed when it is collected.

The vault sets ``retain_until`` at collection from the policy's rule (``vault.retention``).
Three kinds of data need more than that, and this module works their deadlines out so
the sweep, the plan and the console all agree (Art. 5(1)(e), Art. 13(2)(a)):

* **Until consent is withdrawn** (Art. 7(3), Art. 17(1)(b)): the vault leaves the date
  empty. Once the person has withdrawn every consent the value serves, it is due at the
  withdrawal plus the rule's period (none: at once). The consent is read per channel:
  an email address serves only the email channel, a phone number only calls and texts,
  anything else (a first name) every channel; a consent given again clears the date.
  A value stored under such a rule with no consent ever recorded has no basis to be kept
  and is due from its collection.
* **Until the account is closed**: customer accounts cannot be closed in Charter today
  (``accounts`` has no closing step), so these values are kept while the account exists
  and their date stays empty; nothing here changes them.
* **Accounting records** (orders, invoices, payments): HMRC and the Companies Act 2006
  s.388 count "six years from the end of the last financial year they relate to". The
  vault dates each value by when it was *recorded*; an order, its invoices and payments
  belong together, so the whole group is dated from the latest of its order, invoice and
  payment dates, using ``organisation.financial_year_end`` (default 31 March). An invoice
  therefore goes exactly six years after the end of its financial year, or with a later
  payment against it.

Nothing here writes: :func:`deadline_changes` says which stored dates differ from the
ones worked out, and the sweep applies them in its own unit of work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from charter.consent.models import ANY_CHANNEL, ConsentState
from charter.errors import CharterError
from charter.orders.models import Invoice, Order, Payment
from charter.orders.service import COLLECTION_POINT as ORDERS_POINT
from charter.policy.schemas import (
    Channel,
    IdentifierKind,
    LawfulBasis,
    Policy,
    RetentionRule,
    RetentionTrigger,
)
from charter.runtime import Work
from charter.vault.models import PersonalValue
from charter.vault.retention import add_period, retain_until

#: The category an order's skeleton rows (order, invoice, payment) are records of.
ORDER_RECORD_CATEGORY = "transaction"
#: Which consent channels an identifier is used on (PECR regs 21-22).
IDENTIFIER_CHANNELS = {
    IdentifierKind.EMAIL: frozenset({Channel.EMAIL.value}),
    IdentifierKind.PHONE: frozenset({Channel.PHONE.value, Channel.TEXT.value}),
}
#: The middle of a day, so a business date falls in the same financial year in any zone.
_MIDDAY = time(12, 0)


@dataclass(frozen=True)
class OrderGroup:
    """An order with its invoices and payments, and the values they point at that still
    exist. ``deadline`` is ``None`` when the rule gives no period."""

    order_id: int
    subject_id: int
    rule: RetentionRule
    deadline: datetime | None
    latest_date: date
    invoice_ids: tuple[int, ...]
    payment_ids: tuple[int, ...]
    value_ids: tuple[int, ...]


def order_rule(policy: Policy) -> RetentionRule:
    return policy.retention_rule(ORDER_RECORD_CATEGORY, ORDERS_POINT)


def order_groups(work: Work) -> list[OrderGroup]:
    """Every order as one accounting record with its deadline (see the module docstring)."""
    rule = order_rule(work.policy)
    year_end = work.policy.organisation.financial_year_end
    latest: dict[int, date] = {}
    owners: dict[int, int] = {}
    linked: dict[int, list[int]] = defaultdict(list)
    invoices: dict[int, list[int]] = defaultdict(list)
    payments: dict[int, list[int]] = defaultdict(list)
    for order_id, subject_id, ordered_on, value_ids in work.session.execute(
        select(Order.id, Order.subject_id, Order.ordered_on, Order.value_ids)
    ):
        latest[order_id], owners[order_id] = ordered_on, subject_id
        linked[order_id].extend(value_ids or ())
    invoice_orders: dict[int, int] = {}
    for invoice_id, order_id, issued_on in work.session.execute(
        select(Invoice.id, Invoice.order_id, Invoice.issued_on)
    ):
        invoice_orders[invoice_id] = order_id
        invoices[order_id].append(invoice_id)
        latest[order_id] = max(latest[order_id], issued_on)
    for payment_id, invoice_id, paid_on, value_ids in work.session.execute(
        select(Payment.id, Payment.invoice_id, Payment.paid_on, Payment.value_ids)
    ):
        order_id = invoice_orders[invoice_id]
        payments[order_id].append(payment_id)
        latest[order_id] = max(latest[order_id], paid_on)
        linked[order_id].extend(value_ids or ())
    existing = set(
        work.session.scalars(
            select(PersonalValue.id).where(PersonalValue.collection_point == ORDERS_POINT)
        )
    )
    return [
        OrderGroup(
            order_id=order_id,
            subject_id=owners[order_id],
            rule=rule,
            deadline=retain_until(
                rule,
                collected_at=datetime.combine(day, _MIDDAY, tzinfo=UTC),
                financial_year_end=year_end,
            ),
            latest_date=day,
            invoice_ids=tuple(sorted(invoices[order_id])),
            payment_ids=tuple(sorted(payments[order_id])),
            value_ids=tuple(sorted(i for i in set(linked[order_id]) if i in existing)),
        )
        for order_id, day in sorted(latest.items())
    ]


def consent_deadlines(work: Work) -> dict[int, datetime | None]:
    """The deadline of every value kept under an ``until_consent_withdrawn`` rule."""
    rules = {
        rule.id: rule
        for rule in work.policy.retention
        if rule.trigger is RetentionTrigger.UNTIL_CONSENT_WITHDRAWN
    }
    if not rules:
        return {}
    consent_purposes = {
        purpose.id
        for purpose in work.policy.purposes
        if purpose.lawful_basis is LawfulBasis.CONSENT
    }
    rows = work.session.execute(
        select(
            PersonalValue.id,
            PersonalValue.subject_id,
            PersonalValue.category,
            PersonalValue.field,
            PersonalValue.purposes,
            PersonalValue.collected_at,
            PersonalValue.retain_until,
            PersonalValue.retention_rule,
        ).where(PersonalValue.retention_rule.in_(sorted(rules)))
    ).all()
    states: dict[int, list[ConsentState]] = defaultdict(list)
    for state in work.session.scalars(
        select(ConsentState).where(ConsentState.purpose.in_(sorted(consent_purposes)))
    ):
        states[state.subject_id].append(state)
    result: dict[int, datetime | None] = {}
    for value_id, subject_id, category, field, purposes, collected, stored, rule_id in rows:
        served = [purpose for purpose in purposes or () if purpose in consent_purposes]
        if not served:
            result[value_id] = stored  # not consent-based after all: a person decides
            continue
        channels = _channels(work.policy, category, field)
        relevant = [
            state
            for state in states[subject_id]
            if state.purpose in served
            and (channels is None or state.channel == ANY_CHANNEL or state.channel in channels)
        ]
        if any(state.given for state in relevant):
            result[value_id] = None
            continue
        moment = max((state.changed_at for state in relevant), default=collected)
        rule = rules[rule_id]
        result[value_id] = add_period(moment, years=rule.years, months=rule.months, days=rule.days)
    return result


def _channels(policy: Policy, category: str, field: str) -> frozenset[str] | None:
    """The channels an identifier is used on; ``None`` (every channel) for other fields."""
    try:
        identifier = policy.category(category).field(field).identifier
    except CharterError:  # a field a later policy no longer declares
        return None
    return None if identifier is None else IDENTIFIER_CHANNELS[identifier]


def deadline_changes(
    work: Work, groups: Iterable[OrderGroup] | None = None
) -> dict[int, datetime | None]:
    """Value id -> the deadline it should have, for every value whose stored
    ``retain_until`` differs from the one worked out here."""
    wanted = consent_deadlines(work)
    for group in order_groups(work) if groups is None else groups:
        for value_id in group.value_ids:
            wanted[value_id] = group.deadline
    if not wanted:
        return {}
    stored: dict[int, datetime | None] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for value_id, deadline in work.session.execute(
            select(PersonalValue.id, PersonalValue.retain_until).where(PersonalValue.id.in_(chunk))
        ):
            stored[value_id] = deadline
    return {
        value_id: deadline
        for value_id, deadline in wanted.items()
        if value_id in stored and stored[value_id] != deadline
    }
