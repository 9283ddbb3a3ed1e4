"""Who a passage is about: the vocabulary for recognising a person in free text.

Special-category data (UK GDPR Art. 9) and criminal-offence data (Art. 10) are only
personal data when they relate to an identifiable living person (Art. 4(1)). "Depression"
in a message about a webinar is a topic; "I've been off sick with depression" is health
data about the writer. So every category cue is tied to a person reference: a pronoun
("I", "she"), a possessive ("my", "her"), a kinship or role noun with a determiner ("my
wife", "our receptionist", "one of our staff"), a title ("Mrs Patel") or a first name
from the shipped list.

The regular expressions here are fragments that ``lexicon.py`` and ``names.py`` build
on. None has a nested quantifier, so matching is linear in the input (no ReDoS).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

APOS = "['’]"

#: Nouns naming a person by relationship or role; with a determiner they point at someone.
PERSON_NOUNS = (
    r"(?:wife|husband|partner|spouse|son|daughter|child|children|kids?|baby|toddler"
    r"|mum|mom|mother|dad|father|parents?|brother|sister|siblings?|twins?"
    r"|grandma|grandmother|grandad|granddad|grandfather|grandparents?|grandson"
    r"|granddaughter|nan|nana|gran|granny|aunt|auntie|uncle|cousin|nephew|niece"
    r"|fianc[eé]e?|boyfriend|girlfriend|friend|neighbour|flatmate|housemate|lodger"
    r"|colleague|co-?worker|boss|manager|director|owner|receptionist|bookkeeper"
    r"|accountant|secretary|assistant|employee|staff member|member of staff"
    r"|team member|apprentice|intern|trainee|technician|engineer|cleaner|client"
    r"|customer|tenant|landlord|landlady|worker|contractor|predecessor|deputy"
    r"|supervisor|founder|chairman|chairwoman|chair|treasurer|trustee|volunteer"
    r"|caretaker|patient|pupil|student|headteacher|teacher|nurse|carer|administrator"
    r"|lad|lads|bloke|blokes|lady|ladies|woman|man|gentleman|person|chap|guy|guys|fella"
    r"|girl|girls|boy|boys|starter|ex"
    r"|ex-employee|driver|drivers|van driver|locksmith|plumber|electrician|builder"
    r"|gardener|handyman|chef|cook|waiter|waitress|barista|bartender|dentist|hygienist"
    r"|vet|pharmacist|doctor|solicitor|lawyer|clerk|developer|designer|consultant"
    r"|associate|courier|postman|security guard|porter|warden|nanny|childminder|tutor"
    r"|coach|instructor|therapist|physio|optician|groundsman|housekeeper|stylist"
    r"|hairdresser|mechanic|fitter|labourer|foreman|surveyor|architect|estate agent"
    r"|agent|rep|vicar|priest|imam|rabbi|headmaster|headmistress|receptionists"
    r"|ex-partner|ex-husband|ex-wife|ex-boyfriend|ex-girlfriend|employees|colleagues"
    r"|staff|team|stepson|stepdaughter|stepfather|stepmother|in-laws?|mother-in-law"
    r"|father-in-law|son-in-law|daughter-in-law|sister-in-law|brother-in-law)"
)

#: Words that make a following person noun point at a particular person.
DETERMINERS = (
    r"(?:my|our|his|her|their|the|a|an|this|that|each|every"
    r"|one of (?:my|our|the|his|her|their)|(?-i:[A-Z][a-z]+)" + APOS + "s)"
)

#: Adjectives that may stand between a determiner and the person noun ("my elderly mother").
_QUALIFIER = (
    r"(?:(?:former|ex-|old|new|previous|last|elderly|late|younger|older|eldest|youngest"
    r"|oldest|little|baby|teenage|adult|office|practice|part-time|full-time|senior|junior"
    r"|lead|head|finance|sales|IT|admin|other|another|current|long-serving) )?"
)

TITLES = r"(?-i:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Rev|Revd|Cllr)"

#: A person noun followed by one of these is a modifier ("the staff handbook", "the client
#: list", "the patient records"): it names a thing, not a person.
_NOUN_AS_MODIFIER = (
    r"(?:handbook|room|kitchen|toilets?|portal|rota|list|survey|meeting|canteen|car park"
    r"|entrance|area|accounts?|laptops?|computers?|PCs?|phones?|wi-?fi|network|directory"
    r"|drive|folder|calendar|records?|files?|training|policy|data|app|logins?|emails?"
    r"|mailbox|page|photos?|badges?|ID|door|parking|database|system|software|details"
    r"|information|forms?|numbers?|references?|feedback|reviews?|satisfaction|services?"
    r"|support|care|notes|handover|pack|packs|benefits|pension|payroll|absence|holidays?)\b"
)

#: A reference to a person anywhere in a passage (first names are checked separately).
PERSON_REF = re.compile(
    r"(?i)(?-i:\bI\b)|\bi" + APOS + r"(?:m|ve|d|ll)\b|(?-i:\b[Ii]m\b)"
    r"|\b(?:me|my|myself|mine|he|she|him|her|his|hers|himself|herself)\b"
    r"|\b" + DETERMINERS + " " + _QUALIFIER + PERSON_NOUNS + r"\b(?! " + _NOUN_AS_MODIFIER + ")"
    r"|\b(?:employee|staff member|member of staff|user|worker|patient|pupil|student)"
    r" (?:(?-i:[A-Z])\b|#?[0-9])"
    r"|\b" + TITLES + r"\.? (?-i:[A-Z])"
)

CAPITALISED_WORD = re.compile(r"(?<![\w@.'’])[A-Z][a-zà-öø-ÿ]+(?![\w@-]|['’](?!s\b)|\.[A-Za-z])")

_COPULA = (
    r"(?:" + APOS + r"s|" + APOS + r"s been| is| was| has been| had been| are| were| have been)"
)
_FIRST_PERSON_BE = (
    r"(?:(?-i:I)" + APOS + r"m|(?-i:I) am|(?-i:I) was|(?-i:I)" + APOS + r"ve been"
    r"|(?-i:I) have been|(?-i:I) had been|i" + APOS + r"m|(?-i:[Ii]m)|we" + APOS + r"re|we are"
    r"|we were)"
)


def person_subject(*, named: bool, with_verb: bool) -> str:
    """A fragment matching a person as the subject of what follows.

    ``with_verb`` adds the copula ("I'm", "she's", "my wife is") so a predicate such as
    "pregnant" or "disabled" is only read as being about that person. Without it the
    fragment is a bare subject ("he", "our bookkeeper") for predicates that are verbs
    ("stole", "was convicted"). A capitalised word as subject must be a first name; when
    ``named`` it is captured as group ``cap`` so the caller can check the list.
    """
    cap = r"(?P<cap>(?-i:[A-Z][a-z]+))" if named else r"(?-i:[A-Z][a-z]+)"
    noun = r"(?:my|our|his|her|their|one of (?:my|our|the)|(?-i:[A-Z][a-z]+)" + APOS + "s) "
    noun += _QUALIFIER + PERSON_NOUNS
    titled = TITLES + r"\.? (?-i:[A-Z][a-z]+)"
    if with_verb:
        named_subject = "(?:" + "|".join((noun, titled, cap)) + ")" + _COPULA
        third_person = r"(?:he|she)" + _COPULA
        return r"\b(?:" + "|".join((_FIRST_PERSON_BE, third_person, named_subject)) + ")"
    return r"\b(?:" + "|".join((r"(?-i:I)", "he", "she", noun, titled, cap)) + ")"


@cache
def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """(clear, ambiguous) first names from ``first_names.txt``, read once."""
    clear: set[str] = set()
    ambiguous: set[str] = set()
    text = resources.files("charter.screening").joinpath("first_names.txt").read_text("utf-8")
    for line in text.splitlines():
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        if name.endswith("*"):
            ambiguous.add(name[:-1])
        else:
            clear.add(name)
    return frozenset(clear), frozenset(ambiguous)


def is_first_name(word: str, *, in_context: bool = False) -> bool:
    """True for a listed first name; an ambiguous one ("Will") only ``in_context``."""
    clear, ambiguous = first_names()
    return word in clear or (in_context and word in ambiguous)


#: An email sentence that starts with one of these has dropped its "I" ("Been in hospital
#: all week", "Had a fall on Monday"): it is about the writer.
_ELIDED_I = re.compile(
    r"(?:Been|Was|Had|Got|Having|Feeling|Currently|Still|Off|Just been|Just had|Just got)\b"
)


def mentions_person(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` refers to some identifiable person."""
    if PERSON_REF.search(text, start, end) or _ELIDED_I.match(text, start, end):
        return True
    return any(is_first_name(m.group()) for m in CAPITALISED_WORD.finditer(text, start, end))
