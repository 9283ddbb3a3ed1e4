"""Property tests of the ledger: for any sequence of gives and withdrawals,

(a) ``decide()`` answers what the fold of the events says (the last event wins),
(b) replaying the events (``rebuild_projection``) gives exactly the incremental projection,
(c) every operation appended exactly one event (append-only, nothing merged or lost).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from charter.consent.decisions import decide
from charter.consent.ledger import rebuild_projection
from charter.consent.models import ConsentEvent, ConsentState
from charter.consent.schemas import DecisionCode
from charter.consent.service import consent_history, give_consent, withdraw_consent
from charter.runtime import Runtime, Work

from .factories import ACTOR, ASKED_AT, CONSENTABLE, WEB, new_subject

if TYPE_CHECKING:
    from tests.conftest import TestClock

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["give", "withdraw"]), st.sampled_from(CONSENTABLE)),
    max_size=14,
)
EXPECTED = {
    None: DecisionCode.NO_CONSENT,
    "give": DecisionCode.GIVEN,
    "withdraw": DecisionCode.WITHDRAWN,
}


def projection_rows(work: Work) -> list[tuple[Any, ...]]:
    table = ConsentState.__table__
    query = select(table).order_by(table.c.subject_id, table.c.purpose, table.c.channel)
    return [tuple(row) for row in work.session.execute(query)]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=OPERATIONS)
def test_ledger_fold_projection_and_replay_agree(
    consent: Runtime, clock: TestClock, operations: list[tuple[str, tuple[str, str]]]
) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        last: dict[tuple[str, str], str] = {}
        for operation, (purpose, channel) in operations:
            clock.advance(seconds=1)
            if operation == "give":
                point, wording = ASKED_AT[(purpose, channel)]
                give_consent(
                    work,
                    subject,
                    purpose=purpose,
                    channel=channel,
                    collection_point=point,
                    wording=wording,
                    evidence=WEB,
                    actor=ACTOR,
                )
            else:
                withdraw_consent(
                    work, subject, purpose=purpose, channel=channel, actor=ACTOR, evidence={}
                )
            last[(purpose, channel)] = operation

        # (a) decide() is the fold of the events: the model's and the ledger's.
        folded: dict[tuple[str, str], str] = {}
        for event in consent_history(work, subject):
            folded[(event.purpose, event.channel)] = event.action
        for purpose, channel in CONSENTABLE:
            decision = decide(work, subject.id, purpose, channel)
            assert decision.code is EXPECTED[last.get((purpose, channel))]
            ledger_says = folded.get((purpose, channel))
            assert decision.allowed is (ledger_says == "given")

        # (c) append-only: one event per operation.
        count = work.session.scalar(
            select(func.count())
            .select_from(ConsentEvent)
            .where(ConsentEvent.subject_id == subject.id)
        )
        assert count == len(operations)

        # (b) replaying every event reproduces the incremental projection exactly.
        incremental = projection_rows(work)
        written = rebuild_projection(work)
        rebuilt = projection_rows(work)
        assert rebuilt == incremental
        assert written == len(incremental)
        # The session still answers from the rebuilt rows.
        for purpose, channel in CONSENTABLE:
            assert (
                decide(work, subject.id, purpose, channel).code
                is EXPECTED[last.get((purpose, channel))]
            )
