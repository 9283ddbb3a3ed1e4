"""Opening an installation: policy, database, key ring, and the first audit entries.

Rules enforced here:

* the key ring is created only for a brand-new installation, never over existing data
  (a fresh key would make every stored value unreadable — Art. 32(1)(c) availability);
* a wrong key ring (fingerprints differ from those recorded at installation) is refused,
  and so is a ring that lacks a data-key master some stored data key is wrapped under
  (an outdated ring after ``charter keys rotate``, or a ring from another copy);
* the data folder is kept 0700 and the ring file 0600 (Art. 32(1)(a)): looser permissions
  found at start are tightened, and said so;
* the policy version in force is recorded, whole, the first time it is served, and a
  changed policy file that kept its old version number is refused (Art. 13: people must
  be able to see the exact policy any consent was given under).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter.audit import service as audit
from charter.audit.models import AuditEntry
from charter.consent.service import mark_renewal_needed
from charter.db import make_session_factory, unit_of_work
from charter.errors import KeyringError, PolicyInvalid
from charter.installation.models import Installation, PolicyPublication
from charter.keyring import (
    Keyring,
    generate_keyring,
    parse_keyring,
    read_keyring_file,
    secure_folder,
    tighten_keyring_file,
    write_keyring_file,
)
from charter.policy.diff import diff_policies, purposes_needing_renewal
from charter.policy.loader import (
    canonical_policy,
    load_history,
    load_policy,
    policy_from_document,
)
from charter.policy.schemas import Policy
from charter.runtime import Runtime, Work, database_engine, settings_clock
from charter.schema import upgrade
from charter.settings import Settings
from charter.vault.models import DataKey, Subject

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


@dataclass
class KeyringOutcome:
    keyring: Keyring
    created: bool = False
    notes: list[str] = field(default_factory=list)


def load_keyring(settings: Settings) -> Keyring | None:
    if settings.keyring is not None:
        return parse_keyring(settings.keyring.get_secret_value(), source="CHARTER_KEYRING")
    return read_keyring_file(settings.keyring_path)


def resolve_keyring(session: Session, settings: Settings, *, create: bool) -> KeyringOutcome:
    """Find the key ring and prove it belongs to this database, or create it if new."""
    installation = session.scalars(select(Installation)).first()
    keyring = load_keyring(settings)
    if installation is not None:
        if keyring is None:
            raise KeyringError(
                f"This installation holds data but its key ring is missing "
                f"({settings.keyring_path} or CHARTER_KEYRING). Restore it from your backup: "
                "Charter will not create a new key over existing data."
            )
        recorded = {
            "master": installation.master_fingerprint,
            "index": installation.index_fingerprint,
            "audit": installation.audit_fingerprint,
        }
        if keyring.fingerprints() != recorded:
            raise KeyringError(
                "The key ring does not belong to this installation (its fingerprints differ "
                "from those recorded when it was created). Use the key ring that was backed "
                "up with this database."
            )
        missing = sorted(data_key_masters(session) - set(keyring.wrapping_keys()))
        if missing:
            raise KeyringError(
                f"The key ring does not hold the master key {', '.join(missing)} that this "
                "database's data keys are wrapped under (an outdated key ring, e.g. from "
                "before `charter keys rotate`). Use the current key ring for this database."
            )
        return KeyringOutcome(keyring)
    if _holds_data(session):
        raise KeyringError(
            "The database holds data but no installation record; refusing to create keys."
        )
    if keyring is not None:
        return KeyringOutcome(keyring)
    if not create:
        raise KeyringError("No key ring found and creating one was not allowed.")
    keyring = generate_keyring()
    write_keyring_file(settings.keyring_path, keyring)
    note = (
        f"Created a new key ring at {settings.keyring_path} (mode 0600). BACK IT UP NOW and "
        "keep it apart from database backups: without it no personal data can be read."
    )
    return KeyringOutcome(keyring, created=True, notes=[note])


def data_key_masters(session: Session) -> set[str]:
    """The ids of every data-key master some stored data key is wrapped under."""
    return set(session.scalars(select(DataKey.master_key_id).distinct()))


def _holds_data(session: Session) -> bool:
    for model in (Subject, DataKey, AuditEntry):
        if session.scalar(select(func.count()).select_from(model)):
            return True
    return False


def secure_data_dir(settings: Settings) -> list[str]:
    """Keep the data folder 0700 and the key ring 0600; returns notes on what was fixed."""
    notes: list[str] = []
    folder = settings.data_dir
    try:
        loose = folder.exists() and bool(folder.stat().st_mode & 0o077)
        secure_folder(folder)
        if loose:
            notes.append(f"Took group and world access away from the data folder {folder} (0700).")
        if tighten_keyring_file(settings.keyring_path):
            notes.append(f"The key ring {settings.keyring_path} was readable by others: now 0600.")
    except PermissionError:
        notes.append(
            f"Could not restrict {folder} to its owner (0700, key ring 0600): not its owner. "
            "Fix its permissions: it holds the key ring."
        )
    return notes


def record_installation(work: Work) -> None:
    """Write the installation row and its first audit entry, once."""
    if work.session.scalars(select(Installation)).first() is not None:
        return
    prints = work.keyring.fingerprints()
    work.session.add(
        Installation(
            id=1,
            installed_at=work.now(),
            master_fingerprint=prints["master"],
            index_fingerprint=prints["index"],
            audit_fingerprint=prints["audit"],
        )
    )
    audit.record(
        work,
        actor=SYSTEM_ACTOR,
        action="installation.created",
        detail={"key_fingerprints": prints},
    )


def record_policy_in_force(work: Work) -> PolicyPublication:
    """Publish the policy version in force (once per version) and audit it."""
    document, digest = canonical_policy(work.policy)
    existing = work.session.scalars(
        select(PolicyPublication).where(PolicyPublication.version == work.policy.version)
    ).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise PolicyInvalid(
                f"The policy file changed but kept version {work.policy.version}. Give it a new "
                "version and a change-log entry: people must be able to see the exact text "
                "their consent was given under."
            )
        return existing
    previous = work.session.scalars(
        select(PolicyPublication).order_by(PolicyPublication.id.desc()).limit(1)
    ).first()
    publication = PolicyPublication(
        version=work.policy.version, sha256=digest, document=document, in_force_from=work.now()
    )
    work.session.add(publication)
    if previous is not None:
        renew_outrun_consents(work, policy_from_document(previous.document))
    audit.record(
        work,
        actor=SYSTEM_ACTOR,
        action="policy.in_force",
        detail={
            "policy_id": work.policy.policy_id,
            "version": work.policy.version,
            "sha256": digest,
        },
    )
    return publication


def renew_outrun_consents(work: Work, previous: Policy) -> int:
    """Art. 4(11), 7(2): a consent covers what the person was told. When the policy now in
    force widens what a consent-based purpose does, consents given under earlier wording
    are flagged for renewal (``decide()`` refuses them until given afresh)."""
    purposes = purposes_needing_renewal(diff_policies(previous, work.policy))
    if not purposes:
        return 0
    return mark_renewal_needed(
        work, purposes=purposes, given_before_version=work.policy.version, actor=SYSTEM_ACTOR
    )


def open_runtime(
    settings: Settings, *, create_keys: bool = True, migrate: bool = True, record: bool = True
) -> Runtime:
    """Build the runtime of one installation: the single composition root's first step.

    ``create_keys`` allows creating a key ring for a brand-new installation; ``record``
    writes the installation and the policy in force to the audit log (``serve`` does;
    read-only commands such as ``audit verify`` must not write anything).
    """
    policy = load_policy(settings.policy, require_valid=True)
    history = load_history(settings.policy)
    permission_notes = secure_data_dir(settings)
    engine = database_engine(settings)
    try:
        if migrate:
            upgrade(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            outcome = resolve_keyring(session, settings, create=create_keys)
        runtime = Runtime(
            settings=settings,
            policy=policy,
            policy_history=history,
            keyring=outcome.keyring,
            clock=settings_clock(settings),
            engine=engine,
            session_factory=factory,
            notes=[*permission_notes, *outcome.notes],
        )
        if record:
            with runtime.unit() as work:
                record_installation(work)
                record_policy_in_force(work)
    except BaseException:
        engine.dispose()
        raise
    for note in runtime.notes:
        log.warning(note)
    return runtime
