"""Identifiers (UK GDPR Art. 4(1)): found only when they are the real thing.

Each type has values that must be found, with exactly their text, and look-alikes that
must not: a Luhn-invalid card number, an IBAN with wrong check digits, an NI number with
a prefix HMRC never issues, a netmask, a date that is not a birth date.
"""

from __future__ import annotations

import itertools

import pytest

from charter.screening.identifiers import is_payment_card
from charter.screening.schemas import PiiType
from charter.screening.service import screen_text

FOUND: list[tuple[PiiType, str, str]] = [
    ("email", "Reply to sarah.jones@example.co.uk please.", "sarah.jones@example.co.uk"),
    ("email", "From: Olu <o.adeyemi+it@mail.example.com>", "o.adeyemi+it@mail.example.com"),
    ("phone", "Call me on 0117 496 0321 after 2.", "0117 496 0321"),
    ("phone", "Mob: +44 7911 123456", "+44 7911 123456"),
    ("phone", "Julie (07400 123456)", "07400 123456"),
    ("phone", "Tel +44 (0)117 496 0321", "+44 (0)117 496 0321"),
    ("iban", "IBAN GB29 NWBK 6016 1331 9268 19 thanks", "GB29 NWBK 6016 1331 9268 19"),
    ("iban", "Pay DE89370400440532013000.", "DE89370400440532013000"),
    ("payment_card", "Card 4111 1111 1111 1111 exp 09/27", "4111 1111 1111 1111"),
    ("payment_card", "Mastercard 5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("payment_card", "Amex 3782 822463 10005 (CVV on request)", "3782 822463 10005"),
    ("payment_card", "card 4111111111111111 123", "4111111111111111"),
    (
        "uk_sort_code_account",
        "sort code 40-11-62, account number 71234567",
        "40-11-62, account number 71234567",
    ),
    (
        "uk_sort_code_account",
        "Account: 12345678 Sort code: 20 00 00",
        "12345678 Sort code: 20 00 00",
    ),
    ("ni_number", "NI number AB 12 34 56 C", "AB 12 34 56 C"),
    ("ni_number", "nino: jk456789a", "jk456789a"),
    ("ip_address", "whitelist 81.2.69.142 please", "81.2.69.142"),
    ("ip_address", "from 2001:db8:85a3::8a2e:370:7334 again", "2001:db8:85a3::8a2e:370:7334"),
    ("ip_address", "link-local fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"),
    ("date_of_birth", "DOB: 14/03/1982", "14/03/1982"),
    ("date_of_birth", "date of birth is 2 June 2008", "2 June 2008"),
    ("date_of_birth", "born on 23rd July 1979", "23rd July 1979"),
    ("date_of_birth", "d.o.b. 1982-03-14", "1982-03-14"),
    ("postcode", "We're at BS1 6EN now", "BS1 6EN"),
    ("postcode", "postcode sw1a 1aa", "sw1a 1aa"),
    ("postal_address", "Send it to 27 Gloucester Road, Bristol", "27 Gloucester Road"),
    ("postal_address", "Flat 2, 14a Mill Lane, Bath", "14a Mill Lane"),
    ("postal_address", "Rose Cottage, Mill Lane, Bath BA1 2AB", "Mill Lane"),
    (
        "postal_address",
        "Unit 4, Riverside Industrial Estate, Leeds LS10 1AB",
        "Riverside Industrial Estate",
    ),
    ("person_name", "Hi Sarah,\nthe printer is down.", "Sarah"),
    ("person_name", "Thanks,\nDaniel Hughes", "Daniel Hughes"),
    ("person_name", "Kind regards,\n\nSiobhan O'Neill\nAcme Ltd", "Siobhan O'Neill"),
    ("person_name", "My name is Olumide Adebayo and I run a firm.", "Olumide Adebayo"),
    ("person_name", "Please call Dr Aisha Khan.", "Aisha Khan"),
    ("person_name", "We met Mrs Patel on Tuesday.", "Patel"),
    ("person_name", "Our receptionist Will starts Monday.", "Will"),
    ("person_name", "Ask Mohammed in accounts.", "Mohammed"),
    ("person_name", "Our MD, Victoria Hale, will sign.", "Victoria Hale"),
    ("person_name", "under Sunil's photo", "Sunil"),
]

NOT_FOUND: list[tuple[PiiType, str]] = [
    ("payment_card", "Order reference 4111 1111 1111 1112 has not arrived."),  # Luhn fails
    ("payment_card", "Random number 1234 5678 9012 3456."),
    ("payment_card", "Tracking 1Z999AA10123456784."),
    ("iban", "New details GB30 NWBK 6016 1331 9268 19 look odd."),  # check digits wrong
    ("iban", "Serial FGT60F0123456789 on the firewall."),
    ("ni_number", "The placeholder QQ 12 34 56 C keeps being saved."),  # Q never a prefix
    ("ni_number", "TN 12 34 56 A is a temporary number, BG123456A never issued."),
    ("ni_number", "Part AB 12 34 56 E is not a suffix."),
    ("ip_address", "subnet mask 255.255.255.0"),
    ("ip_address", "The firmware version on the switch is 15.2.7.3."),
    ("ip_address", "Meeting at 12:30:45, MAC 00:1A:2B:3C:4D:5E."),
    ("ip_address", "Bind to 0.0.0.0 and 127.0.0.1."),
    ("date_of_birth", "The invoice dated 12/03/2024 was paid on 15/03/2024."),
    ("date_of_birth", "born in 1985"),
    ("date_of_birth", "birthday: 31/02/1990"),
    ("phone", "Ref 07384 22190 is the ticket."),
    ("phone", "Drama number 07700 900123 is not allocated."),
    ("email", "a@b and x@y.z are not addresses"),
    ("postcode", "QQ1 1AA and XY12 3AB are not postcode areas."),
    ("postcode", "Inward code BS1 1CI uses letters Royal Mail never uses."),
    ("postal_address", "We have 3 Windows laptops and 2 Office licences."),
    ("person_name", "Hi Team,\nThe Wi-Fi is down.\nThanks,\nAccounts"),
    ("person_name", "Kind regards,\nThe Team at Bright Start"),
    ("person_name", "Thank you. Address is 27 Gloucester Road."),
    ("person_name", "The Victoria line was down; Albert Road is closed."),
    ("person_name", "Will you call me? I may be late in May."),
    ("uk_sort_code_account", "Sort code 20-00-00 alone names a branch."),
]


@pytest.mark.parametrize(("kind", "text", "value"), FOUND)
def test_finds_the_identifier_with_its_exact_span(kind: PiiType, text: str, value: str) -> None:
    found = [f for f in screen_text(text).pii if f.type == kind]
    assert [f.value for f in found] == [value]
    assert all(text[f.start : f.end] == f.value for f in found)


@pytest.mark.parametrize(("kind", "text"), NOT_FOUND)
def test_does_not_report_look_alikes(kind: PiiType, text: str) -> None:
    assert [f.value for f in screen_text(text).pii if f.type == kind] == []


def test_every_identifier_type_is_covered_both_ways() -> None:
    assert {kind for kind, _, _ in FOUND} == {kind for kind, _ in NOT_FOUND} | {"postal_address"}
    assert len({kind for kind, _, _ in FOUND}) == 11


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),  # Visa
        ("5555555555554444", True),  # Mastercard
        ("2223003122003222", True),  # Mastercard 2-series
        ("378282246310005", True),  # American Express
        ("6011111111111117", True),  # Discover
        ("3530111333300000", True),  # JCB
        ("4111111111111112", False),  # Luhn fails
        ("1234567812345670", False),  # Luhn passes, no scheme starts with 1
        ("37828224631000", False),  # Amex prefix, wrong length
        ("411111111111", False),  # too short
    ],
)
def test_payment_card_check(digits: str, valid: bool) -> None:
    assert is_payment_card(digits) is valid


def test_overlaps_keep_the_stricter_type() -> None:
    text = "Card 4111 1111 1111 1111, email john@example.com, call 0117 496 0321."
    kinds = [f.type for f in screen_text(text).pii]
    assert kinds == ["payment_card", "email", "phone"]


def test_findings_are_in_text_order_and_never_overlap() -> None:
    text = (
        "Hi Sarah,\nDOB 14/03/1982, NI AB 12 34 56 C, IBAN GB29 NWBK 6016 1331 9268 19.\n"
        "Send to 27 Gloucester Road, Bristol BS7 8AE or 192.168.10.50.\nThanks,\nJohn Smith"
    )
    findings = screen_text(text).pii
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start
    assert [f.type for f in findings] == [
        "person_name",
        "date_of_birth",
        "ni_number",
        "iban",
        "postal_address",
        "postcode",
        "ip_address",
        "person_name",
    ]
