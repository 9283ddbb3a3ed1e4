"""Special categories (UK GDPR Art. 9) and criminal offences (Art. 10): about a person only.

Each category has positives (a fact about someone) and hard negatives (the same words
about a product, a server, a topic or an organisation). The negatives are what make the
screener usable: a flag on every "the server is dead" would soon be ignored.
"""

from __future__ import annotations

import pytest

from charter.screening.schemas import SpecialCategory
from charter.screening.service import screen_text
from charter.screening.special import find_special

POSITIVES: list[tuple[SpecialCategory, str]] = [
    ("health", "I've been off sick with depression, sorry for the delay."),
    ("health", "My husband is diabetic so I may need to leave early."),
    ("health", "She's pregnant and starts maternity leave in March."),
    ("health", "I'm registered disabled and use a screen reader."),
    ("health", "Our receptionist Sarah has been signed off with stress."),
    ("health", "My dad had a stroke on Sunday."),
    ("health", "Tom is in hospital after a fall."),
    ("health", "I'm having chemotherapy on Tuesdays."),
    ("health", "Kate can't come, she's off with Covid."),
    ("health", "My son has autism and hates loud noises."),
    ("health", "I'm on antidepressants at the moment."),
    ("health", "He broke his wrist skiing."),
    ("political_opinions", "I vote Green and hate paper waste."),
    ("political_opinions", "I'm a Labour councillor on the borough council."),
    ("political_opinions", "I was out canvassing for the Lib Dems all day."),
    ("political_opinions", "I voted Leave and my neighbour voted Remain."),
    ("political_opinions", "My wife is a member of the Conservative Party."),
    ("political_opinions", "I marched with Extinction Rebellion last weekend."),
    ("religious_beliefs", "As a practising Muslim I can't attend Friday afternoon."),
    ("religious_beliefs", "I'm Jewish and keep Shabbat."),
    ("religious_beliefs", "I go to the mosque for Jummah on Fridays."),
    ("religious_beliefs", "My partner and I are both Jehovah's Witnesses."),
    ("religious_beliefs", "I'm a Sikh and wear a turban."),
    ("religious_beliefs", "Dave goes to church every Sunday morning."),
    ("trade_union", "I'm a member of Unite and my rep wants the policy."),
    ("trade_union", "I'm the shop steward at the depot."),
    ("trade_union", "I pay my union subs through payroll."),
    ("trade_union", "I joined the NEU last term."),
    ("trade_union", "Our union reps need a private calendar."),
    ("genetic", "I did a DNA test with Ancestry and want my data deleted."),
    ("genetic", "My genetic test results came as a locked PDF."),
    ("genetic", "The paternity test results are being emailed to me."),
    ("genetic", "My sister and I both carry the BRCA1 mutation."),
    ("biometric", "Please delete my fingerprint data from the clocking-in system."),
    ("biometric", "The timeclock holds fingerprint templates for all our employees."),
    ("biometric", "My face recognition data was copied to the new phone."),
    ("biometric", "Delete the fingerprint data of employee X from the clocking-in system."),
    ("sex_life_orientation", "I'm gay and getting abusive messages."),
    ("sex_life_orientation", "My husband has been having an affair."),
    ("sex_life_orientation", "Ciaran came out as bi to the team last month."),
    ("sex_life_orientation", "I'm a lesbian and part of the staff network."),
    ("racial_ethnic_origin", "I'm Black British and the door camera fails for me."),
    ("racial_ethnic_origin", "My daughter is mixed race."),
    ("racial_ethnic_origin", "He's of Gujarati Indian heritage."),
    ("racial_ethnic_origin", "Our new receptionist is from a Traveller family."),
    ("criminal_offences", "Our bookkeeper was convicted of fraud."),
    ("criminal_offences", "He has a criminal record."),
    ("criminal_offences", "One of our staff was arrested at the office this morning."),
    ("criminal_offences", "Craig got done for drink driving and lost his licence."),
    ("criminal_offences", "My ex-husband hacked into my email account."),
    ("criminal_offences", "Our accountant has been charged with money laundering."),
    ("criminal_offences", "Our locksmith was in prison for a few years."),
]

HARD_NEGATIVES: list[str] = [
    "The server is dead again.",
    "Our church hall's Wi-Fi keeps dropping.",
    "Windows Hello biometric login isn't working.",
    "It's a Labour-intensive migration.",
    "The printer has a virus, I think.",
    "Please run a health check of the RAID array.",
    "The union of the two datasets has duplicates.",
    "Kill the process if it hangs.",
    "We executed the script last night.",
    "That's a conservative estimate.",
    "We're testing a genetic algorithm for scheduling.",
    "We share the party wall with the shop next door.",
    "What are your Christmas opening hours?",
    "The backup is dying, three SMART warnings this week.",
    "How do I turn on Face ID on the iPad?",
    "I'm sick of restarting the router.",
    "I've disabled my out-of-office.",
    "The terminal server disconnects users.",
    "This migration is giving me a headache.",
    "The screen went black halfway through.",
    "Please order three black toner cartridges.",
    "Black Friday deal on laptops?",
    "Our LGBT+ staff network wants a private channel.",
    "We're a Catholic primary school in Swindon.",
    "Our office is closed on 12 November for Diwali.",
    "We're organising a walk for Cancer Research UK.",
    "We run a small dementia care home.",
    "Our mental health first aider wants a shared mailbox.",
    "My laptop was stolen from my car and I reported it to the police.",
    "My email was hacked and contacts got spam.",
    "We got a very convincing fraud email.",
    "The fingerprint reader has stopped recognising anyone.",
    "Can the biometric data clause in the staff handbook be removed?",
    "Customer service is in our DNA.",
    "We're a credit union with two branches.",
    "Send it to 22 Union Street, Bath.",
    "The UNION ALL in the query doubles the rows.",
    "Let's unite the two offices on one phone system.",
    "Our green energy supplier's portal won't load.",
    "We're a third-party supplier to the council.",
    "The sentence at the end of the auto-reply is cut off.",
    "The backup job was terminated with an access denied error.",
    "We need the court case emails preserved for our landlord dispute.",
    "Please block the political party spamming our form.",
    "I'm dying to try the new dashboard.",
    "Our warehouse team are threatening to go on strike over the scanners.",
    "I've hacked together a script to rename the files.",
    "The Unite the Union office on Cannon Street is a client.",
]


@pytest.mark.parametrize(("category", "text"), POSITIVES)
def test_flags_the_category_about_a_person(category: SpecialCategory, text: str) -> None:
    screening = screen_text(text)
    assert category in screening.categories
    assert screening.flagged


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_does_not_flag_topics_products_or_idioms(text: str) -> None:
    assert screen_text(text).special == []


def test_every_category_has_positives_and_the_lists_are_balanced() -> None:
    categories = {category for category, _ in POSITIVES}
    assert len(categories) == 9
    assert len(HARD_NEGATIVES) >= 40


def test_a_finding_spans_the_sentence_that_reveals_it() -> None:
    text = "Hi Tom. My husband is diabetic, so I may leave early. Thanks!"
    [finding] = screen_text(text).special
    assert text[finding.start : finding.end] == "My husband is diabetic, so I may leave early."


def test_one_sentence_can_reveal_two_categories() -> None:
    text = "I'm Jewish and my sister and I both carry the BRCA1 mutation."
    assert screen_text(text).categories == ["genetic", "health", "religious_beliefs"]


def test_a_category_is_reported_once_per_sentence() -> None:
    findings = screen_text("I'm diabetic and my wife is pregnant.").special
    assert [f.category for f in findings] == ["health"]


def test_the_anchor_index_agrees_with_running_every_cue() -> None:
    for _, text in POSITIVES:
        assert find_special(text) == find_special(text, exhaustive=True)
    for text in HARD_NEGATIVES:
        assert find_special(text) == find_special(text, exhaustive=True)
