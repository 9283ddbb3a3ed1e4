"""CSV cells are neutralised against formula injection; account numbers are masked."""

from __future__ import annotations

import pytest

from charter.exports.cover import mask_account
from charter.exports.csvfiles import neutralise_cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 117", "'+44 117"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ada", "Ada"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_cell(cell: str, expected: str) -> None:
    assert neutralise_cell(cell) == expected


@pytest.mark.parametrize(
    ("account", "shown"),
    [("GB29 NWBK 6016 1331 9268 19", "•••• 6819"), ("12345678", "•••• 5678"), ("1234", "••••")],
)
def test_mask_account(account: str, shown: str) -> None:
    assert mask_account(account) == shown
