"""Policies for tests: the shipped files, and raw data to mutate one rule at a time."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from charter.policy.schemas import Policy
from charter.settings import shipped_policy_path

POLICY_1_1 = shipped_policy_path()
POLICY_1_0 = POLICY_1_1.with_name("ajp-it-services-1.0.yaml")
SCHEMA_FILE = POLICY_1_1.with_name("policy.schema.json")

_RAW: dict[Path, dict[str, Any]] = {}


def raw_policy(path: Path = POLICY_1_1) -> dict[str, Any]:
    """A fresh deep copy of a shipped policy as plain YAML data."""
    if path not in _RAW:
        _RAW[path] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_RAW[path])


def build(data: dict[str, Any]) -> Policy:
    return Policy.model_validate(data)


def item(data: dict[str, Any], collection: str, key: str, *, by: str = "id") -> dict[str, Any]:
    """The entry of ``data[collection]`` whose ``by`` equals ``key``."""
    for entry in data[collection]:
        if entry[by] == key:
            return entry  # type: ignore[no-any-return]
    raise KeyError(f"{collection}[{key}]")
