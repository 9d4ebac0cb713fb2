"""Whom to meet and what a search finds: a table of Danish and English cases for the pure matching rules."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from bot.matching import SUGGESTIONS, Candidate, Why, matches_search, stems_of, suggest, words

# (user id, why, wanted, offered) of each suggestion for the member asked about, best first.
Expected = list[tuple[int, Why, str, str]]


def person(user_id: int, offers: str, seeks: str = "", *, newcomer: bool = False) -> Candidate:
    return Candidate(user_id, offers, seeks, newcomer)


@dataclass(frozen=True)
class Case:
    name: str
    people: list[Candidate]
    member: int
    expected: Expected

    def __str__(self) -> str:
        return self.name


CASES = [
    Case(
        "da: they look for regnskab, I offer regnskaber",
        [
            person(1, "Jeg laver regnskaber for frisører", "nye kunder på Møn"),
            person(2, "Keramik", "hjælp til regnskab"),
        ],
        1,
        [(2, Why.THEY_SEEK, "regnskab", "regnskaber")],
    ),
    Case(
        "da: the other way round, they offer what I look for",
        [
            person(1, "Jeg laver regnskaber for frisører", "nye kunder på Møn"),
            person(2, "Keramik", "hjælp til regnskab"),
        ],
        2,
        [(1, Why.THEY_OFFER, "regnskab", "regnskaber")],
    ),
    Case(
        "en: an accountant finds accounting",
        [person(1, "Accounting for freelancers", "a printer"), person(2, "Printing and signs", "an accountant")],
        1,
        [(2, Why.THEY_SEEK, "accountant", "accounting")],
    ),
    Case(
        "en: a bookkeeper finds bookkeeping",
        [person(1, "Bookkeeping"), person(2, "Cakes", "a good bookkeeper")],
        2,
        [(1, Why.THEY_OFFER, "bookkeeper", "bookkeeping")],
    ),
    Case(
        "either stemmer: fotograf finds fotografering (the English stem)",
        [person(1, "Fotografering af produkter"), person(2, "Bagværk", "en fotograf")],
        2,
        [(1, Why.THEY_OFFER, "fotograf", "fotografering")],
    ),
    Case(
        "rare words weigh more than common ones",
        [
            person(1, "Kaffe", "kunder og en fotograf"),
            person(2, "flere kunder til din butik", "te"),
            person(3, "Fotografering", "te"),
            person(4, "kunder, kunder, kunder"),
            person(5, "kunder via nyhedsbreve"),
        ],
        1,
        [
            (3, Why.THEY_OFFER, "fotograf", "fotografering"),
            (2, Why.THEY_OFFER, "kunder", "kunder"),  # equal scores: the lower user id
            (4, Why.THEY_OFFER, "kunder", "kunder"),
        ],
    ),
    Case(
        "stop words and filler never match",
        [person(1, "og til med for the and hjælp", "og til med"), person(2, "og til med virksomhed", "for the and")],
        1,
        [],
    ),
    Case("a member is never suggested to themselves", [person(1, "regnskab", "regnskab")], 1, []),
    Case(
        "ties go to the lower user id, three at most",
        [
            person(1, "Kaffe", "en fotograf"),
            person(5, "Fotograf"),
            person(3, "Fotograf"),
            person(4, "Fotograf"),
            person(2, "Fotograf"),
        ],
        1,
        [
            (2, Why.THEY_OFFER, "fotograf", "fotograf"),
            (3, Why.THEY_OFFER, "fotograf", "fotograf"),
            (4, Why.THEY_OFFER, "fotograf", "fotograf"),
        ],
    ),
    Case(
        "both ways weigh more than one way",
        [
            person(1, "Webdesign", "regnskab"),
            person(2, "Regnskab", "kaffe"),
            person(3, "Regnskab", "webdesign"),
        ],
        1,
        [(3, Why.THEY_SEEK, "webdesign", "webdesign"), (2, Why.THEY_OFFER, "regnskab", "regnskab")],
    ),
    Case(
        "IT in capitals is a word, it in a sentence is not",
        [person(1, "IT-support"), person(2, "Bageri", "hjælp med IT"), person(3, "Blomster", "it is what it is")],
        1,
        [(2, Why.THEY_SEEK, "IT", "IT")],
    ),
    Case(
        "a long-standing member is pointed to the newcomer, with nothing else in common",
        [person(1, "Keramik", "ler"), person(2, "Revision", "kunder", newcomer=True), person(3, "Blomster", "vaser")],
        1,
        [(2, Why.NEWCOMER, "", "")],
    ),
    Case(
        "a newcomer is pointed to the long-standing members",
        [person(1, "Keramik", "ler"), person(2, "Revision", "kunder", newcomer=True), person(3, "Blomster", "vaser")],
        2,
        [(1, Why.VETERAN, "", ""), (3, Why.VETERAN, "", "")],
    ),
    Case(
        "the newcomer bonus adds to a shared word",
        [
            person(1, "Kaffe", "en fotograf", newcomer=True),
            person(2, "Fotograf"),
            person(3, "Fotograf", newcomer=True),
        ],
        1,
        [(2, Why.THEY_OFFER, "fotograf", "fotograf"), (3, Why.THEY_OFFER, "fotograf", "fotograf")],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_suggestions(case: Case) -> None:
    found = suggest(case.people).get(case.member, ())
    assert [(s.user_id, s.reasons[0].why, s.reasons[0].wanted, s.reasons[0].offered) for s in found] == case.expected
    assert all(s.user_id != case.member for s in found)
    assert all(s.reasons and s.score > 0 for s in found)


def test_a_newcomer_note_follows_the_shared_word() -> None:
    people = [person(1, "Kaffe", "en fotograf", newcomer=True), person(2, "Fotograf")]
    (only,) = suggest(people)[1]
    assert [reason.why for reason in only.reasons] == [Why.THEY_OFFER, Why.VETERAN]


def test_the_score_is_the_same_both_ways() -> None:
    people = [person(1, "Webdesign og tekster", "regnskab"), person(2, "Regnskab", "webdesign"), person(3, "Te", "te")]
    table = suggest(people)
    assert table[1][0].score == table[2][0].score


def test_the_order_of_the_input_changes_nothing() -> None:
    people = [person(i, f"ydelse{i % 7} kaffe", f"ydelse{(i * 3) % 7} te", newcomer=i % 4 == 0) for i in range(1, 40)]
    expected = suggest(people)
    for seed in range(5):
        shuffled = people[:]
        random.Random(seed).shuffle(shuffled)
        assert suggest(shuffled) == expected
    assert all(len(found) <= SUGGESTIONS for found in expected.values())


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("regnskab", "Vi laver Regnskaber for små virksomheder", True),
        ("Regnskaber", "regnskab og bogføring", True),
        ("foto", "Fotograf på Møn", True),  # the start of a longer word
        ("regnskab", "regnskabshjælp til iværksættere", True),
        ("accountant", "Accounting for freelancers", True),
        ("regnskab fotograf", "Regnskaber", False),  # every word must be there
        ("it", "kvalitet i alt", False),  # a stop word alone: only as a whole word
        ("IT", "Hjælp med IT", True),
        ("keramik", "Blomster og vaser", False),
    ],
)
def test_search(query: str, text: str, found: bool) -> None:
    assert matches_search(query, text) is found


def test_words_drop_stop_words_numbers_and_repeats() -> None:
    assert [word.surface for word in words("Jeg laver 3 regnskaber og REGNSKAB for dig")] == ["laver", "regnskaber"]
    assert stems_of("regnskaber") == {"regnskab"}
