"""Reading policy files, their history, and the canonical form that is published.

A policy file is YAML read with ``safe_load`` (no object construction from the file) and
validated by the Pydantic models in ``schemas.py``. Anything wrong, from unreadable bytes
to a misspelt lawful basis, becomes one :class:`~charter.errors.PolicyInvalid` whose
message names the place in the file, so the owner can fix it without reading a traceback.

The canonical JSON and its SHA-256 are what ``installation`` records when a version comes
into force: every consent can be traced to the exact policy it was given under (Art. 7(1)
demonstrating consent, Art. 13 the information given at the time).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import ValidationError

from charter.errors import PolicyInvalid
from charter.policy.checks import check_policy
from charter.policy.findings import Level
from charter.policy.schemas import Policy

#: How many validation problems one error message lists before summarising the rest.
MAX_LISTED = 20

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class CanonicalPolicy(NamedTuple):
    """The policy as recorded on publication: canonical JSON and its SHA-256 (hex)."""

    document: str
    sha256: str


def load_policy(path: Path, *, require_valid: bool = False) -> Policy:
    """Read and validate one policy file.

    With ``require_valid`` the legal and cross-reference checks must also pass (warnings
    are allowed): use it where the system is about to *enforce* the policy.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyInvalid(f"Cannot read the policy file {path}: {exc.strerror}.") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyInvalid(
            f"{path.name}: the policy file is not UTF-8 text (byte {exc.start})."
        ) from exc
    policy = parse_policy(text, source=path.name)
    if require_valid:
        errors = [f for f in check_policy(policy) if f.level is Level.ERROR]
        if errors:
            listed = "\n".join(f"  {f.location}: {f.message}" for f in errors[:MAX_LISTED])
            raise PolicyInvalid(
                f"{path.name} (version {policy.version}) fails {len(errors)} check(s):\n{listed}"
            )
    return policy


def parse_policy(text: str, *, source: str = "<policy>") -> Policy:
    """Validate policy YAML held in memory; ``source`` names it in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PolicyInvalid(f"{source}: not valid YAML{where}: {exc.problem}.") from exc
    except yaml.YAMLError as exc:
        raise PolicyInvalid(f"{source}: not valid YAML: {exc}.") from exc
    except (ValueError, OverflowError) as exc:
        # PyYAML builds dates itself and raises ValueError for e.g. 2018-02-30.
        raise PolicyInvalid(f"{source}: a value could not be read: {exc}.") from exc
    except RecursionError as exc:
        raise PolicyInvalid(f"{source}: the YAML is nested too deeply.") from exc
    if not isinstance(data, dict):
        raise PolicyInvalid(f"{source}: a policy file must be a YAML mapping of keys to values.")
    return _validate(data, source=source)


def _validate(data: Any, *, source: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyInvalid(describe_validation_error(exc, source=source)) from exc
    except RecursionError as exc:
        raise PolicyInvalid(f"{source}: the policy is nested too deeply.") from exc


def describe_validation_error(exc: ValidationError, *, source: str) -> str:
    """One line per problem, located like ``purposes[3].lawful_basis: Input should be…``."""
    problems = exc.errors(include_url=False, include_input=False)
    lines = [f"  {format_location(p['loc'])}: {p['msg']}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  … and {len(problems) - MAX_LISTED} more")
    return f"{source} is not a valid policy ({len(problems)} problem(s)):\n" + "\n".join(lines)


def format_location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def load_history(path: Path) -> list[Policy]:
    """Every version reachable from ``path`` through ``history``, oldest first, including
    the one at ``path``: past versions stay viewable (Art. 13, accountability Art. 5(2))."""
    found: dict[str, Policy] = {}
    seen: set[Path] = set()
    pending = [path]
    while pending:
        current = pending.pop()
        resolved = current.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        policy = load_policy(current)
        if policy.version in found:
            raise PolicyInvalid(
                f"{current.name}: version {policy.version} appears twice in the policy history."
            )
        found[policy.version] = policy
        pending.extend(
            current.parent / _history_file(name, source=current) for name in policy.history
        )
    return sorted(found.values(), key=lambda p: (p.effective_date, _version_key(p.version)))


def _history_file(name: str, *, source: Path) -> str:
    """A ``history`` entry is the file name of an earlier version kept beside the policy:
    never a path, so a policy file cannot make Charter read files elsewhere."""
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        raise PolicyInvalid(
            f"{source.name}: history entries must be file names in the policy's own folder."
        )
    return name


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in version.split("."))


def canonical_policy(policy: Policy) -> CanonicalPolicy:
    """Canonical JSON (sorted keys, no spaces, UTF-8) of what the file declares, and its
    SHA-256. Only values set in the file are included, so adding an optional field to
    the schema does not change the digest of a version already published."""
    data = policy.model_dump(mode="json", exclude_unset=True)
    document = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return CanonicalPolicy(document, hashlib.sha256(document.encode("utf-8")).hexdigest())


def policy_from_document(document: str) -> Policy:
    """Rebuild a published version from its canonical JSON."""
    try:
        data = json.loads(document)
    except ValueError as exc:
        raise PolicyInvalid("The recorded policy document is not valid JSON.") from exc
    return _validate(data, source="recorded policy")


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema of the policy file, for editors and for other tools."""
    schema = Policy.model_json_schema(mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def policy_json_schema_text() -> str:
    """The schema as shipped in ``charter/policies/policy.schema.json``."""
    return json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n"
