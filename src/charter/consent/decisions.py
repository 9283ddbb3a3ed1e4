"""The consent gate: may this person's data be used for this purpose on this channel now?

Every use of personal data for a purpose (a mailing, a call list, an export) asks
:func:`decide` first. It combines the policy (is the purpose declared, on what lawful
basis, is it permitted under restriction), the subject (restricted under Art. 18, erased
under Art. 17) and the consent projection (given, withdrawn, in need of renewal), and it
is fast enough to ask per person per message: one primary-key lookup on a cached Core
statement, no ORM objects.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Dialect, and_, bindparam, select
from sqlalchemy.orm import Session

from charter.consent.models import ANY_CHANNEL, ConsentState
from charter.consent.schemas import Decision, DecisionCode
from charter.errors import InvalidInput, NotFound
from charter.policy.schemas import LawfulBasis, Policy, Purpose
from charter.rights.models import Objection, ObjectionDecision, ObjectionScope
from charter.runtime import Work
from charter.vault.models import Subject

#: Art. 6(1) point for each lawful basis, named in decisions and records.
ARTICLE_6_POINT = {
    LawfulBasis.CONSENT: "Art. 6(1)(a)",
    LawfulBasis.CONTRACT: "Art. 6(1)(b)",
    LawfulBasis.LEGAL_OBLIGATION: "Art. 6(1)(c)",
    LawfulBasis.VITAL_INTERESTS: "Art. 6(1)(d)",
    LawfulBasis.PUBLIC_TASK: "Art. 6(1)(e)",
    LawfulBasis.LEGITIMATE_INTERESTS: "Art. 6(1)(f)",
}


def basis_label(basis: LawfulBasis) -> str:
    """E.g. ``legal obligation (Art. 6(1)(c))``: the basis named as the law names it."""
    return f"{basis.value.replace('_', ' ')} ({ARTICLE_6_POINT[basis]})"


def purpose_channels(purpose: Purpose) -> tuple[str, ...]:
    """Channels a purpose can be consented to on: its own, or ``any`` when it has none."""
    return tuple(channel.value for channel in purpose.channels) or (ANY_CHANNEL,)


def check_channel(purpose: Purpose, channel: str) -> None:
    """PECR reg. 22: consent is per channel, so the channel must be one the policy names."""
    if channel in purpose.channels if purpose.channels else channel == ANY_CHANNEL:
        return
    raise InvalidInput(
        f"The purpose '{purpose.id}' takes consent per channel: one of "
        f"{', '.join(purpose_channels(purpose))}."
    )


_subjects = Subject.__table__.c
_states = ConsentState.__table__.c

#: The whole hot path: one primary-key lookup of the subject, left-joined on the primary
#: key of its consent state. Compiled once per dialect (:func:`_compiled`) and run on the
#: driver's cursor: SQLAlchemy's per-execution machinery costs several times the lookup.
_DECISION_QUERY = (
    select(
        _subjects.restricted_at,
        _subjects.erased_at,
        _states.given,
        _states.policy_version,
        _states.changed_at,
        _states.needs_renewal,
    )
    .select_from(
        Subject.__table__.outerjoin(
            ConsentState.__table__,
            and_(
                _states.subject_id == _subjects.id,
                _states.purpose == bindparam("purpose"),
                _states.channel == bindparam("channel"),
            ),
        )
    )
    .where(_subjects.id == bindparam("subject_id"))
)


class _Compiled(NamedTuple):
    sql: str
    positional: tuple[str, ...] | None  # parameter order for qmark/format paramstyles


@functools.lru_cache(maxsize=8)
def _compiled(dialect: Dialect) -> _Compiled:
    compiled = _DECISION_QUERY.compile(dialect=dialect)
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Compiled(compiled.string, order)


def _lookup(session: Session, subject_id: int, purpose: str, channel: str) -> Any:
    """Run the decision query in the session's transaction; the raw row or ``None``.

    Pending ORM changes are flushed first (cheap when there are none), so a unit of work
    that just restricted someone or recorded a withdrawal is answered accordingly.
    Driver-level values come back: SQLite gives 0/1 and ISO text, PostgreSQL booleans and
    aware datetimes; :func:`decide` only tests them for truth and ``None`` and reads the
    date through :func:`_day`.
    """
    session.flush()
    connection = session.connection()
    compiled = _compiled(connection.dialect)
    params = {"subject_id": subject_id, "purpose": purpose, "channel": channel}
    cursor = connection.connection.cursor()
    try:
        if compiled.positional is None:
            cursor.execute(compiled.sql, params)
        else:
            cursor.execute(compiled.sql, tuple(params[name] for name in compiled.positional))
        return cursor.fetchone()
    finally:
        cursor.close()


def _day(value: datetime | str) -> str:
    """The UTC date of a stored timestamp, as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC) if value.tzinfo else value:%Y-%m-%d}"
    return value[:10]  # SQLite: UTC "YYYY-MM-DD HH:MM:SS.ffffff" (see db.UTCDateTime)


_ERASED = Decision(
    allowed=False,
    code=DecisionCode.ERASED,
    reason="This person's data has been erased (UK GDPR Art. 17).",
)
_RESTRICTED = Decision(
    allowed=False,
    code=DecisionCode.RESTRICTED,
    reason="Processing is restricted (UK GDPR Art. 18): only storage and legal claims.",
)
_NO_CONSENT = Decision(
    allowed=False,
    code=DecisionCode.NO_CONSENT,
    reason="No consent has been recorded for this purpose and channel.",
)


_OBJECTED = Decision(
    allowed=False,
    code=DecisionCode.OBJECTED,
    reason="The person objected to this use and the objection was upheld (Art. 21(1)).",
)


def _objection_upheld(session: Session, subject_id: int, purpose: str) -> bool:
    """Whether an upheld Art. 21(1) objection covers ``purpose``; asked only for purposes
    based on legitimate interests, so the consent path keeps its single query."""
    rows = session.scalars(
        select(Objection.purposes).where(
            Objection.subject_id == subject_id,
            Objection.scope == ObjectionScope.LEGITIMATE_INTERESTS.value,
            Objection.decision == ObjectionDecision.UPHELD.value,
        )
    )
    return any(purpose in purposes for purposes in rows)


def decide(
    source: Work | Session,
    subject_id: int,
    purpose: str,
    channel: str,
    *,
    policy: Policy | None = None,
) -> Decision:
    """May ``subject_id``'s data be used for ``purpose`` on ``channel`` now?

    Called before every use (a mailing, an export, a call list), so it is one indexed
    query on a compiled Core statement, run on the driver cursor, and no ORM objects
    (about 10 µs on SQLite; see bench/bench_consent.py). It is read-only and not audited;
    the use it allows is what gets audited. Answers, in this order:

    1. undeclared purpose: raises UndeclaredPurpose (a refusal of the question, Art.
       5(1)(b)); a channel the purpose does not have raises InvalidInput; an unknown
       subject raises NotFound;
    2. erased (Art. 17): not allowed, whatever the lawful basis;
    3. restricted (Art. 18): not allowed unless the purpose is permitted under
       restriction (storage, legal claims: Art. 18(2));
    4. a lawful basis other than consent: allowed, naming the basis (Art. 6(1));
    5. consent (Art. 6(1)(a)): not allowed when none is recorded, when withdrawn
       (Art. 7(3)) or when a material policy change requires renewal; allowed when given,
       naming the policy version and date it was given under (Art. 7(1)).

    ``source`` is a unit of work, or a bare session with ``policy`` for callers (jobs,
    benchmarks) that have no :class:`Work`.
    """
    if isinstance(source, Work):
        session, policy = source.session, source.policy
    elif policy is None:
        raise TypeError("decide() needs the policy when given a bare session")
    else:
        session = source
    declared = policy.purpose(purpose)
    check_channel(declared, channel)
    row = _lookup(session, subject_id, purpose, channel)
    if row is None:
        raise NotFound("No such person.")
    restricted_at, erased_at, given, version, changed_at, needs_renewal = row
    if erased_at is not None:
        return _ERASED
    if restricted_at is not None and not declared.permitted_under_restriction:
        return _RESTRICTED
    basis = declared.lawful_basis
    if basis is LawfulBasis.LEGITIMATE_INTERESTS and _objection_upheld(
        session, subject_id, purpose
    ):
        return _OBJECTED
    if basis is not LawfulBasis.CONSENT:
        return Decision(
            allowed=True,
            code=DecisionCode.OTHER_LAWFUL_BASIS,
            reason=f"Not consent-based: the lawful basis is {basis_label(basis)}.",
        )
    if given is None:
        return _NO_CONSENT
    if not given:
        return Decision(
            allowed=False,
            code=DecisionCode.WITHDRAWN,
            reason=f"Consent was withdrawn on {_day(changed_at)} (Art. 7(3)).",
        )
    if needs_renewal:
        return Decision(
            allowed=False,
            code=DecisionCode.NEEDS_RENEWAL,
            reason=f"Consent was given under policy version {version}; the policy has "
            "changed materially since, so it must be renewed.",
        )
    return Decision(
        allowed=True,
        code=DecisionCode.GIVEN,
        reason=f"Consent given on {_day(changed_at)} under policy version {version}.",
    )
