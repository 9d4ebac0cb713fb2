"""Whom to meet, and what a search finds: members' own words matched across Danish and English. No Discord here.

Members write in Danish, English or both, so every word is stemmed with both Snowball stemmers (Danish and English)
and two words match when they share a stem: "regnskab" finds "Regnskaber", "accountant" finds "accounting". Short
stop-word lists of both languages are left out. For suggestions, rare words weigh more than common ones (inverse
document frequency over the profiles compared): two members who both mention "kunder" have less in common than two
who both mention "fotograf". Everything is deterministic; equal scores go to the lower user id.
"""

from __future__ import annotations

import enum
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Up to three people per member: a short DM that one evening can live up to.
SUGGESTIONS = 3
# A newcomer and a long-standing member gain this much for meeting at all; about one common shared word.
NEWCOMER_BONUS = 1.5
# Prefix search ("foto" finds "fotograf") only from this length on, so "it" does not find "kvalitet".
PREFIX_MIN = 3

_WORD = re.compile(r"[^\W\d_]+")

# Snowball's Danish list, the most common English function words, and the filler every business profile has.
_DANISH_STOP = (
    "ad af al alle alt anden andet andre at bare blev blive bliver da de dem den denne der deres det dette dig din dine"
    " disse dit dog du efter eller en end er et for fra ham han hans har havde have hende hendes her hos hun hvad hvis"
    " hvor hvordan i ikke ind jeg jer jo kan kun kunne man mange med meget men mig min mine mit mod ned noget nogle nu"
    " når og også om op os over på sig sin sine sit skal skulle selv som så sådan thi til ud under var vi vil ville vor"
    " være været"
)
_ENGLISH_STOP = (
    "a about all also an and any are as at be been but by can do does for from get has have how i if in into is it its"
    " just me more my no not of on or other our so some than that the their them then there these they this those to"
    " up us very was we what when which who will with you your"
)
_FILLER = (
    "hjælp help virksomhed virksomheder firma business businesses company companies søger leder tilbyder tilbyde"
    " looking seeking offer offers offering need needs brug gerne nye new små small god gode good"
)
STOP_WORDS = frozenset(f"{_DANISH_STOP} {_ENGLISH_STOP} {_FILLER}".split())


@dataclass(frozen=True, slots=True)
class Word:
    surface: str  # as the member wrote it, for the reason line
    stems: frozenset[str]  # its Danish and English stems


@lru_cache(maxsize=1)
def _stemmers() -> tuple[Any, Any]:
    # Importing snowballstemmer loads every language it has: only when a profile is first matched or searched.
    import snowballstemmer

    return snowballstemmer.stemmer("danish"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stems_of(word: str) -> frozenset[str]:
    """The Danish and the English stem of a lower-case word (one entry when they agree)."""
    danish, english = _stemmers()
    return frozenset((str(danish.stemWord(word)), str(english.stemWord(word))))


def words(text: str) -> list[Word]:
    """The text's content words in order, each once: no stop words, no single letters, no numbers.

    An acronym written in capitals ("IT", "SEO") is a word even where its lower case is a stop word ("it").
    """
    shouting = text.isupper()
    seen: set[frozenset[str]] = set()
    found = []
    for match in _WORD.finditer(text):
        surface = match.group()
        lower = surface.casefold()
        acronym = surface.isupper() and not shouting
        if len(lower) < 2 or (lower in STOP_WORDS and not acronym):
            continue
        stems = stems_of(lower)
        if stems not in seen:
            seen.add(stems)
            found.append(Word(surface, stems))
    return found


def matches_search(query: str, text: str) -> bool:
    """Whether ``text`` answers a search: every content word of the query is in it, with a stem in common (either
    language) or as the start of a longer word ("regnskab" in "regnskabshjælp")."""
    wanted = words(query)
    if not wanted:  # nothing but stop words ("it"): those words, whole
        typed = {token.casefold() for token in _WORD.findall(query)}
        return bool(typed) and typed <= {token.casefold() for token in _WORD.findall(text)}
    present = words(text)
    stems = {stem for word in present for stem in word.stems}
    folded = [word.surface.casefold() for word in present]
    return all(
        word.stems & stems
        or (len(word.surface) >= PREFIX_MIN and any(f.startswith(word.surface.casefold()) for f in folded))
        for word in wanted
    )


# -- suggestions -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member going to the meeting, as the matching sees them."""

    user_id: int
    offers: str  # what they offer (with the name of their trade)
    seeks: str  # what they are looking for
    newcomer: bool


class Why(enum.StrEnum):
    THEY_SEEK = "they_seek"  # they look for what you offer
    THEY_OFFER = "they_offer"  # they offer what you look for
    NEWCOMER = "newcomer"  # they are new in the network, you are not
    VETERAN = "veteran"  # you are new in the network, they are not


@dataclass(frozen=True, slots=True)
class Reason:
    why: Why
    wanted: str = ""  # the word as written in the looking-for text
    offered: str = ""  # the word as written in the offer


@dataclass(frozen=True, slots=True)
class Suggestion:
    user_id: int  # whom to meet
    score: float
    reasons: tuple[Reason, ...]  # the strongest shared word first, then the newcomer note; never empty


@dataclass(slots=True)
class _Flow:
    """What one member looks for that another offers: the total weight, and the strongest single word."""

    total: float
    weight: float
    wanted: Word
    offered: Word


def _idf(documents: Iterable[Iterable[Word]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every stem over the members' profiles (each profile counts once)."""
    counts: dict[str, int] = defaultdict(int)
    total = 0
    for document in documents:
        total += 1
        for stem in {stem for word in document for stem in word.stems}:
            counts[stem] += 1
    return {stem: math.log((1 + total) / (1 + count)) + 1 for stem, count in counts.items()}


def _flows(people: Sequence[Candidate]) -> dict[int, dict[int, _Flow]]:
    """seeker → offerer → what the seeker looks for that the offerer offers. Each looking-for word counts once per
    offerer, weighing as the rarest stem they share."""
    offers = {person.user_id: words(person.offers) for person in people}
    seeks = {person.user_id: words(person.seeks) for person in people}
    idf = _idf(offers[person.user_id] + seeks[person.user_id] for person in people)
    offered_by: dict[str, dict[int, Word]] = defaultdict(dict)
    for person in people:
        for word in offers[person.user_id]:
            for stem in word.stems:
                offered_by[stem].setdefault(person.user_id, word)
    # Members look for the same things: who offers a word is worked out once per word, not once per seeker.
    offerers: dict[frozenset[str], list[tuple[int, float, Word]]] = {}

    def offering(wanted: Word) -> list[tuple[int, float, Word]]:
        found = offerers.get(wanted.stems)
        if found is None:
            best: dict[int, tuple[float, Word]] = {}
            for stem in sorted(wanted.stems, key=lambda stem: (-idf[stem], stem)):  # the rarest shared stem decides
                for offerer, offered in offered_by.get(stem, {}).items():
                    best.setdefault(offerer, (idf[stem], offered))
            found = offerers[wanted.stems] = [(offerer, weight, word) for offerer, (weight, word) in best.items()]
        return found

    flows: dict[int, dict[int, _Flow]] = {}
    for person in people:
        mine: dict[int, _Flow] = {}
        for wanted in seeks[person.user_id]:
            for offerer, weight, offered in offering(wanted):
                flow = mine.get(offerer)
                if flow is None:
                    mine[offerer] = _Flow(weight, weight, wanted, offered)
                    continue
                flow.total += weight
                if weight > flow.weight:
                    flow.weight, flow.wanted, flow.offered = weight, wanted, offered
        mine.pop(person.user_id, None)  # what one offers oneself is no reason to meet
        flows[person.user_id] = mine
    return flows


def _shown(word: Word) -> str:
    """A word inside a sentence: lower case, but an acronym keeps its capitals ("IT")."""
    return word.surface if word.surface.isupper() else word.surface.lower()


def _reasons(me: Candidate, other: Candidate, flows: dict[int, dict[int, _Flow]]) -> tuple[Reason, ...]:
    they_seek = flows[other.user_id].get(me.user_id)
    they_offer = flows[me.user_id].get(other.user_id)
    reasons = []
    # Being needed is the better opening, so it wins a tie.
    if they_seek is not None and (they_offer is None or they_seek.weight >= they_offer.weight):
        reasons.append(Reason(Why.THEY_SEEK, _shown(they_seek.wanted), _shown(they_seek.offered)))
    elif they_offer is not None:
        reasons.append(Reason(Why.THEY_OFFER, _shown(they_offer.wanted), _shown(they_offer.offered)))
    if me.newcomer != other.newcomer:
        reasons.append(Reason(Why.NEWCOMER if other.newcomer else Why.VETERAN))
    return tuple(reasons)


def suggest(candidates: Sequence[Candidate], limit: int = SUGGESTIONS) -> dict[int, tuple[Suggestion, ...]]:
    """For each member, up to ``limit`` others worth meeting, best first; members with nobody are left out.

    The score of a pair is the same both ways: what each looks for that the other offers, rare words weighing more,
    plus a bonus when one of them is a newcomer and the other is not.
    """
    people = sorted({person.user_id: person for person in candidates}.values(), key=lambda person: person.user_id)
    by_id = {person.user_id: person for person in people}
    flows = _flows(people)
    partners = {seeker: set(offered) for seeker, offered in flows.items()}
    for seeker, offered in flows.items():
        for offerer in offered:
            partners[offerer].add(seeker)
    newcomers = {person.user_id for person in people if person.newcomer}
    others = set(by_id) - newcomers
    result: dict[int, tuple[Suggestion, ...]] = {}
    for me in people:
        mine = flows[me.user_id]
        pool = partners[me.user_id] | (others if me.newcomer else newcomers)
        pool.discard(me.user_id)
        scored = []
        for user_id in pool:
            mine_from_them, theirs_from_me = mine.get(user_id), flows[user_id].get(me.user_id)
            score = (mine_from_them.total if mine_from_them else 0.0) + (
                theirs_from_me.total if theirs_from_me else 0.0
            )
            if me.newcomer != by_id[user_id].newcomer:
                score += NEWCOMER_BONUS
            # Rounded so that the order of a float sum never decides between equals: the user id does.
            scored.append((-round(score, 9), user_id, score))
        chosen = [
            Suggestion(user_id, score, _reasons(me, by_id[user_id], flows))
            for _, user_id, score in heapq.nsmallest(limit, scored)
        ]
        if chosen:
            result[me.user_id] = tuple(chosen)
    return result
