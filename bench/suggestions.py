"""The "worth meeting" benchmark: the suggestions for N going members with profiles, without the DMs' pacing.

What the round does before its first DM (``cogs/profiles/_suggestions.py``), timed step by step on a real SQLite file
with the real migrations: read the profiles of the members going (``db.profiles.going``), turn them into candidates
(``bot.profiles.candidate``), match them (``bot.matching.suggest``: both stemmers, IDF, scores) and write every DM's
text in its member's language (``bot.profiles.suggestion_text``). Sending is left out: the DM pacer sends 4 per second
whatever the computation costs.

The profiles are synthetic but shaped like real ones: an offer and a looking-for of up to 300 characters each, in
Danish or English, drawn (with a fixed seed) from ~90 Danish and ~80 English service words, so words repeat across
members as they do in a network (more than in a real one: the matching has more pairs to weigh). Each repeat starts
with the stemmer's cache empty (a freshly started bot), so the first match pays for every stem.

Run from the repository root::

    python -m bench.suggestions                    # N = 300, five repeats
    python -m bench.suggestions --n 100 --n 1000   # any sizes
    python -m bench.suggestions --target 1.0       # exit 1 if a repeat takes longer (seconds)

The exit status is 1 if any repeat exceeds the target, or a member going with a profile got no DM text.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import default_catalogue
from bot.matching import stems_of, suggest
from bot.meetings import MeetingFormat
from bot.profiles import DEFAULT_TRADES, TEXT_MAX, Profile, candidate, suggestion_text
from bot.rsvp import RsvpState
from db import meetings, members, profiles, rsvps
from db.database import Database

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
GUILD = 1


def _listed(words: str) -> list[str]:
    return words.split()


DANISH = _listed(
    "bogføring regnskab årsregnskab løn moms revisor skat budget likviditet fakturering bogholder rådgivning strategi "
    "ledelse coaching kursus undervisning foredrag hjemmeside webshop webdesign grafik logo tryk skilte fotograf "
    "fotografering video film tekster oversættelse markedsføring annoncer nyhedsbrev sociale medier salg kunder "
    "butik gaveartikler keramik smykker tøj strik møbler snedker tømrer murer maler elektriker vvs tag vinduer "
    "køkken byggeri renovering haveanlæg gartner blomster kaffe kager bageri catering restaurant café mad vin øl "
    "overnatning ferielejlighed turisme guide cykeludlejning massage fysioterapi yoga frisør hudpleje sundhed "
    "rengøring vinduespudsning transport levering lager it-support netværk computere software apps data sikkerhed"
)
ENGLISH = _listed(
    "bookkeeping accounting payroll tax budget invoicing advice strategy leadership coaching courses training talks "
    "website webshop design graphics logo printing signs photographer photography video film copywriting translation "
    "marketing ads newsletter social media sales customers shop gifts ceramics jewellery clothes furniture carpenter "
    "builder painter electrician plumbing roofing kitchen construction renovation garden flowers coffee cakes bakery "
    "catering restaurant food wine beer accommodation holiday tourism guide bikes massage physiotherapy yoga "
    "hairdresser skincare health cleaning transport delivery storage support network computers software apps data"
)
DANISH_GLUE = _listed("og til for med i på af en et at jeg vi der som")
ENGLISH_GLUE = _listed("and for with in on of a an the to we our who")


def text(rng: random.Random, danish: bool) -> str:
    """Up to 300 characters of services in one language, with the little words people write between them."""
    words, glue = (DANISH, DANISH_GLUE) if danish else (ENGLISH, ENGLISH_GLUE)
    parts: list[str] = []
    while len(" ".join(parts)) < TEXT_MAX - 20:
        parts.append(rng.choice(words) if rng.random() < 0.6 else rng.choice(glue))
    return " ".join(parts)[:TEXT_MAX].capitalize()


async def prepare(db: Database, count: int, rng: random.Random) -> int:
    """N members going, each with a profile and a language; a quarter of them newcomers. Returns the meeting's id."""
    new = meetings.NewMeeting(
        GUILD, NOW + timedelta(days=1), ZoneInfo("Europe/Copenhagen"), MeetingFormat.GROWTH, "Biblioteket", 1
    )
    meeting = await meetings.create_meeting(db, new, NOW)
    joins = [(user_id, NOW - timedelta(days=rng.choice((20, 400))), f"Medlem {user_id}") for user_id in range(count)]
    await members.record_joins(db, GUILD, joins, NOW)
    for user_id in range(count):
        danish = rng.random() < 0.7
        await members.remember_language(db, GUILD, user_id, "da" if danish else "en", NOW)
        await rsvps.answer(db, meeting.id, user_id, RsvpState.GOING, NOW)
        profile = Profile(
            user_id,
            f"Firma {user_id}",
            rng.choice(DEFAULT_TRADES),
            None,
            text(rng, danish),
            text(rng, danish if rng.random() < 0.8 else not danish),
        )
        await profiles.save(db, GUILD, profile, NOW)
    return meeting.id


async def measure(count: int, repeats: int, target: float) -> bool:
    catalogue = default_catalogue()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="bench-suggestions-") as folder:
        db = Database(Path(folder) / "bot.sqlite3")
        await db.open()
        await db.migrate()
        meeting_id = await prepare(db, count, rng)
        languages = await members.languages(db, GUILD, list(range(count)))
        totals = []
        ok = True
        for repeat in range(1, repeats + 1):
            stems_of.cache_clear()  # a freshly started bot
            started = time.perf_counter()
            going = (await profiles.going(db, GUILD, meeting_id)).profiles
            read = time.perf_counter()
            candidates = [candidate(profile, NOW - timedelta(days=120), catalogue) for profile in going]
            built = time.perf_counter()
            table = suggest(candidates)
            matched = time.perf_counter()
            by_id = {profile.user_id: profile for profile in going}
            texts = [
                suggestion_text(
                    "tirsdag 1. december 2026 17:30", table.get(p.user_id, ()), by_id, languages[p.user_id], catalogue
                )
                for p in going
            ]
            done = time.perf_counter()
            total = done - started
            totals.append(total)
            reached = sum(1 for p in going if p.user_id in table)
            ok &= total < target and len(texts) == count
            print(
                f"N={count} repeat {repeat}: total {total * 1000:.0f} ms (read {1000 * (read - started):.0f}, "
                f"candidates {1000 * (built - read):.0f}, match {1000 * (matched - built):.0f}, "
                f"texts {1000 * (done - matched):.0f}); {reached}/{count} with someone worth meeting, "
                f"{sum(len(s) for s in table.values())} suggestions, {stems_of.cache_info().currsize} words stemmed"
            )
        await db.close()
    print(
        f"N={count}: median {statistics.median(totals) * 1000:.0f} ms, worst {max(totals) * 1000:.0f} ms "
        f"(target {target * 1000:.0f} ms) — {'ok' if ok else 'FAILED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="going members with profiles (repeatable)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target", type=float, default=1.0, help="seconds allowed per repeat")
    options = parser.parse_args()
    results = [asyncio.run(measure(count, options.repeat, options.target)) for count in options.n or [300]]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
