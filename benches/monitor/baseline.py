#!/usr/bin/env python3
"""The monitor benchmark's Python baseline: fetch and extract the same URLs as monitor_bench.

Usage: baseline.py BASE_URL NURLS [--procs 2] [--concurrency 64] [--pages 500] [--show]

URL k is BASE_URL/page-{k % pages}.html?u={k // pages}, as in crates/app/examples/monitor_bench.rs.
The URLs are dealt round-robin to --procs processes (so the GIL caps each process, not the run),
each an asyncio loop with one aiohttp session whose pool holds its share of --concurrency
connections. Every page is parsed with selectolax (lexbor) for the elements
crates/monitor/src/extract.rs reads: title, meta description, robots metas, canonical (and how
many), hreflang alternates, og:title and og:description, h1s, the SHA-256 of the visible text;
plus the count of internal and external links.

Prints one markdown row with the columns of monitor_bench's table: checks, wall time, checks/s,
CPU seconds per 1,000 checks (user + system of the worker processes while they check, from
getrusage), p50 and p99 of one check (request sent to extraction done) and the peak RSS summed
over the workers. --show prints the first URL's extraction as JSON instead, to compare with Rust.
"""

import argparse
import array
import asyncio
import hashlib
import json
import multiprocessing as mp
import resource
import sys
import time
from urllib.parse import urljoin, urlsplit

import aiohttp
from selectolax.lexbor import LexborHTMLParser

HIDDEN = ["script", "style", "noscript", "template", "title"]
ROBOTS_NAMES = ("robots", "googlebot")


def collapse(s):
    return " ".join(s.split())


def extract(body, page_url):
    tree = LexborHTMLParser(body)
    out = {
        "title": None,
        "meta_description": None,
        "meta_robots": None,
        "canonical": None,
        "canonical_count": 0,
        "hreflang": {},
        "h1": [],
        "og_title": None,
        "og_description": None,
        "links_internal": 0,
        "links_external": 0,
        "text_hash": "",
    }
    base_el = tree.css_first("base[href]")
    base = urljoin(page_url, base_el.attributes["href"].strip()) if base_el else page_url
    title = tree.css_first("title")
    if title is not None:
        out["title"] = collapse(title.text())
    robots = []
    for m in tree.css("meta[content]"):
        a = m.attributes
        key = (a.get("name") or a.get("property") or "").strip().lower()
        content = a.get("content") or ""
        if key == "description" and out["meta_description"] is None:
            out["meta_description"] = collapse(content)
        elif key == "og:title" and out["og_title"] is None:
            out["og_title"] = collapse(content)
        elif key == "og:description" and out["og_description"] is None:
            out["og_description"] = collapse(content)
        elif key in ROBOTS_NAMES:
            robots.append(collapse(content))
    if robots:
        out["meta_robots"] = ", ".join(robots)
    for link in tree.css("link[rel][href]"):
        rels = (link.attributes.get("rel") or "").lower().split()
        href = link.attributes.get("href") or ""
        if "canonical" in rels:
            out["canonical_count"] += 1
            if out["canonical"] is None:
                out["canonical"] = urljoin(base, href.strip())
        lang = (link.attributes.get("hreflang") or "").strip().lower()
        if "alternate" in rels and lang:
            out["hreflang"].setdefault(lang, urljoin(base, href.strip()))
    out["h1"] = [t for t in (collapse(h.text()) for h in tree.css("h1")) if t]
    host = urlsplit(page_url).netloc
    for a in tree.css("a[href]"):
        target = urljoin(base, (a.attributes.get("href") or "").strip())
        if urlsplit(target).netloc == host:
            out["links_internal"] += 1
        else:
            out["links_external"] += 1
    # Visible text as extract.rs hashes it: hidden elements dropped, every text node's words
    # joined by single spaces, entities decoded (lexbor decodes them while parsing).
    tree.strip_tags(HIDDEN)
    root = tree.root
    text = root.text(separator=" ") if root is not None else ""
    out["text_hash"] = hashlib.sha256(collapse(text).encode()).hexdigest()
    return out


def url_of(base, pages, k):
    return f"{base}/page-{k % pages}.html?u={k // pages}"


async def check_all(base, pages, ks, connections, started):
    latencies = array.array("d")
    errors = 0
    it = iter(ks)
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=0)
    # The Rust monitor gives a check 10 s (OSX-TIMEOUT-10S).
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker():
            nonlocal errors
            for k in it:
                url = url_of(base, pages, k)
                t0 = time.perf_counter()
                try:
                    async with session.get(url) as r:
                        body = await r.read()
                        ok = r.status == 200
                    if ok:
                        extract(body, url)
                        latencies.append(time.perf_counter() - t0)
                    else:
                        errors += 1
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    errors += 1

        # Wait for the parent's start signal off the loop thread, so that every process starts
        # at once and the wall clock covers the same window for all of them. CPU counts from
        # there: interpreter start-up and imports are not checks, as monitor_bench's seeding is not.
        await asyncio.get_running_loop().run_in_executor(None, started.wait)
        cpu0 = cpu_now()
        await asyncio.gather(*(worker() for _ in range(connections)))
        cpu = cpu_now() - cpu0
    return latencies, errors, cpu


def cpu_now():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(i, procs, base, nurls, pages, connections, ready, started, results):
    ks = range(i, nurls, procs)
    ready.release()
    lat, err, cpu = asyncio.run(check_all(base, pages, ks, connections, started))
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results.put((lat.tobytes(), err, cpu, maxrss_kb))


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    i = round((len(sorted_values) - 1) * p)
    return sorted_values[min(i, len(sorted_values) - 1)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base_url")
    p.add_argument("nurls", type=int)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=64, help="connections in all, split over the processes")
    p.add_argument("--pages", type=int, default=500)
    p.add_argument("--show", action="store_true", help="print the first URL's extraction and stop")
    a = p.parse_args()
    base = a.base_url.rstrip("/")

    if a.show:
        async def one():
            url = url_of(base, a.pages, 0)
            async with aiohttp.ClientSession() as s, s.get(url) as r:
                return extract(await r.read(), url)
        print(json.dumps(asyncio.run(one()), ensure_ascii=False, indent=2))
        return

    procs = max(1, a.procs)
    per_proc = max(1, a.concurrency // procs)
    ctx = mp.get_context("fork")
    ready = ctx.Semaphore(0)
    started = ctx.Event()
    results = ctx.Queue()
    workers = [
        ctx.Process(target=child, args=(i, procs, base, a.nurls, a.pages, per_proc, ready, started, results))
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    for _ in workers:
        ready.acquire()
    t0 = time.perf_counter()
    started.set()
    got = [results.get() for _ in workers]
    wall = time.perf_counter() - t0
    for w in workers:
        w.join()

    latencies = array.array("d")
    errors = 0
    cpu = 0.0
    rss_kb = 0
    for raw, err, c, kb in got:
        latencies.frombytes(raw)
        errors += err
        cpu += c
        rss_kb += kb
    checks = len(latencies)
    times = sorted(latencies)
    whole = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"{checks} checks, {errors} errors; workers' CPU with start-up: "
        f"{whole.ru_utime + whole.ru_stime:.1f} s",
        file=sys.stderr,
    )
    print("| run | checks | wall | checks/s | CPU s per 1,000 checks | check p50 | check p99 | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| Python {sys.version_info.major}.{sys.version_info.minor}, aiohttp + selectolax, "
        f"{procs} processes × {per_proc} connections | {checks} | {wall:.1f} s | {checks / wall:.0f} | "
        f"{cpu / max(checks, 1) * 1000:.3f} | {percentile(times, 0.5) * 1000:.1f} ms | "
        f"{percentile(times, 0.99) * 1000:.1f} ms | {rss_kb / 1024:.0f} MB |"
    )
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
