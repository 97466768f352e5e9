"""The request parser: a sentence -> Facts -> a full RequestSpec.

    parse_request("200 Medicare diabetics with CHF in Texas as FHIR")

Extractors run in a fixed order over one `RequestText`, each taking the spans
it understands, so an earlier, more specific reading wins: output formats
("837") and journeys ("knee replacement") before conditions, multi-word
condition names ("high blood pressure", "pregnant women") before ages and sex,
ages ("aged 40 to 60") before counts. Percentages attach afterwards to the
phrase beside them ("60% women", "COPD in 30%"). What is left is resolved as
condition names; words nothing understood are returned, never fatal. Only a
request in which nothing at all was recognised is an error, and its message
shows examples.
"""

from __future__ import annotations

import re

from healthsim.builders import conditions as cond
from healthsim.builders import extract_codes as codes
from healthsim.builders import extract_context as ctx
from healthsim.builders import extract_journeys as journeys
from healthsim.builders import extract_measures as measures
from healthsim.builders import extract_people as people
from healthsim.builders import extract_places, places, population_match
from healthsim.builders.compose import compose
from healthsim.builders.facts import ConditionFact, Facts
from healthsim.builders.numbers import spelled_fractions
from healthsim.builders.request import RequestError, RequestSpec
from healthsim.builders.spelling import respell
from healthsim.builders.text import RequestText
from healthsim.builders.vocab import filler, grouped, label_of, vocab

TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
NEGATIONS = frozenset({"without", "no", "not", "non", "excluding", "exclude", "except", "never", "nor",
                       "remove", "drop", "minus"})
RESETS = frozenset({"with", "have", "has", "having", "plus", "including", "who", "but", "add", "keep"})
ADULT_NOUN = re.compile(r"\b(?:women|woman|men|man|ladies|lady|mothers|moms|wives|gentlemen|fathers|dads|"
                        r"husbands)\b")
CHILD_NOUN = re.compile(r"\b(?:children|child|kids?|girls?|boys?|infants?|newborns?|toddlers?|"
                        r"teens?|teenagers?|adolescents?|minors?|pediatric|youths?|students?)\b")
HEALTHY = re.compile(r"\bhealthy\b|\bno chronic (?:conditions|disease|illness)\b")
GAP_WORDS = frozenset({"of", "them", "those", "the", "members", "patients", "people", "with", "have",
                       "having", "are", "is", "at", "in", "about", "around", "being", "who", "and",
                       "prevalence", "share", "rate", "also", "additionally", "for", "to", "set", "make",
                       "diagnosed", "coded", "a", "an", "had", "has", "on"})


def parse_request(text: str, *, count: int | None = None, seed: int | None = None) -> RequestSpec:
    """The spec a request implies (template defaults for the rest, listed as assumptions)."""
    facts = parse_facts(text)
    if not facts.said_anything():
        raise RequestError(unparseable_message(text, facts))
    overrides = {k: v for k, v in (("count", count), ("seed", seed)) if v is not None}
    return compose(facts.model_copy(update=overrides), request=text)


def unparseable_message(text: str, facts: Facts) -> str:
    shown = " ".join(str(text).split())[:120]
    lines = [f"I could not find anything to generate in {shown!r}."]
    if facts.unrecognized:
        lines.append("Not understood: " + ", ".join(facts.unrecognized[:10]))
    lines.append("Say how many members, who they are (coverage, ages, sex), their conditions, "
                 "where they live, and any journeys or output formats.")
    lines.append("Try, for example:")
    lines += [f"  - {e}" for e in vocab()["examples"]]
    return "\n".join(lines)


def parse_facts(text: object) -> Facts:
    """What the text states, with nothing assumed."""
    if not isinstance(text, str):
        raise RequestError(f"a request is text (got {type(text).__name__})")
    text, spelling_notes = respell(text)
    text = spelled_fractions(text)
    rt = RequestText(text)
    facts = Facts(notes=spelling_notes)
    cut = _correction(rt)
    facts.template = ctx.take_template(rt)
    facts.seed = ctx.take_seed(rt)
    facts.window, period_end, period_note = ctx.take_period(rt)
    facts.as_of = ctx.take_as_of(rt)
    if period_end is not None and facts.as_of is None:
        facts.as_of = period_end
    elif period_end is not None and facts.window is not None:
        facts.window["end"] = min(period_end, facts.as_of).isoformat()
    if period_note:
        facts.notes.append(period_note)
    facts.name = ctx.take_name(rt)
    facts.purposes = ctx.take_purpose(rt)
    facts.formats = ctx.take_formats(rt)
    facts.trial = ctx.take_trial(rt, facts.formats)
    found, code_notes = codes.take_codes(rt)
    facts.notes += code_notes
    split = people.take_sex_split(rt)
    named, facts.journey_adjustments = journeys.take_journeys(rt)
    percents = people.take_percents(rt)
    resolver = cond.Resolver()
    measured, control = measures.take_measures(rt)
    found += measured
    facts.severity, severity_labels = people.take_severity(rt)
    facts.severity = control or facts.severity
    found += codes.take_medications(rt)
    found += _take_condition_phrases(rt)
    intents = journeys.take_intents(rt)
    facts.pharmacy_claims = ctx.take_flag(rt, "pharmacy_claims")
    facts.claims = ctx.take_flag(rt, "claims") or (True if any("claims" in i.text for i in intents) else None)
    facts.age, single = people.take_age(rt)
    facts.match_place = population_match.take_match_place(rt) or None
    facts.sdoh = places.take_sdoh(rt) or None
    _places(rt, facts)
    urban = _take_urban(rt)
    coverage, program_states = ctx.take_coverage(rt)
    if any(kind == "medicare" for *_, kind in coverage):
        facts.medicare_unqualified = all(
            rt.low[s:e] in ("medicare", "medicare members", "medicare beneficiaries", "medicare patients")
            for s, e, kind in coverage if kind == "medicare")
    if program_states and not (facts.states or facts.zips or facts.counties):
        facts.states = program_states
    sex = people.take_sex(rt)
    adult = ADULT_NOUN.search(rt.low)  # also inside a condition phrase ('pregnant women')
    facts.adult_noun = adult.group(0) if adult and not CHILD_NOUN.search(rt.low) else None
    facts.race = people.even_weights(people.take_labels(rt, "race"))
    facts.ethnicity = people.even_weights(people.take_labels(rt, "ethnicity"))
    facts.healthy = _take_healthy(rt)
    facts.household_size, stated = people.take_family(rt)
    facts.count, facts.count_text = people.take_count(rt, prefer_after=cut)
    families = people.families_count(rt.low)
    if facts.household_size and families and facts.count in (None, families):
        facts.count = families * facts.household_size  # '2 families of 4': 8 members in 2 households
        facts.count_text = f"{families} families of {facts.household_size}"
    elif facts.household_size and (facts.count is None or facts.count == facts.household_size):
        facts.count = facts.household_size
        facts.count_text = f"a family of {facts.household_size}" if stated else "a family"
    if facts.count is None and (single or people.one_person(rt)):
        facts.count, facts.count_text = 1, "a single member"
    screens = _take_screenings(rt)
    more, facts.unrecognized = _resolve_leftovers(rt, resolver)
    found += more
    found.sort(key=lambda x: x[0])
    if any(f.code[:3] in ("E10", "E11", "E13") and f.how != "measure" for *_, f in found):
        found = [x for x in found if not (x[2].how == "measure" and x[2].code == "E11.9")]  # the diabetes named
    found = _without_screened(rt, found, screens, facts.notes)
    if cut is not None and any(start >= cut and not f.negated for start, _, f in found):
        found = [x for x in found if x[0] >= cut]  # "asthma, no wait, COPD": the correction replaces
    _attach_percents(rt, percents, facts, sex, coverage, urban, found, severity_labels, _age_span(rt, facts.age))
    if split:
        facts.sex = split
    facts.conditions = _without_implied(_dedupe([_negated(rt, s, f) for s, _, f in _as_complications(found)]))
    resolved, notes = journeys.resolve_intents(intents, facts.conditions, named, journeys.installed_journeys())
    facts.journeys = named + resolved
    facts.notes += notes
    facts.subject = subject(rt)
    if facts.trial is not None:
        first = next((c for c in facts.conditions if not c.negated), None)
        facts.trial = facts.trial.model_copy(update={"indication": first.code if first else None})
    return facts


COMMAND = re.compile(
    r"^(?:(?:please|pls|can you|could you|would you|i need|i want|we need|we want|i'd like|let's|lets|"
    r"quick(?:ly)?|just|now|ok|okay|hey|hi)\b[\s,]*)*"
    r"(?:(?:generate|create|make|build|give|produce|simulate|synthesi[sz]e|run|execute|get|need|want|"
    r"prepare|set up|spin up|mock up)\b(?:\s+(?:me|us)\b)?[\s,:]*)?"
    r"(?:(?:a|an|the|some)\s+)?(?:(?:profile|cohort|population|dataset|data set)\s+(?:for|of|with)\s+)?"
    r"(?:(?:a|an|the|some)\s+)?", re.IGNORECASE)
PLACE = "{place}"
NOT_IN_NAME = frozenset({"count", "format", "seed", "as_of", "name", "purpose", "percent", "code"})


def subject(rt: RequestText) -> str | None:
    """The words of the request that say who the members are, as a cohort name."""
    chars = ["\x00" if rt.taken[i] == "geography" else c if rt.taken[i] not in NOT_IN_NAME else " "
             for i, c in enumerate(rt.text)]
    text = " ".join("".join(chars).split())
    text = re.sub(r"\x00+(?:[\s,/&]*(?:and|or|&)?[\s,/&]*\x00+)*", PLACE, text)  # the place, filled in later
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)
    text = re.sub(r"\b(?:as|in|to|with|into|for|and|,)\s*(?=[,;:.]|$|and\b|or\b)", "", text)  # 'as FHIR' minus FHIR
    text = re.sub(r"(^|[,;:]\s*)of (?:them|those|these)\b\s*", r"\1", text)  # '(half) of them over 60'
    text = re.sub(r"(?:[,;:]\s*(?:members|patients|people|persons|lives|subjects|total|in total|of them))+\s*$", "",
                  text)  # '…, 100 members' minus its count
    text = COMMAND.sub("", text, count=1)
    text = re.sub(r"^(?:of|x|n\s*=)\s+", "", text, flags=re.IGNORECASE)
    text = text.strip(" ,;:.!?-\"'()")
    text = re.sub(r"\s*[,;:]\s*(?:[,;:]\s*)+", ", ", text)
    if not text or not re.search(r"[A-Za-z]{3}", text):
        return None
    return text[0].upper() + text[1:]


CORRECTION = re.compile(r"\bno\s*(?:wait|sorry)?\s*[-\u2013\u2014,:]|\bno wait\b|\bactually\b|\bi mean\b|"
                        r"\bscratch that\b|\bcorrection\b|\bor rather\b|\bmake (?:it|that)\b(?=\s+\d)")


def _correction(rt: RequestText) -> int | None:
    """Where the last correction starts ('…, no wait, …', 'actually make it 200'): what the
    request says after it replaces what it said before (counts, conditions). The cue is taken."""
    last = None
    for m in list(rt.matches(CORRECTION)):
        rt.take(m.start(), m.end(), "correction")
        last = m.end()
    return last


def _places(rt: RequestText, facts: Facts) -> None:
    """States, counties, a city's ZIPs and a region: PopulationSim's resolver
    (`places.take_places`) when installed, else the parser's own (`extract_places`)."""
    theirs = getattr(places, "take_places", None)
    if theirs is None:
        found = extract_places.take_places(rt)
    else:
        found = extract_places.PlaceFacts()
        extract_places.take_regions(rt, found)  # regions first; the resolver leaves "South Dakota" alone
        _from_resolver(theirs(rt), found)
    facts.states = list(dict.fromkeys(found.states)) or None
    facts.counties = list(found.counties) or None
    facts.zips = list(found.zips) or None
    facts.region = found.region
    facts.place_labels = list(found.labels)
    facts.city = next((label for label in found.labels if "County" not in label), None) if found.zips else None
    facts.notes += list(found.notes)


def _from_resolver(resolved: object, out: extract_places.PlaceFacts) -> None:
    """PopulationSim's `list[Place]` (or a PlaceFacts) into the parser's PlaceFacts."""
    if isinstance(resolved, extract_places.PlaceFacts):
        out.states += resolved.states
        out.counties += resolved.counties
        out.zips += resolved.zips
        out.labels += resolved.labels
        out.notes += resolved.notes
        out.region = out.region or resolved.region
        return
    for place in resolved or []:
        kind = getattr(place, "kind", "")
        if kind == "state":
            out.states += list(place.states)
        elif kind in ("county", "metro"):
            out.counties += list(place.counties)
            out.labels.append(place.name)
        elif kind in ("city", "zip"):
            out.zips += list(place.zips)
            out.labels.append(place.name)
        if getattr(place, "note", None):
            out.notes.append(place.note)


def _take_urban(rt: RequestText) -> list[tuple[int, int, float]]:
    regex, _ = grouped("urban")
    urban = []
    for m in list(rt.matches(regex)):
        rt.take(m.start(), m.end(), "urban")
        urban.append((m.start(), m.end(), float(label_of("urban", m.group(0)))))
    return urban


def _take_condition_phrases(rt: RequestText) -> list[tuple[int, int, ConditionFact]]:
    out = []
    for m in list(rt.matches(cond.CKD_STAGE, allow_protected=True)):
        rt.take(m.start(), m.end(), "condition")
        out.append((m.start(), m.end(), cond.fact_for(cond.ckd_code(m), m.group(0), "synonym")))
    for m in list(rt.matches(cond.multiword_synonyms(), allow_protected=True)):
        code = cond.synonym_code(m.group(0), rt.original_span(m.start(), m.end()))
        if code:
            rt.take(m.start(), m.end(), "condition")
            out.append((m.start(), m.end(), cond.fact_for(code, m.group(0), "synonym")))
    return out


SCREENING = re.compile(r"\b(?:screen(?:ing|ings|ed)?|tested|testing)(?:\s+for)?\b")


def _take_screenings(rt: RequestText) -> list[tuple[int, int]]:
    """'screening' / 'screened for' spans: a condition beside one is screened for, not had."""
    spans = []
    for m in list(rt.matches(SCREENING)):
        rt.take(m.start(), m.end(), "screening")
        spans.append((m.start(), m.end()))
    return spans


def _without_screened(rt: RequestText, found: list, screens: list[tuple[int, int]], notes: list[str]) -> list:
    """'breast cancer screening', 'screened for colon cancer': members due for (or given) a
    screening do not have the condition, so it is not added (a note says so)."""
    if not screens:
        return found
    kept = []
    for s, e, f in found:
        after = any(rt.low[e:a].strip(" -") == "" and a >= e for a, _ in screens)
        before = any(rt.low[b:s].strip() == "" and b <= s and rt.low[a:b].strip().endswith("for")
                     for a, b in screens)
        if after or before:
            notes.append(f"{rt.text[s:e]!r} is screened for, not a diagnosis: no condition added")
        else:
            kept.append((s, e, f))
    return kept


def _take_healthy(rt: RequestText) -> bool:
    hit = False
    for m in list(rt.matches(HEALTHY)):
        rt.take(m.start(), m.end(), "healthy")
        hit = True
    return hit


def _resolve_leftovers(rt: RequestText, resolver: cond.Resolver):
    """Resolve the words no extractor took: conditions, or 'unrecognised'."""
    found, unknown = [], []
    for chunk in _chunks(rt):
        words = [rt.low[s:e] for s, e in chunk]
        originals = [rt.text[s:e] for s, e in chunk]
        for i, j, fact in resolver.resolve(words, originals):
            start, end = chunk[i][0], chunk[j - 1][1]
            if fact is None:
                unknown.append(rt.text[start:end])
                continue
            rt.take(start, end, "condition")
            found.append((start, end, fact))
    return found, list(dict.fromkeys(unknown))


def _chunks(rt: RequestText) -> list[list[tuple[int, int]]]:
    """Runs of candidate words (as spans), split at filler words and punctuation."""
    stop = filler() - cond.JOINERS
    chunks = []
    for run_start, run_end in rt.free_runs():
        current, last_end = [], run_start
        for m in TOKEN.finditer(rt.low, run_start, run_end):
            word, span = m.group(0), (m.start(), m.end())
            if word.startswith("non-"):  # "non-smokers": a negation, then the word
                word, span = word[4:], (m.start() + 4, m.end())
                if current:
                    chunks.append(current)
                current = []
            if re.search(r"[,;:.!?()\[\]/&+]", rt.low[last_end:m.start()]) and current:
                chunks.append(current)
                current = []
            last_end = m.end()
            if word.endswith("'s") and word[:-2] in stop:
                word = word[:-2]  # "a patient's first year"
            if word in stop or word in NEGATIONS or len(word) > 40:
                if current:
                    chunks.append(current)
                current = []
            else:
                current.append(span)
        if current:
            chunks.append(current)
    return [trimmed for c in chunks if (trimmed := _trim(c, rt))]


def _trim(chunk: list[tuple[int, int]], rt: RequestText) -> list[tuple[int, int]]:
    while chunk and rt.low[slice(*chunk[0])] in cond.JOINERS:
        chunk = chunk[1:]
    while chunk and rt.low[slice(*chunk[-1])] in cond.JOINERS:
        chunk = chunk[:-1]
    return chunk


def _negated(rt: RequestText, start: int, fact: ConditionFact) -> ConditionFact:
    """'without diabetes', 'no COPD', 'non-smokers': a scan of the words before the condition."""
    negated, last_end = False, 0
    for m in TOKEN.finditer(rt.low, 0, start):
        if re.search(r"[;.]", rt.low[last_end:m.start()]):
            negated = False
        last_end = m.end()
        word, by = m.group(0), rt.taken[m.start()]
        if word in NEGATIONS or word.startswith("non-"):
            negated = True
        elif word in RESETS or by not in (None, "condition", "percent"):
            negated = False
    if rt.low[start:start + 4] == "non-":
        negated = True
    return fact.model_copy(update={"negated": True}) if negated else fact


VAGUE = re.compile(r"unspecified|without complications", re.IGNORECASE)


def _dedupe(facts: list[ConditionFact]) -> list[ConditionFact]:
    """One fact per code; and a vague code ('heart failure, unspecified', 'diabetes without
    complications') gives way to a more specific one of its category named beside it."""
    by_code: dict[str, ConditionFact] = {}
    for f in facts:
        if f.code not in by_code or (f.prevalence is not None and by_code[f.code].prevalence is None):
            by_code[f.code] = f
    kept = _without_generic(_one_ckd_stage(list(by_code.values())))
    specific = {f.code[:3] for f in kept if not f.negated and not VAGUE.search(f.description)
                and (f.prevalence is None or f.prevalence >= 1)}
    return [f for f in kept if f.negated or not VAGUE.search(f.description) or f.code[:3] not in specific]


GENERIC_OF = {"C80.1": re.compile(r"^(?:C(?!80)\d\d|D0\d)")}  # 'cancer' / 'oncology' beside a named cancer


def _without_generic(facts: list[ConditionFact]) -> list[ConditionFact]:
    """A generic code ('oncology', 'cancer' -> C80.1) gives way to a specific one named beside it
    ('oncology study of ovarian cancer' is ovarian cancer, not also an unspecified malignancy)."""
    named = [f.code for f in facts if not f.negated]
    return [f for f in facts if f.negated or f.code not in GENERIC_OF
            or not any(GENERIC_OF[f.code].match(c) for c in named)]


def _one_ckd_stage(facts: list[ConditionFact]) -> list[ConditionFact]:
    """CKD is coded at one stage: 'CKD stage 5 on dialysis' is end-stage (N18.6) alone."""
    ckd = [f for f in facts if f.code.startswith("N18") and not f.negated and (f.prevalence or 1.0) >= 1]
    if len(ckd) < 2:
        return facts
    top = max(ckd, key=lambda f: (f.code != "N18.9", f.code))
    return [f for f in facts if f not in ckd or f is top]


def _without_implied(facts: list[ConditionFact]) -> list[ConditionFact]:
    """A condition implied by a medication gives way to a named condition the drug also treats."""
    also = vocab().get("medication_also_for", {})
    named = [f.code for f in facts if f.how != "medication" and not f.negated]
    return [f for f in facts if f.how != "medication"
            or not any(code.startswith(tuple(also.get(f.code, [f.code[:3]]))) for code in named)]


def _as_complications(found: list[tuple[int, int, ConditionFact]]) -> list[tuple[int, int, ConditionFact]]:
    """'diabetics, 20% with retinopathy': beside diabetes, a complication word is the diabetic
    complication (E11.319), from the condition library's complications of that family."""
    from healthsim.builders.conditions import fact_for
    from healthsim.conditions.library import library

    lib = library()
    named = {lib.family_of(f.code) for _, _, f in found if not f.negated}
    out = []
    for s, e, f in found:
        hit = None
        for fid in named - {None, lib.family_of(f.code)}:
            for comp in lib.families[fid].codes.complications:
                words = f.text.lower().replace("diabetic ", "").strip()
                if not comp.requires and len(words) >= 5 and words in comp.name.lower():
                    hit = comp.code
        out.append((s, e, fact_for(hit, f.text, f.how).model_copy(update={"prevalence": f.prevalence,
                                                                       "negated": f.negated})
                    if hit else f))
    return out


def _age_span(rt: RequestText, age) -> list[tuple[int, int]]:
    """Where the age restriction was said (for 'half of them over 60')."""
    if age is None or not age.text:
        return []
    at = rt.low.find(age.text.lower())
    return [(at, at + len(age.text))] if at >= 0 else []


def _attach_percents(rt, percents, facts, sex, coverage, urban, found, severity_labels, age_span=()) -> None:
    """Give each 'N%' to the sex, coverage, urban, severity, age or condition phrase it belongs to."""
    entities = ([("sex", s, e, label) for s, e, label in sex]
                + [("age", s, e, None) for s, e in age_span]
                + [("coverage", s, e, kind) for s, e, kind in coverage]
                + [("urban", s, e, share) for s, e, share in urban]
                + [("severity", s, e, label) for s, e, label in severity_labels]
                + [("condition", s, e, i) for i, (s, e, _) in enumerate(found)])
    shares: dict[tuple[str, int], float] = {}
    for ps, pe, value in percents:
        if _on_a_medication(rt, pe):
            facts.notes.append(f"{rt.text[ps:pe]!r} on a medication: who takes a drug follows the member state's "
                               "therapy for the condition; the share was not applied")
            continue
        target = _beside(rt, ps, pe, entities, taken={k for k in shares})
        if target is None:
            facts.notes.append(f"could not tell what {rt.text[ps:pe]!r} refers to; ignored")
        else:
            shares[(target[0], target[1])] = value
    for i, (s, e, fact) in enumerate(found):
        if ("condition", s) in shares:
            found[i] = (s, e, fact.model_copy(update={"prevalence": shares[("condition", s)]}))
    facts.sex = _sex_weights(sex, shares)
    for s, _ in age_span:
        if ("age", s) in shares and 0 < shares[("age", s)] < 1:
            facts.age = facts.age.model_copy(update={"share": shares[("age", s)]})
    seen: dict[str, float | None] = {}
    for s, _, kind in coverage:
        seen[kind] = shares.get(("coverage", s), seen.get(kind))
    facts.coverage = list(seen.items()) or None
    if urban:
        s, _, share = urban[0]
        stated = shares.get(("urban", s))
        facts.urban_share = share if stated is None else (stated if share >= 0.5 else 1 - stated)
    stated_severity = {label: shares[("severity", s)] for s, _, label in severity_labels
                       if ("severity", s) in shares}
    if stated_severity:
        facts.severity = stated_severity


ON_DRUG = re.compile(r"\s*(?:of\s+(?:them|those|members|patients)\s+)?(?:are\s+|is\s+)?(?:on|taking|using|prescribed)\s+")


def _on_a_medication(rt: RequestText, pe: int) -> bool:
    """'30% on anticoagulants': the percentage is a medication's share, not the condition before it."""
    m = ON_DRUG.match(rt.low, pe)
    return bool(m) and m.end() < len(rt.taken) and rt.taken[m.end()] == "medication"


BEFORE_CUES = re.compile(r"(?:\bin|\bat|\bfor|\(|:|=|\bis|\bare)\s*$")


def _beside(rt: RequestText, ps: int, pe: int, entities: list, taken: set) -> tuple | None:
    """The entity a percentage belongs to: 'COPD in 25%', 'asthma 10%', 'hypertension (60%)'
    and 'CHF 30%, COPD 20%' look back; '60% female', '30% with CKD' look forward."""
    free = [x for x in entities if (x[0], x[1]) not in taken]
    after = [x for x in free if x[1] >= pe and _is_gap(rt.low[pe:x[1]])]
    before = [x for x in free if x[2] <= ps and _is_gap(rt.low[x[2]:ps])]
    nearest_after = min(after, key=lambda x: x[1]) if after else None
    nearest_before = max(before, key=lambda x: x[2]) if before else None
    if nearest_before is None or nearest_after is None:
        return nearest_after or nearest_before
    gap_before = rt.low[nearest_before[2]:ps]
    following = rt.low[pe:pe + 3].lstrip()
    if BEFORE_CUES.search(gap_before) or following.startswith(")"):
        return nearest_before
    if not gap_before.strip() and (re.match(r"\s*(?:[,;]|$|and\s)", rt.low[pe:]) or nearest_after[0] == "coverage"):
        return nearest_before  # "asthma 10%, obesity 35%"; "asthma 10% on Medicaid"
    return nearest_after


def _is_gap(text: str) -> bool:
    words = TOKEN.findall(text)
    core = [w for w in words if w not in ("of", "them", "those", "these")]  # '40% of them also with diabetes'
    return len(core) <= 3 and all(w in GAP_WORDS for w in words) and not re.search(r"[;.]", text)


def _sex_weights(sex, shares) -> dict[str, float] | None:
    labels = {label for *_, label in sex}
    if not labels or "both" in labels:
        return None
    for s, _, label in sex:
        if ("sex", s) in shares:
            share = shares[("sex", s)]
            other = "M" if label == "F" else "F"
            if share >= 1 or share <= 0:
                return {label if share >= 1 else other: 1.0}
            return {label: share, other: round(1 - share, 6)}
    return None if len(labels) > 1 else {labels.pop(): 1.0}
