from __future__ import annotations

import pytest

from charter.policy.loader import load_policy
from charter.policy.schemas import Policy
from tests.policy.factories import POLICY_1_0, POLICY_1_1


@pytest.fixture(scope="session")
def policy_1_0() -> Policy:
    return load_policy(POLICY_1_0)


@pytest.fixture(scope="session")
def policy_1_1() -> Policy:
    return load_policy(POLICY_1_1)
