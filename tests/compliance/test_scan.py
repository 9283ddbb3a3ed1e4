"""The database scan's text rules: what is an identifier in clear and what is not."""

from __future__ import annotations

from charter.compliance.scan import _findings_in

CARD = "4111111111111111"  # a Luhn-valid test card number


def test_a_card_number_in_clear_is_found_even_inside_json() -> None:
    kinds = {str(finding.type) for finding in _findings_in(f'{{"note": "card {CARD}"}}')}
    assert "payment_card" in kinds


def test_message_ids_are_not_identifiers_even_when_their_digits_pass_a_checksum() -> None:
    """``email.utils.make_msgid`` puts random digits in a Message-ID; about one in sixty
    passes the card checksum. A Message-ID names a message, wherever it is stored."""
    message_id = f"<176408123456.12345.{CARD}@ajp-it-services.example>"
    assert list(_findings_in(message_id)) == []
    assert list(_findings_in(f'{{"message_id": "{message_id}", "attempt": 2}}')) == []
