"""Measure the speed of :func:`argmine.segment.split_sentences` on article-like text.

A benchmark, not a test: it builds about ``--megabytes`` of news text (headlines,
bylines, captions with photo credits, quotes, boilerplate) and prints characters per
second, best of ``--repeat`` runs.

Example:
    $ python scripts/bench_segment.py --megabytes 1 --repeat 3
"""

from __future__ import annotations

import argparse
import time

from argmine.segment import split_sentences

PARAGRAPHS = (
    "Shelling Resumes Near Front Line as Talks Stall\n"
    "By Jane Doe and John Roe, Reuters\n"
    "Updated 6:40 a.m. GMT, Mon. March 4, 2024\n\n",
    "KYIV (Reuters) - Russian forces fired 34 drones and 3 missiles at Ukraine overnight, "
    "the air force said on Monday. Lt. Col. Yuriy Ihnat said 28 of the drones were shot "
    "down near the U.S.-funded power plant at about 3.30 a.m.\u00a0local time.\n\n",
    "\u201cThe city is on fire.\u201d The mayor, who asked that his name not be used, "
    "said rescuers had pulled 12 people from the rubble... Others were still missing.\n",
    "A firefighter works at the site of a strike in Odesa. (Nina Lyashonok / AFP - Getty "
    "Images)\n",
    "Advertisement\n\nShare this article\n",
    "Gen. Valery Gerasimov visited troops in the Donetsk region, the Defence Ministry "
    "said, but gave no details. The visit could not be independently verified; Kyiv "
    "did not comment.\r\n\r\n",
    "Dr. Amal Haddad, who runs a clinic in Gaza City, said supplies ran out on Jan. 5. "
    "\u201cWe have nothing left\u2026 nothing,\u201d she said by phone. Read more at "
    "www.example.org/gaza or write to desk@example.org.\n\n",
    "Smoke rises over Khan Younis, seen from Rafah [Mohammed Salem/Reuters]\n",
    "Is a ceasefire possible? Diplomats in Doha think so! About 1,200 people fled the "
    "town on Tuesday (including 300 children), officials said.\n\n",
)


def article_text(n_chars: int) -> str:
    """Return about ``n_chars`` characters of repeated, varied news paragraphs.

    Example:
        >>> len(article_text(10_000)) >= 10_000
        True
    """
    block = "".join(PARAGRAPHS)
    text = block * (n_chars // len(block) + 1)
    return text[: text.rfind("\n", 0, n_chars) + 1] or text


def best_rate(text: str, repeat: int) -> tuple[float, int]:
    """Return (characters per second, number of spans) for the fastest of ``repeat`` runs."""
    best = float("inf")
    n_spans = 0
    for _ in range(repeat):
        start = time.perf_counter()
        n_spans = len(split_sentences(text))
        best = min(best, time.perf_counter() - start)
    return len(text) / best, n_spans


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the speed.

    Example:
        >>> main(["--megabytes", "0.01", "--repeat", "1"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0,
                        help="size of the generated text in millions of characters")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest counts")
    args = parser.parse_args(argv)
    text = article_text(int(args.megabytes * 1_000_000))
    rate, n_spans = best_rate(text, args.repeat)
    print(f"{len(text):,} chars, {n_spans:,} spans, best of {args.repeat}: "
          f"{rate:,.0f} chars/s ({rate / 1e6:.2f} MB/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
