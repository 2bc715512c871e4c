"""Ranking benchmark: 100,000 postings, 20 keywords, against the prototype's way in the same run.

Baseline (the prototype): a pandas DataFrame of the postings; for each keyword,
`keyword.lower() in description.lower()` on every row; scores summed, sorted (score, then
posted date), the first 50 taken. It reads every description on every request (and its
substring test is not even the rule: `Java` matches `JavaScript`).

Ours: `Workspace.rank`, the call behind `POST /job-postings`, on a real SQLite database
in a temporary DATA_DIR, first page of 50 with the total:

- 1st ever: the first ranking of the user anywhere: nothing held, nothing stored (builds
  the user's index from their links, asks the search index for the 20 keywords in one
  statement, and stores both after answering);
- cold: the first ranking in a process that has not ranked for the user yet (a restart,
  another API process): it starts from the index and keyword sets another stored;
- warm: the same ranking again (what paging, re-sorting and tracking clicks cost);
- first after login: the first ranking of a session, once the login has prepared the
  index and the saved keywords in the background (`Services.warm_up`, after the login's
  response; a ranking that comes sooner waits for that same build);
- new keyword: a warm index, one keyword it has not seen;
- after ingest: an update run's batch (50 postings) stored, then the ranking (the
  postings version moved: the held index takes just the new postings, in their places);
  "cold" when this process holds no index and the stored one is behind;
- filtered: with a location, `sort=date` and a blocked company; the first such ranking
  reads the locations and companies, later ones are warm.

Every measurement is the median of `--repeat` runs. Then our results are checked against
`ranking.rank()` (the rule, over every posting): the same total and the same first page,
scores and matched keywords included.

Run: `uv run python benchmarks/ranking.py [--postings N] [--repeat R]` (about a minute and a
half with the defaults; most of it is generating and storing the postings).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from bench_support import generated_rows
from sqlalchemy import text

if TYPE_CHECKING:
    from dreamjobsearch.domain.postings import JobPosting
    from dreamjobsearch.search.ranker import RankPage
    from dreamjobsearch.services import Services
    from dreamjobsearch.workspace import Workspace

SECRET = "benchmark-secret-" + "x" * 40
KEYWORDS = [
    "Python",
    "Django",
    "PostgreSQL",
    "AWS",
    "Kubernetes",
    "Docker",
    "React",
    "TypeScript",
    "Java",
    "JavaScript",
    "C++",
    "C#",
    ".NET",
    "node.js",
    "machine learning",
    "Go",
    "Rust",
    "Kafka",
    "Terraform",
    "SQL",
]
PAGE = 50
STORE_BATCH = 2000
INGEST_BATCH = 50  # what an update run stores at once (pipeline.BATCH_SIZE)


def generated_postings(count: int) -> list[JobPosting]:
    """`count` postings from examples/generate_postings.py, as an import turns rows into them."""
    from dreamjobsearch.sources.files import parse_rows

    parsed = parse_rows(generated_rows(count, seed=11))
    assert not parsed.rejected, parsed.rejected[:3]
    return parsed.postings


def baseline(frame: pd.DataFrame, keywords: Sequence[str]) -> tuple[int, pd.DataFrame]:
    """The prototype's ranking: substring tests on every description, for every keyword."""
    scores = pd.Series(0, index=frame.index)
    for keyword in keywords:
        wanted = keyword.lower()
        scores += frame["description"].apply(lambda text, w=wanted: w in text.lower()).astype(int)
    ranked = frame.assign(score=scores)
    ranked = ranked[ranked["score"] > 0].sort_values(
        ["score", "posted_at"], ascending=False, na_position="last"
    )
    return len(ranked), ranked.head(PAGE)


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    """The median wall time of `work()`."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def median_seconds_async(
    work: Callable[[], Awaitable[RankPage]],
    repeat: int,
    before: Callable[[], Awaitable[None]],
) -> tuple[float, int]:
    """The median wall time of `await work()`, each run after `await before()` (untimed),
    and the total of the last page."""
    times = []
    total = 0
    for _ in range(repeat):
        await before()
        started = time.perf_counter()
        page = await work()
        times.append(time.perf_counter() - started)
        total = page.total
    return statistics.median(times), total


async def nothing() -> None:
    """No preparation."""


def settings(data_dir: Path) -> Any:
    """Settings in `data_dir` (SQLite there); no board is ever asked."""
    from dreamjobsearch.config import Settings

    return Settings(_env_file=None, data_dir=data_dir, jwt_secret=SECRET)


def check_against_rule(page: RankPage, postings: list[Any], keywords: Sequence[str]) -> str:
    """Compare our page with `ranking.rank()` over every posting; a line saying how it went."""
    from dreamjobsearch.domain.ranking import rank

    started = time.perf_counter()
    expected = rank(postings, keywords)
    seconds = time.perf_counter() - started
    ours = [(item.posting.id, item.score, item.matched_keywords) for item in page.items]
    rule = [(item.posting.id, item.score, item.matched_keywords) for item in expected[:PAGE]]
    if page.total != len(expected) or ours != rule:
        raise SystemExit(
            f"MISMATCH with ranking.rank(): total {page.total} vs {len(expected)}, "
            f"first page equal: {ours == rule}"
        )
    return (
        f"agrees with ranking.rank(): total {page.total:,} and the first {len(ours)} results"
        f" (ids, scores, matched keywords) identical; rank() itself took {seconds:.1f} s"
    )


async def run(count: int, repeat: int, check: bool) -> None:
    """Build the data, time both ways, check the results, print the table."""
    from dreamjobsearch.services import build_services

    started = time.perf_counter()
    postings = generated_postings(count + 2 * INGEST_BATCH * repeat)
    extra, postings = postings[count:], postings[:count]
    print(f"generated {count:,} postings in {time.perf_counter() - started:.1f} s")
    frame = pd.DataFrame(
        {
            "id": range(len(postings)),
            "title": [posting.title for posting in postings],
            "description": [posting.description for posting in postings],
            "posted_at": [posting.posted_at for posting in postings],
        }
    )
    baseline_seconds = median_seconds(lambda: baseline(frame, KEYWORDS), max(1, repeat // 3))
    baseline_total, _ = baseline(frame, KEYWORDS)

    with tempfile.TemporaryDirectory() as data_dir:
        services = await build_services(settings(Path(data_dir)))
        try:
            await measure(
                services, postings, extra, baseline_seconds, baseline_total, repeat, check
            )
        finally:
            await services.aclose()


async def measure(
    services: Services,
    postings: list[JobPosting],
    extra: list[JobPosting],
    baseline_seconds: float,
    baseline_total: int,
    repeat: int,
    check: bool,
) -> None:
    """Store the postings, time our rankings, check them, print the table."""
    user = await services.users.create("bench@example.com", "not-a-login")
    workspace = services.workspace_for(user.id, user.email)
    started = time.perf_counter()
    for start in range(0, len(postings), STORE_BATCH):
        await services.postings.store_for_user(user.id, postings[start : start + STORE_BATCH])
    stored = time.perf_counter() - started
    print(f"stored and indexed them in {stored:.1f} s ({len(postings) / stored:,.0f} postings/s)")

    ranker = services.workspace_services.ranker

    async def forget() -> None:
        # As a process that has not ranked for the user: the stored index is all it has.
        await ranker.aclose()
        services.workspace_services.rankings.clear()

    async def forget_everything() -> None:
        # As the first ranking ever: nothing held, nothing stored.
        await forget()
        async with services.engine.begin() as connection:
            await connection.execute(text("DELETE FROM ranking_snapshots"))

    async def first_page(ws: Workspace = workspace, **options: Any) -> RankPage:
        return await ws.rank(KEYWORDS, options.pop("location", None), PAGE, 0, **options)

    first_ever = await median_seconds_async(first_page, repeat, forget_everything)
    cold = await median_seconds_async(first_page, repeat, forget)
    warm = await median_seconds_async(first_page, repeat, nothing)
    await workspace.save_keywords(KEYWORDS)
    preparing: list[float] = []

    async def logged_in() -> None:
        # What a login does after its response: the index and saved keywords prepared.
        await forget()
        started = time.perf_counter()
        await services.warm_up(user.id)
        preparing.append(time.perf_counter() - started)

    after_login = await median_seconds_async(first_page, repeat, logged_in)
    novel = iter(f"keyword{n}" for n in range(repeat))

    async def with_new_keyword() -> RankPage:
        return await workspace.rank([*KEYWORDS[:-1], next(novel)], None, PAGE, 0)

    new_keyword = await median_seconds_async(with_new_keyword, repeat, nothing)
    batches = iter(extra[n : n + INGEST_BATCH] for n in range(0, len(extra), INGEST_BATCH))

    async def ingest() -> None:
        # The last ranking's index is stored in the background; a person does not rank
        # again within milliseconds, so that save is over before the next batch arrives.
        await ranker.aclose()
        await services.postings.store_for_user(user.id, next(batches, []))

    after_ingest = await median_seconds_async(first_page, repeat, ingest)

    async def ingest_elsewhere() -> None:
        # Another process stored a batch; this one holds no index, the stored one is behind.
        await ingest()
        await forget()

    ingest_stored = await median_seconds_async(first_page, repeat, ingest_elsewhere)
    await workspace.block_companies(["Kestrelgate"])

    async def filtered() -> RankPage:
        return await first_page(location="poland", sort="date")

    filtered_cold = await median_seconds_async(filtered, 1, nothing)
    filtered_warm = await median_seconds_async(filtered, repeat, nothing)
    await workspace.block_companies([])

    rows = [
        ("ours, 1st ever (nothing stored)", first_ever),
        ("ours, cold (index stored)", cold),
        ("ours, warm (index kept)", warm),
        ("ours, 1st after login (prepared)", after_login),
        ("ours, warm + one new keyword", new_keyword),
        ("ours, after a 50-posting ingest", after_ingest),
        ("ours, ingest, cold (stored behind)", ingest_stored),
        ("ours, location+date+block, 1st", filtered_cold),
        ("ours, location+date+block, warm", filtered_warm),
    ]
    print(f"\n{len(KEYWORDS)} keywords, first page of {PAGE} with the total, median of {repeat}")
    print(f"{'way':<36}{'time':>12}{'total':>10}{'speed-up':>11}")
    print(
        f"{'baseline: pandas, substring per row':<36}{baseline_seconds * 1000:>9.1f} ms"
        f"{baseline_total:>10,}{1:>10}x"
    )
    for name, (seconds, total) in rows:
        print(
            f"{name:<36}{seconds * 1000:>9.1f} ms{total:>10,}{baseline_seconds / seconds:>10.0f}x"
        )
    print("(the baseline's total differs: its substrings count Java inside JavaScript, etc.)")
    print(
        f"a login prepared the index and the {len(KEYWORDS)} saved keywords in "
        f"{statistics.median(preparing) * 1000:.0f} ms (median), after its response"
    )

    if not check:
        return
    from dreamjobsearch.domain.postings import StoredPosting

    page = await first_page()
    stored_postings: list[StoredPosting] = await services.postings.for_user(user.id)
    print(check_against_rule(page, stored_postings, KEYWORDS))


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=100_000, help="postings to rank")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument(
        "--no-check", action="store_true", help="skip the comparison with ranking.rank()"
    )
    args = parser.parse_args()
    asyncio.run(run(args.postings, args.repeat, not args.no_check))


if __name__ == "__main__":
    main()
