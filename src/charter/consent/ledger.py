"""The consent ledger's write side: appending events and folding them into the projection.

``consent_events`` is append-only (database triggers refuse UPDATE and DELETE), because
the controller must be able to demonstrate every consent as it was given, and every
withdrawal, long afterwards (UK GDPR Art. 7(1), Art. 5(2) accountability).
``consent_states`` is a projection of those events that ``decide()`` reads in one lookup.
Both the incremental update (:func:`append_event`) and the full replay
(:func:`rebuild_projection`) fold events through :func:`apply_event`, so the two can
never disagree about what the ledger means.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, select

from charter.consent.models import ConsentEvent, ConsentState
from charter.consent.schemas import ConsentAction
from charter.runtime import Work


class Projection(NamedTuple):
    """One ``consent_states`` row's values, as the fold of its events produces them."""

    given: bool
    event_id: int
    policy_version: str
    changed_at: datetime
    needs_renewal: bool


def apply_event(
    current: Projection | None,
    *,
    action: str,
    event_id: int,
    policy_version: str,
    occurred_at: datetime,
) -> Projection | None:
    """The state after one more event: the last given/withdrawn event wins.

    A ``renewal_needed`` event only flags a consent that is currently given; it keeps the
    version and date the consent was given under, which is what the person agreed to.
    """
    if action == ConsentAction.RENEWAL_NEEDED:
        if current is None or not current.given:
            return current
        return current._replace(needs_renewal=True)
    return Projection(
        given=action == ConsentAction.GIVEN,
        event_id=event_id,
        policy_version=policy_version,
        changed_at=occurred_at,
        needs_renewal=False,
    )


def append_event(work: Work, event: ConsentEvent) -> ConsentEvent:
    """Insert one event and fold it into ``consent_states`` in the same transaction.

    Never updates or deletes an event; the only row it changes is the projection's.
    """
    session = work.session
    session.add(event)
    session.flush()
    key = (event.subject_id, event.purpose, event.channel)
    state = session.get(ConsentState, key)
    current = None
    if state is not None:
        current = Projection(
            state.given, state.event_id, state.policy_version, state.changed_at, state.needs_renewal
        )
    after = apply_event(
        current,
        action=event.action,
        event_id=event.id,
        policy_version=event.policy_version,
        occurred_at=event.occurred_at,
    )
    if after is None or after == current:
        return event
    if state is None:
        state = ConsentState(subject_id=key[0], purpose=key[1], channel=key[2])
        session.add(state)
    state.given = after.given
    state.event_id = after.event_id
    state.policy_version = after.policy_version
    state.changed_at = after.changed_at
    state.needs_renewal = after.needs_renewal
    session.flush()
    return event


def fold_events(events: list[ConsentEvent]) -> Projection | None:
    """The state of one subject x purpose x channel after ``events`` (oldest first)."""
    state: Projection | None = None
    for event in events:
        state = apply_event(
            state,
            action=event.action,
            event_id=event.id,
            policy_version=event.policy_version,
            occurred_at=event.occurred_at,
        )
    return state


def rebuild_projection(work: Work) -> int:
    """Recompute every ``consent_states`` row from the events; returns the rows written.

    The ledger is the truth and the projection a cache of it: after a restore, or to
    prove they agree, the projection is thrown away and refolded with the very function
    that maintains it incrementally. Runs in the caller's transaction, so ``decide()``
    never sees a half-built projection.
    """
    session = work.session
    session.flush()
    session.execute(delete(ConsentState).execution_options(synchronize_session="fetch"))
    folded: dict[tuple[int, str, str], Projection] = {}
    events = session.execute(
        select(
            ConsentEvent.id,
            ConsentEvent.subject_id,
            ConsentEvent.purpose,
            ConsentEvent.channel,
            ConsentEvent.action,
            ConsentEvent.policy_version,
            ConsentEvent.occurred_at,
        )
        .order_by(ConsentEvent.id)
        .execution_options(yield_per=10_000)
    )
    for row in events:
        key = (row.subject_id, row.purpose, row.channel)
        after = apply_event(
            folded.get(key),
            action=row.action,
            event_id=row.id,
            policy_version=row.policy_version,
            occurred_at=row.occurred_at,
        )
        if after is not None:
            folded[key] = after
    rows: list[dict[str, Any]] = [
        {"subject_id": key[0], "purpose": key[1], "channel": key[2], **state._asdict()}
        for key, state in folded.items()
    ]
    if rows:
        session.execute(insert(ConsentState), rows)
    return len(rows)
