from __future__ import annotations

import contextlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.errors import PolicyInvalid
from charter.policy.checks import check_policy
from charter.policy.document import build_document
from charter.policy.loader import (
    canonical_policy,
    load_history,
    load_policy,
    parse_policy,
    policy_from_document,
    policy_json_schema_text,
)
from charter.policy.render import OutputFormat, render_policy
from charter.policy.schemas import Policy
from tests.policy.factories import POLICY_1_0, POLICY_1_1, SCHEMA_FILE, item, raw_policy

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def write(tmp_path: Path, data: Any, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# The shipped files ----------------------------------------------------------------------


def test_shipped_policy_in_force_is_version_1_1(policy_1_1: Policy) -> None:
    assert policy_1_1.version == "1.1"
    assert policy_1_1.effective_date == date(2026, 11, 25)
    assert policy_1_1.history == ["ajp-it-services-1.0.yaml"]
    assert [e.version for e in policy_1_1.change_log] == ["1.0", "1.1"]


def test_seed_policy_is_version_1_0_as_published(policy_1_0: Policy) -> None:
    assert policy_1_0.version == "1.0"
    assert policy_1_0.effective_date == date(2018, 9, 19)
    assert policy_1_0.organisation.phone == "0117 929 1509"
    assert policy_1_0.change_log[0].summary == "Privacy policy instigated"
    assert [c.id for c in policy_1_0.categories] == [
        "identity",
        "contact",
        "financial",
        "transaction",
        "technical",
    ]
    contact = policy_1_0.category("contact")
    assert [f.id for f in contact.fields] == [
        "billing_address",
        "delivery_address",
        "email",
        "phone",
    ]
    assert contact.field("email").identifier == "email"
    assert contact.field("phone").identifier == "phone"
    assert all(f.encrypted for c in policy_1_0.categories for f in c.fields)
    assert [p.id for p in policy_1_0.collection_points] == [
        "contact_form",
        "newsletter",
        "correspondence",
        "customer_account",
        "orders",
    ]
    marketing = policy_1_0.purpose("marketing")
    assert marketing.lawful_basis == "consent"
    assert marketing.marketing
    assert marketing.channels == ["email", "phone", "text"]
    assert not policy_1_0.special_categories.collected


def test_seed_lists_its_eight_uses_first(policy_1_0: Policy) -> None:
    uses = [p.description for p in policy_1_0.purposes[:8]]
    assert uses == [
        "Contact you in response to queries raised via the contact form, email or telephone",
        "Provide the products or services you have ordered",
        "Administer our website and provide customer services",
        "Meet legal, regulatory and compliance requirements",
        "Communicate with you",
        "Investigate complaints",
        "Seek your views or comments on the services we provide",
        "Notify you of changes to our service",
    ]


def test_history_is_every_version_oldest_first() -> None:
    history = load_history(POLICY_1_1)
    assert [p.version for p in history] == ["1.0", "1.1"]
    assert load_history(POLICY_1_0)[0].version == "1.0"


def test_history_refuses_a_version_twice(tmp_path: Path) -> None:
    old = raw_policy(POLICY_1_0)
    write(tmp_path, old, "old.yaml")
    new = raw_policy()
    new["version"] = "1.0"
    new["history"] = ["old.yaml"]
    with pytest.raises(PolicyInvalid, match=r"version 1\.0 appears twice"):
        load_history(write(tmp_path, new))


def test_history_names_a_missing_file(tmp_path: Path) -> None:
    data = raw_policy()
    data["history"] = ["gone.yaml"]
    with pytest.raises(PolicyInvalid, match="Cannot read the policy file"):
        load_history(write(tmp_path, data))


def test_history_survives_a_cycle(tmp_path: Path) -> None:
    data = raw_policy()
    data["history"] = ["policy.yaml"]
    assert [p.version for p in load_history(write(tmp_path, data))] == ["1.1"]


# Canonical form and schema --------------------------------------------------------------


def test_canonical_json_is_stable_and_round_trips(policy_1_1: Policy) -> None:
    document, digest = canonical_policy(policy_1_1)
    assert canonical_policy(load_policy(POLICY_1_1)) == (document, digest)
    assert len(digest) == 64
    assert json.loads(document)["version"] == "1.1"
    assert ", " not in document.split('"', 1)[0]  # compact separators
    assert policy_from_document(document) == policy_1_1


def test_canonical_digest_changes_with_the_content() -> None:
    data = raw_policy()
    before = canonical_policy(Policy.model_validate(data)).sha256
    item(data, "purposes", "marketing")["categories"].append("financial")
    assert canonical_policy(Policy.model_validate(data)).sha256 != before


def test_recorded_document_must_be_json() -> None:
    with pytest.raises(PolicyInvalid, match="not valid JSON"):
        policy_from_document("{not json")


def test_shipped_schema_file_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == policy_json_schema_text(), (
        "Regenerate it: charter policy schema > src/charter/policies/policy.schema.json"
    )


def test_schema_describes_the_policy() -> None:
    schema = json.loads(policy_json_schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "purposes" in schema["required"]
    assert schema["additionalProperties"] is False


# Readable, located errors ---------------------------------------------------------------


def test_wrong_lawful_basis_is_located(tmp_path: Path) -> None:
    data = raw_policy()
    data["purposes"][3]["lawful_basis"] = "because"
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(write(tmp_path, data))
    assert "policy.yaml is not a valid policy" in caught.value.public_message
    assert "purposes[3].lawful_basis: Input should be 'consent'" in caught.value.public_message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("purposes"), "purposes: Field required"),
        (lambda d: d.update(version=1.1), "version: Input should be a valid string"),
        (lambda d: d.update(colour="blue"), "colour: Extra inputs are not permitted"),
        (
            lambda d: d["categories"][0]["fields"][0].update(id="First Name"),
            "categories[0].fields[0].id: String should match pattern",
        ),
        (
            lambda d: d["recipients"][1].update(country="USA"),
            "recipients[1].country: String should have at most 2 characters",
        ),
        (lambda d: d.update(effective_date="soon"), "effective_date: Input should be a valid date"),
    ],
)
def test_validation_errors_name_their_place(tmp_path: Path, change: Any, expected: str) -> None:
    data = raw_policy()
    change(data)
    with pytest.raises(PolicyInvalid, match=None) as caught:
        load_policy(write(tmp_path, data))
    assert expected in caught.value.public_message


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("policy_id: x\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyInvalid, match=r"broken\.yaml: not valid YAML at line 3, column 1"):
        load_policy(path)


@pytest.mark.parametrize("text", ["", "- a list\n", "just words", "42"])
def test_a_policy_must_be_a_mapping(text: str) -> None:
    with pytest.raises(PolicyInvalid, match="must be a YAML mapping"):
        parse_policy(text)


def test_impossible_date_is_policy_invalid() -> None:
    with pytest.raises(PolicyInvalid, match="could not be read"):
        parse_policy("effective_date: 2018-02-30\n")


def test_deep_nesting_is_policy_invalid() -> None:
    with pytest.raises(PolicyInvalid):
        parse_policy("a: " + "[" * 50_000 + "]" * 50_000)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyInvalid, match="Cannot read"):
        load_policy(tmp_path / "absent.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyInvalid, match="not UTF-8"):
        load_policy(latin)


def test_require_valid_refuses_a_policy_with_errors(tmp_path: Path) -> None:
    data = raw_policy()
    item(data, "purposes", "marketing")["categories"].append("health")
    path = write(tmp_path, data)
    assert load_policy(path).version == "1.1"  # structurally fine
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(path, require_valid=True)
    assert "purposes[marketing].categories[2]" in caught.value.public_message


def test_require_valid_accepts_warnings() -> None:
    assert load_policy(POLICY_1_0, require_valid=True).version == "1.0"


# Property: nothing but PolicyInvalid, whatever the input ---------------------------------

yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.dates(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return data


def _survives(text: str) -> None:
    """Loading either works (and then checking and rendering work) or is PolicyInvalid."""
    try:
        policy = parse_policy(text)
    except PolicyInvalid:
        return
    check_policy(policy)
    build_document(policy)
    render_policy(policy, OutputFormat.MARKDOWN)


@PROPERTY
@given(st.text(max_size=300))
def test_any_text_is_a_policy_or_policy_invalid(text: str) -> None:
    _survives(text)


@PROPERTY
@given(yaml_values)
def test_any_yaml_document_is_a_policy_or_policy_invalid(value: Any) -> None:
    _survives(yaml.safe_dump(value))


@PROPERTY
@given(st.data())
def test_a_mutated_policy_is_a_policy_or_policy_invalid(data: st.DataObject) -> None:
    policy = raw_policy()
    path = data.draw(st.sampled_from(_paths(policy)))
    mutated = _replace(policy, path, data.draw(yaml_values))
    _survives(yaml.safe_dump(mutated, allow_unicode=True))


@PROPERTY
@given(st.binary(max_size=300))
def test_any_bytes_in_a_file_are_a_policy_or_policy_invalid(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("garbage") / "policy.yaml"
    path.write_bytes(raw)
    with contextlib.suppress(PolicyInvalid):
        load_policy(path)
