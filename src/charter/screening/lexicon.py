"""The words that reveal each special category, and the look-alikes that do not.

One :class:`Lexicon` per category of UK GDPR Art. 9(1) plus criminal offences (Art. 10).
A cue counts only when it is about a person (see ``persons.py``), in one of three ways:

``states``
    follow a person and a form of "to be": "I'm *diabetic*", "my wife is *pregnant*",
    "he was *arrested*". Used for words that are ordinary IT vocabulary on their own
    ("disabled", "sick", "dying", "Black", "charged").
``acts``
    follow a bare person subject: "our bookkeeper *stole*", "I *vote Green*".
``terms``
    unambiguous words that need a person reference anywhere in the same sentence:
    "*chemotherapy*", "*criminal record*", "*DNA test*".

``GUARDS`` are product names, IT idioms and topics ("Windows Hello", "health check",
"the printer has a virus", "Labour-intensive", "union of"): they are blanked out before
any cue is looked for, so they can never be read as data about someone.

Every fragment is an alternation of literals with bounded, un-nested quantifiers, so
the compiled expressions match in linear time. The compiled form lives in ``special.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from charter.screening.schemas import SpecialCategory

#: A cue immediately followed by one of these names an organisation, a service or a topic
#: ("diabetes charity", "Catholic primary school", "mental health training"), not a person.
TOPIC_FOLLOWERS = (
    r"(?:(?:primary|secondary|junior|infant|prep|high|grammar|local|national|youth|support"
    r"|specialist|community|faith|private|independent|day|residential|subscription"
    r"|subscriptions|membership|payroll|management|booking|records|kit|test) )?"
    r"(?:charity|charities|research|awareness|association|society|foundation|trust|UK"
    r"|clinic|clinics|centre|center|unit|ward|service|services|team|nurse|nurses|nursing"
    r"|specialist|app|apps|website|site|campaign|week|month|policy|policies|training"
    r"|first aid|first aider|first-aider|course|courses|leaflet|leaflets|conference|event"
    r"|network|group|school|schools|college|academy|community|hall|organisation"
    r"|organization|magazine|journal|department|standards|requirements|regulations"
    r"|guidelines|law|act|compliance|access|accessibility|butcher|restaurant|shop|food"
    r"|council|club|project|sector|industry|software|system|provider|providers|support"
    r"|helpline|hub|practice|surgery|care home|home|hospital|trial|trials|study|studies"
    r"|data protection|module|field|fields|form|forms|category|categories|clause|clauses"
    r"|section|template|templates|questionnaire|survey|order|orders|delivery"
    r"|confirmation|refund|parcel|package|offer|discount|voucher|advert|adverts|sale"
    r"|bookshop|bookstore|business|businesses|company|firm|publisher|radio|bakery|cafe"
    r"|nursery|playgroup|choir|camp|festival|holidays|calendar|dates|festivals)\b"
)

#: A cue right after one of these is the subject of something, not someone's condition.
TOPIC_PREFIX = (
    r"\b(?:about|regarding|re|into|around|awareness of|talk on|training on|webinar on"
    r"|course on|article on|session on|leaflet on|information on|a page on|pages on"
    r"|content on|blog on|post on)\s+(?:the\s+|a\s+|an\s+)?$"
)

#: Phrases that look like special-category cues but never are; blanked before matching.
GUARDS = (
    # products and features
    r"Windows Hello|Face ?ID|Touch ?ID|Optic ?ID|biometric (?:login|log-in|sign-in|unlock"
    r"|authentication|reader|scanner|sensor|device|lock)|fingerprint (?:reader|sensor"
    r"|scanner|login|log-in|unlock|lock|pad)|face unlock|voice recognition software"
    r"|Dragon (?:dictation|NaturallySpeaking)|genetic (?:algorithms?|programming|operators?)"
    r"|BlackBerry|Black Friday|blacklist\w*|whitelist\w*|black (?:screen|and white|ink"
    r"|toner|cartridge|bar|box|border|background|text|theme|mode|hole)"
    r"|white (?:screen|background|label|paper|board|goods|noise)"
    # IT idioms that borrow words from health
    r"|health[- ]?checks?|(?:disk|drive|server|system|network|battery|RAID|array|SMART"
    r"|site|website|domain|backup|cluster|database|DB|service|app|application|node|pool"
    r"|device|account|security|email|cyber|IT|business|financial|data|hardware|storage)"
    r" health|health (?:status|report|score|monitor|monitoring|dashboard|probe|endpoint"
    r"|alert|and safety|& safety)|(?:anti-?virus|virus[- ]?(?:scan|scanner|scanning"
    r"|protection|definitions?|checker|software))"
    r"|(?:printer|laptop|PC|computer|machine|server|files?|email|attachment|network"
    r"|system|phone|Mac|website|site|router|it|device|tablet|iPad|desktop|drive|USB"
    r"|stick) (?:has|had|got|caught|picked up|is infected with|has been infected with)"
    r" (?:a |the |another )?(?:virus|bug|worm|trojan|malware)"
    r"|dead (?:pixel|link|drive|disk|battery|server|port|key|zone|end|line|letter|spot)"
    r"|(?:sick|tired) of|sick and tired|(?:giving|give|gives|gave) me (?:a )?(?:migraine"
    r"|headache)|mental note|blind (?:copy|carbon|spots?|test)"
    r"|roller blinds?|(?:killing|kills) me|dying to|(?:the )?Great Depression"
    r"|(?:disabled|disable|disabling) (?:the|it|all|auto\w*|two|2FA|MFA|macros|accounts?"
    r"|users?|logins?|access|sync|notifications|updates|antivirus|firewall|features?"
    r"|her|his|my|your|our|their"
    r"|options?|ports?|services?|settings?|that|this|them|IPv6|wi-?fi|bluetooth)"
    r"|(?:account|user|login|feature|option|port|service|setting|it|plugin|extension"
    r"|macro|add-in|button|link|key)s? (?:is |was |been |has been |got |are |were )?disabled"
    r"|hospital (?:network|IT|trust|board|group|system|systems|Wi-?Fi)|ill-\w+"
    r"|cardiac arrest (?:drill|training)|pregnant pause|recovery (?:key|partition|mode"
    r"|drive|email|codes?|point|plan|time|phone|number|options?|address|settings)"
    r"|fit for purpose|operation(?:s| of)"
    # IT idioms that borrow words from crime
    r"|(?:kill|killed|killing) (?:the|a|that|this|all|it|off)\b"
    r"|execut(?:e|ed|es|ing) (?:the|a|this|that|our|my|your)\b|terminated"
    r"|illegal (?:characters?|instructions?|operations?|argument)|jailbr\w+|hacked together"
    r"|hack together|Action Fraud|fraud (?:detection|prevention|alerts?|team|protection"
    r"|checks?|attempts?|emails?|calls?|texts?)|crime reference(?: number)?|cyber ?crime"
    r"|with conviction|sentence case|(?:first|last|next|this|that|the|a|each|every"
    r"|opening|closing) sentences?|abort(?:ed)?"
    # idioms that borrow words from politics, unions, religion and genetics
    r"|[Ll]abour[- ]intensive|labour (?:costs?|hours?|charges?|rates?|only)"
    r"|conservative (?:estimate|figure|approach|setting|guess)|party (?:wall|line|app"
    r"|software|vendors?|suppliers?|cookies?|integrations?|tools?)|third[- ]part(?:y|ies)"
    r"|(?:birthday|Christmas|leaving|retirement|office|hen|stag|garden|dinner|launch"
    r"|summer|works|team) part(?:y|ies)|green (?:energy|light|button|tick|icon|screen"
    r"|LED|status)|liberal (?:use|amount|application)|union of|European Union|Union Jack"
    r"|Union (?:Street|Road|Terrace|Place|Square|Lane)|credit union|[Ss]tudents['’]? Union"
    r"|UNION ALL|Rugby Union|(?:SQL|set|type) union|unite (?:the|our|all|both|two)"
    r"|church hall|chapel of rest|(?:in|part of) (?:our|its|their|the company['’]s|his|her"
    r"|my) DNA|DNA of|thoughts and prayers|(?:my|our) prayers are|pray (?:it|that|this)"
    r"|holy grail|God mode|Christmas|Easter"
)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The cues of one category, each an alternation (a regular-expression fragment)."""

    category: SpecialCategory
    states: str = ""
    acts: str = ""
    terms: str = ""
    #: A sentence matching this is about a product or a topic, whatever else it says.
    veto: str | None = None


_OFFENCES = (
    r"(?:an? )?(?:offence|offences|fraud|theft|stealing|assault|murder|burglary|robbery"
    r"|criminal damage|drink[- ]driving|drug[- ]driving|drugs? offences?|possession"
    r"|harassment|stalking|GBH|ABH|shoplifting|affray|dangerous driving|careless driving"
    r"|speeding|manslaughter|rape|sexual assault|money laundering|embezzlement"
    r"|computer misuse|hacking|blackmail|bribery|forgery|perjury|arson|handling stolen"
    r"|benefit fraud|tax evasion|indecent|terrorism|a crime|crimes?)"
)

HEALTH = Lexicon(
    "health",
    states=(
        r"(?:dying|terminally ill|seriously ill|critically ill|gravely ill|ill|unwell|poorly"
        r"|off sick|sick(?! of| and| to death| pay)|registered disabled|disabled"
        r"|registered blind|blind(?! to)|deaf|partially sighted|hard of hearing"
        r"|visually impaired|hearing impaired|diabetic|epileptic|asthmatic|autistic"
        r"|dyslexic|dyspraxic|bipolar|anorexic|bulimic|depressed|suicidal|pregnant"
        r"|expecting (?:a baby|twins|our first|our second|their first)|in hospital"
        r"|in intensive care|in a wheelchair|wheelchair[- ]bound|recovering from (?:a |an |my "
        r"|his |her )?(?:illness|surgery|operation|stroke|heart attack|covid|flu|injury"
        r"|broken \w+|fall|chemo\w*|treatment|pneumonia|infection|burnout|breakdown|cancer)"
        r"|having (?:chemo|chemotherapy|radiotherapy|treatment|an operation|surgery|a baby)"
        r"|on (?:medication|antidepressants|insulin|chemo|steroids|blood thinners)"
        r"|signed off (?:sick|work|with|for|until|by (?:my|her|his|the) (?:GP|doctor))"
        r"|off work (?:ill|sick|with)|off (?:sick |work )?with (?:covid|flu|the flu|a cold"
        r"|a (?:stomach |tummy |sickness )?bug|a virus|shingles|tonsillitis|pneumonia|stress"
        r"|a bad back|back pain|an infection|a chest infection|migraines?|long covid)|allergic"
        r"|coeliac|immunocompromised"
        r"|shielding|in rehab|an alcoholic|a recovering alcoholic|an addict|HIV positive"
        r"|colou?r[- ]?blind|going through (?:the )?menopause|menopausal|infertile"
        r"|on maternity leave|on paternity leave|on sick leave|housebound|bedbound"
        r"|in a coma|vaccinated|unvaccinated|jabbed|self-isolating|sectioned)"
    ),
    acts=(
        r"(?:has|have|had|['’]s|['’]ve) (?:got |caught )?(?:a |an |the )?(?:(?:stomach|nasty"
        r"|horrible|tummy|chest|sickness|winter vomiting|viral|ear|eye|kidney|urinary"
        r"|throat|sinus) (?:virus|bug|infection)|flu|covid|cold|fever|temperature"
        r"|shingles|tonsillitis|pneumonia|chickenpox|infection)\b"
        r"|(?:caught|got|picked up) (?:covid|the flu|flu|chickenpox|measles|norovirus"
        r"|shingles|pneumonia|a (?:stomach|tummy|sickness) bug)"
        r"|(?:had|has had|suffered|has suffered) (?:a |an |another |her |his |my )?(?:stroke"
        r"|heart attack|seizure|nervous breakdown|mental breakdown|miscarriage|panic attack"
        r"|relapse|transplant|bad fall|nasty fall|fall|operation|mastectomy|hysterectomy"
        r"|vasectomy|baby|c-section|caesarean)|miscarried"
        r"|broke (?:my|his|her) (?:leg|arm|wrist|ankle|hip|back|collarbone|foot|hand)"
        r"|(?:has (?-i:MS|ME)|have (?-i:MS|ME)|had (?-i:MS|ME)|got (?-i:MS|ME)|with (?-i:MS|ME))"
        r"(?! (?-i:[A-Z0-9]))"
        r"|(?:gave birth|collapsed|fainted|passed out|tested positive"
        r"|(?:was|were|has been|have been|got) diagnosed|is being treated|injured (?:my|his"
        r"|her)|hurt (?:my|his|her) back)"
    ),
    terms=(
        r"diabet(?:es|ic|ics)|(?:clinical |post-?natal |severe )?depression"
        r"|anxiety (?:disorder|attacks?)|panic attacks?|(?:my|his|her) anxiety"
        r"|cancer|chemo(?:therapy)?|radiotherapy|tumou?rs?|leuka?emia|lymphoma"
        r"|heart (?:attack|condition|surgery|failure|problems?|disease)|epilep(?:sy|tic)"
        r"|seizures|asthma(?:tic)?|autis(?:m|tic)|ADHD|dyslexi(?:a|c)|dyspraxi(?:a|c)"
        r"|dementia|alzheimer['’]?s|parkinson['’]?s|multiple sclerosis|motor neurone"
        r"|arthritis|long covid|migraines?|(?:my|his|her) mental health|mental health"
        r" (?:issues|problems|condition|difficulties|crisis|struggles)|PTSD|schizophreni(?:a|c)"
        r"|eating disorder|anorexia|bulimia|self-harm(?:ing)?|alcoholism|addiction|rehab"
        r"|pregnan(?:t|cy)|maternity leave|miscarriage|IVF|fertility treatment"
        r"|(?:my|his|her|a) disability|disabilities|learning (?:disability|difficulties)"
        r"|wheelchair(?: user)?|hearing aids?|(?:sick|fit) note|off sick|on sick leave"
        r"|signed off (?:sick|work|with|for)|(?:doctor|doctor['’]s|GP|hospital|dentist|dental"
        r"|consultant|clinic|physio|antenatal|hospice|cancer|eye|fertility) appointments?"
        r"|(?:my|his|her) (?:GP|doctor|consultant|oncologist|psychiatrist|therapist"
        r"|counsellor|physio|midwife|surgeon|diagnosis|condition|illness"
        r"|medication|prescription|operation|recovery|symptoms|health|scan results"
        r"|blood test|biopsy|cancer|tumour|injury|injuries)|diagnosed with|insulin"
        r"|antidepressants|prescribed|sleeping (?:tablets|pills)|painkillers|medication|(?:in|into"
        r"|to|from|out of) hospital|A&E"
        r"|intensive care|terminal (?:cancer|illness)|chronic (?:pain|fatigue"
        r"|illness|condition)|ME/CFS|fibromyalgia|dialysis|HIV|hepatitis|coeliac|crohn['’]?s"
        r"|IBS|blood pressure|menopause|perimenopause|tinnitus|glaucoma|cataracts?"
        r"|stammer|speech (?:impediment|therapy)|in therapy|counselling|hysterectomy"
        r"|mastectomy|stillbirth|(?:knee|hip|back|heart|eye|cataract|brain|spinal|shoulder"
        r"|keyhole) (?:operation|surgery|replacement)|(?:for|on) (?:health|medical) (?:reasons"
        r"|grounds)|medical (?:condition|history|leave|emergency|procedure|certificate"
        r"|issue|problem)|genetic (?:condition|disorder)|BRCA[12]?|sickle cell"
        r"|cystic fibrosis|covid-positive|physiotherapy|occupational health referral"
    ),
)

SEX_LIFE = Lexicon(
    "sex_life_orientation",
    states=(
        r"(?:(?:a )?gay|(?:a )?lesbian|bisexual|bi(?![\w-])|queer|asexual|pansexual"
        r"|homosexual|in a same-sex relationship"
        r"|LGBTQ?\+?|having an affair|cheating on|seeing someone behind)"
    ),
    terms=(
        r"gay|lesbian|bisexual|homosexual|(?:same-sex|gay|lesbian) (?:partner|couple"
        r"|relationship|marriage|wedding|husband|wife)|his boyfriend|her girlfriend"
        r"|his husband|her wife|came out (?:as|to)|coming out (?:as|to)"
        r"|sexual (?:orientation|relationship|partners?|history|health)|sexuality"
        r"|sex life|(?:having|had|has had|is having|was having) an affair"
        r"|one-night stand|LGBTQ?I?A?\+?|Grindr"
    ),
)

RELIGION = Lexicon(
    "religious_beliefs",
    states=(
        r"(?:an? |the )?(?:practising |devout |observant |committed |born-again |lapsed "
        r"|strict |orthodox |non-practising )?(?-i:Muslim|Christian|Catholic|Roman Catholic"
        r"|Protestant|Anglican|Methodist|Baptist|Quaker|Mormon|Jehovah['’]s Witness|Jew"
        r"|Jewish|Orthodox Jew|Hindu|Sikh|Buddhist|Jain|Rastafarian|Pagan|pagan|Wiccan"
        r"|atheist|agnostic|humanist|evangelical|Evangelical|Zoroastrian|Bahá['’]í|Baha['’]i)s?"
        r"(?![\w-])"
        r"|(?:an? |the )?(?:vicar|priest|imam|rabbi|pastor|deacon|curate|nun|monk"
        r"|churchwarden|chaplain|granthi)|fasting (?:for|during) (?:Ramadan|Lent|Yom Kippur"
        r"|religious)"
        r"|observing (?:Ramadan|Lent|Shabbat|the Sabbath)"
        r"|(?:a |an )?(?:member|elder|trustee|warden) of (?:the |a |our |my )?(?:local )?"
        r"(?:church|mosque|synagogue|temple|gurdwara|congregation|parish)"
    ),
    acts=(
        r"(?:go|goes|going|went|attend|attends|attending) (?:to )?(?:church|mass|chapel"
        r"|the mosque|mosque|synagogue|the synagogue|temple|the temple|gurdwara"
        r"|the gurdwara|Friday prayers|prayers)(?! hall)(?! to (?:fix|install|set up|sort|look"
        r"|check|repair|upgrade|replace|configure))"
        r"|(?:pray|prays|praying) (?:five times|daily|every|at the|at)"
        r"|(?:converted|convert) to (?:Islam|Christianity|Catholicism|Judaism|Buddhism"
        r"|Hinduism|Sikhism)|(?:wear|wears|wearing) (?:a |the )?(?:hijab|turban|kippah"
        r"|yarmulke|niqab|burqa)|(?:only )?eats? (?:halal|kosher)|keeps? kosher"
        r"|keeps? the Sabbath|(?:don['’]t|doesn['’]t|do not|does not) (?:drink|eat pork)"
        r" (?:for|because of) (?:religious|my|his|her)"
    ),
    terms=(
        r"(?:a|as a|practising|devout|committed|born-again) (?-i:Christian)|(?-i:Christians"
        r"|Christian (?:faith|beliefs|values|fellowship))|(?-i:Muslim|Catholic|Protestant"
        r"|Anglican|Methodist|Baptist"
        r"|Quaker|Mormon|Hindu|Sikh|Buddhist|Jain|Rastafarian|Wiccan|Jewish|Jew)s?"
        r"|(?-i:Jehovah['’]s Witness(?:es)?)|(?:my|his|her|our) (?:faith|religion"
        r"|religious beliefs|beliefs)"
        r"|religious (?:beliefs|reasons|grounds|holiday|festival|observance|practice"
        r"|convictions|obligations)|atheist|agnostic|(?:Friday |daily |morning |evening )?"
        r"prayers|(?-i:Ramadan|Eid|Diwali|Vaisakhi|Passover|Yom Kippur|Rosh Hashanah"
        r"|Hanukkah|Shabbat|Sabbath|Lent)|halal|kosher|hijab|turban|kippah|yarmulke"
    ),
)

_PARTIES = (
    r"(?-i:Labour|Conservative|Conservatives|Tory|Tories|Green|Greens|Lib Dems?"
    r"|Liberal Democrats?|SNP|Plaid Cymru|Plaid|Reform UK|Reform|UKIP|Brexit Party|Alba"
    r"|Sinn F[eé]in|DUP|SDLP|Alliance Party|Workers Party|Your Party)"
)

POLITICS = Lexicon(
    "political_opinions",
    states=(
        r"(?:an? |the )?(?:" + _PARTIES + r" (?:Party )?(?:member|supporter|voter|activist"
        r"|councillor|candidate|MP|MSP|campaigner|canvasser|agent|volunteer|organiser)"
        r"|(?:local |town |parish |county |district |borough )?councillor"
        r"|(?-i:socialist|communist|Marxist|anarchist|Tory|Brexiteer|Remainer|remainer"
        r"|Leaver|leaver|libertarian|Zionist|anti-Zionist|republican|monarchist"
        r"|Scottish nationalist|Welsh nationalist|Irish republican|Unionist"
        r"|eco-activist|climate activist)(?! \w+ (?:software|app)))"
        r"|(?:a )?(?:member|members) of (?:the )?" + _PARTIES + r"(?: Party)?"
    ),
    acts=(
        r"(?:vote|votes|voted|always vote|always voted|will vote|am voting|voting)"
        r" (?:for )?(?:the )?(?:"
        + _PARTIES
        + r"|(?-i:Leave|Remain)|to (?:leave|remain in) the EU)\b"
        r"|(?:joined|marched|march|marching|protested|protesting|campaigned|campaigning"
        r"|canvassed|canvassing|went on|go on|was at|were at) (?:with |for |against |on )?"
        r"(?:the |a |an )?(?:" + _PARTIES + r"|Extinction Rebellion|Just Stop Oil|XR|Stop"
        r" the War|Momentum|CND|Palestine Action|protest|march|rally|picket)"
        r"|(?:support|supports|back|backs) (?:Scottish |Welsh )?independence"
        r"|(?:stood|standing|stand) (?:as a candidate )?for (?:the )?" + _PARTIES
    ),
    terms=(
        _PARTIES + r" (?:Party )?(?:member|membership|supporter|voter|activist|councillor"
        r"|candidate|campaign|canvassing|branch|association|meeting|conference)"
        r"|(?:members?|membership) of (?:the )?" + _PARTIES + r"(?: Party)?"
        r"|political (?:views|beliefs|opinions|affiliation|party|leanings|activism"
        r"|campaigning)|canvass(?:ing|ed|er)|Extinction Rebellion|Just Stop Oil"
        r"|Palestine Action|Stop the War|Hope not Hate|(?:anti-|pro-)(?:Brexit|EU"
        r"|immigration|monarchy|Palestinian|Israel\w*) (?:views|protests?|campaign\w*)"
    ),
)

_UNIONS = (
    r"(?-i:Unite|Unison|UNISON|GMB|NEU|NASUWT|RCN|RCM|CWU|PCS|Usdaw|USDAW|RMT|ASLEF|Aslef"
    r"|NUJ|UCU|FBU|POA|BECTU|Bectu|Equity|Prospect|NAHT|EIS|TSSA|BFAWU|Accord|Nautilus"
    r"|BALPA|Community union|Musicians['’] Union)"
)

TRADE_UNION = Lexicon(
    "trade_union",
    states=(
        r"(?:an? )?(?:member of|in|with|rep for|a rep for|steward for) (?:the )?(?:"
        + _UNIONS
        + r"|union|trade union|a union|a trade union)(?![\w-])"
        r"|(?:an? |the |our )?(?:union|shop) (?:rep|representative|steward|official|member"
        r"|convenor)|(?:an? )?(?:union|" + _UNIONS + r") member|on strike"
    ),
    acts=(
        r"(?:joined|join|joining|rejoined|left|pay|pays|paying) (?:the |a )?(?:"
        + _UNIONS
        + r"|union|trade union)(?![\w-])"
    ),
    terms=(
        r"(?:union|trade union) (?:rep|representative|steward|membership|member|members"
        r"|subs|dues|branch|official|ballot|card|caseworker)|shop steward"
        r"|(?:my|his|her|our) (?:trade )?union(?![\w-])|(?-i:TUC)"
        r"|(?:member|members|membership|joined|join) (?:of )?(?:the )?"
        + _UNIONS
        + r"(?![\w-])|"
        + _UNIONS
        + r" (?:member|membership|rep|representative|steward"
        r"|branch|official|card|subs)"
    ),
)

GENETIC = Lexicon(
    "genetic",
    terms=(
        r"DNA (?:test|tests|testing|results?|sample|samples|swab|kit|profile|analysis"
        r"|sequencing|match|data)|23andMe|Ancestry ?DNA|MyHeritage DNA"
        r"|genetic (?:test|tests|testing|results?|condition|disorder|screening|counselling"
        r"|data|information|profile|markers?|mutation|predisposition|risk|makeup|variant"
        r"|report)|genom(?:e|ic) (?:sequencing|data|test|testing|results?)|BRCA[12]?"
        r"|huntington['’]?s|carrier (?:of|for) (?:a |the )?\w+ (?:gene|mutation)"
        r"|gene (?:mutation|variant|test)|hereditary (?:condition|disease|disorder)"
        r"|paternity test|whole[- ]genome|(?:cystic fibrosis|sickle cell) (?:carrier|trait)"
    ),
)

BIOMETRIC = Lexicon(
    "biometric",
    terms=(
        r"(?:fingerprint|finger-print|thumbprint|iris|retina|retinal|palm|palm[- ]vein"
        r"|vein|hand[- ]geometry|gait) (?:data|templates?|scans|records|images|profiles?"
        r"|biometrics)|(?:face|facial|voice) (?:templates?|biometrics|prints?|scans|data"
        r"|recognition (?:data|templates?|records|images|profiles?))|biometric (?:data|records"
        r"|templates?|information"
        r"|details|identifiers?|scans|profiles?|samples?)|voiceprints?"
        r"|fingerprints (?:stored|held|scanned|enrolled|on file|taken|collected|registered"
        r"|kept)|(?:staff|employees?|everyone|people|users|my|his|her|their|our)(?:['’]s?)?"
        r" fingerprints"
        r"|scans? of (?:my|his|her|their|your|our) (?:iris|irises|retinas?|face|fingerprints?"
        r"|palms?|hands?)|(?:fingerprint|face|iris|voice) (?:was|were|is|are|has been|have been)"
        r" (?:stored|scanned|enrolled|registered|captured|kept|held|recorded)"
    ),
    veto=r"\b(?:Windows Hello|Face ?ID|Touch ?ID|fingerprint (?:reader|sensor|scanner))",
)

RACIAL = Lexicon(
    "racial_ethnic_origin",
    states=(
        r"(?:an? )?(?:(?-i:Black|black)(?: (?-i:British|African|Caribbean|American))?"
        r"(?![\w-])(?! (?:and|screen|ink|text))|mixed[- ]race|biracial|dual heritage"
        r"|(?-i:White|white) (?-i:British|Irish|European|Other)|(?-i:British) (?-i:Asian"
        r"|Indian|Pakistani|Bangladeshi|Chinese|Black)|(?-i:Asian|Afro-Caribbean"
        r"|Anglo-Indian)|of (?:\w+ )?(?:\w+ )?(?:heritage|descent|origin|ancestry|extraction)"
        r"|(?:an? )?(?:Romany? |Irish )?(?-i:Traveller|Gypsy|Roma|Romany)(?![\w-])"
        r"|from an ethnic minority(?: background)?|(?:an? )?ethnic minority)"
    ),
    terms=(
        r"(?-i:Black British|Black African|Black Caribbean|British Asian|British Indian"
        r"|British Pakistani|British Bangladeshi|British Chinese|Irish Traveller)"
        r"|mixed[- ]race|biracial|dual heritage|(?:of|with) (?-i:[A-Z]\w+) (?:heritage|descent"
        r"|ancestry|extraction)|ethnic (?:minority|background|origin|group)"
        r"|(?:my|his|her) ethnicity (?:is|was)"
        r"|(?:as|being) an? (?-i:Black|Asian|Arab|mixed-race|biracial|British Asian"
        r"|Black British)\b|(?:from|part of|in) (?:an? |the )?(?-i:Irish Traveller|Traveller|Gypsy"
        r"|Roma|Romany)"
        r"(?: (?:family|community|background|heritage))|(?-i:BAME|BME)|(?:person|people|woman"
        r"|man) of colou?r|(?:my|his|her) (?:skin"
        r" colou?r|ethnic background|heritage)"
    ),
)

CRIMINAL = Lexicon(
    "criminal_offences",
    states=(
        r"(?:arrested|convicted|cautioned|jailed|imprisoned|sentenced|prosecuted|remanded"
        r"|on bail|on probation|on parole|in prison|in jail|behind bars|banned from driving"
        r"|disqualified from driving|under (?:police |criminal )?investigation|a suspect"
        r"|the suspect|suspected of "
        + _OFFENCES
        + r"|accused of "
        + _OFFENCES
        + r"|found guilty|facing charges|due in court"
        r"|released from (?:prison|jail)|electronically tagged|wearing an (?:electronic )?tag"
        r"|a sex offender"
        r"|an ex-offender|on the sex offenders['’]? register|done for (?:speeding"
        r"|drink[- ]driving|theft|shoplifting|fraud)|caught (?:stealing|shoplifting"
        r"|speeding|drink[- ]driving)|charged with " + _OFFENCES + r"|a convicted \w+"
        r"|stealing(?! (?:my|the|our|his|her) (?:thunder|limelight|show))|defrauding"
        r"|embezzling|dealing drugs|fiddling the books)"
    ),
    acts=(
        r"(?:stole|nicked|embezzled|defrauded|shoplifted|burgled|mugged|robbed"
        r"|(?:assaulted|attacked|punched|threatened|stabbed) (?:me|him|her|someone|a"
        r" (?:colleague|customer|member of staff|man|woman))|hacked into|broke into (?:my|his"
        r"|her|our|the|a) (?:house|home|car|van|office|shop|flat|premises|account|email"
        r"|systems?|server)|committed " + _OFFENCES + r"|a criminal record|previous"
        r" convictions|pleaded guilty|served (?:time|[0-9]+ (?:years|months))"
        r"|got (?:a |an )?(?:caution|conviction|suspended sentence|community order"
        r"|speeding fine|speeding ticket|points|driving ban)|done for"
        r"|(?:caught|arrested|nicked|convicted|cautioned|jailed|sacked for (?:theft|stealing"
        r"|fraud)))"
    ),
    terms=(
        r"convicted|jailed|imprisoned|convictions? (?:for|of)|(?:previous|criminal|spent|unspent"
        r"|prior|past"
        r"|driving) convictions?|criminal (?:record|conviction|past|history|charges?"
        r"|proceedings|investigation)|arrested|police caution|cautioned by (?:the )?police"
        r"|on (?:police )?bail|on (?:probation|parole|remand)|probation officer"
        r"|(?:in|to|from|out of) (?:prison|jail|gaol)|prison (?:sentence|term|time)"
        r"|(?:suspended|custodial|jail|prison) sentence|sentenced (?:to|for)"
        r"|community (?:service|order)|pleaded guilty|found guilty|charged with "
        + _OFFENCES
        + r"|on suspicion of|accused of "
        + _OFFENCES
        + r"|(?:magistrates['’]?|crown|youth)"
        r" court|sex offenders?['’]? register|restraining order|speeding (?:ticket|fine"
        r"|points|offence|conviction)|points on (?:my|his|her|their) licen[cs]e"
        r"|drink[- ]driv(?:ing|er)|drug[- ]driving|(?:banned|disqualified) from driving"
        r"|shoplift(?:ing|ed)|embezzl\w+|fiddling the books|committed "
        + _OFFENCES
        + r"|reported (?:him|her|them) to the police|in trouble with the police"
        r"|(?:for|of) (?:dealing drugs|drug dealing|drug possession)|police (?:arrested|charged"
        r"|cautioned"
        r"|questioned|interviewed) (?:him|her|me)|stole from (?:us|the company"
        r"|the till|the business|clients|customers)"
    ),
)

LEXICONS: tuple[Lexicon, ...] = (
    HEALTH,
    SEX_LIFE,
    RELIGION,
    POLITICS,
    TRADE_UNION,
    GENETIC,
    BIOMETRIC,
    RACIAL,
    CRIMINAL,
)
