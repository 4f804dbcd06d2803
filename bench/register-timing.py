#!/usr/bin/env python3
"""Registration answers take the same time for a new and a known address (issue 6, no enumeration).

Usage: bench/register-timing.py URL ROUNDS
Against a server started on a database filled by `portcullis dev seed` (its users are the known
addresses) with `trusted_proxies = ["127.0.0.1/32"]`, so that each request can name its own client
address in X-Forwarded-For and the per-address throttle (20 an hour) does not end the run. Each round
posts one new and one known address, alternating which goes first; prints the median and the 90th
percentile of each kind and their difference. Talks only to 127.0.0.1; ROUNDS bounds the loop.
"""
import http.cookiejar, re, statistics, sys, time, urllib.parse, urllib.request

url, rounds = sys.argv[1], int(sys.argv[2])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
opener.open(url + "/register").read()
csrf = next(c.value for c in jar if c.name == "portcullis-csrf")

def post(email, n):
    data = urllib.parse.urlencode({"csrf": csrf, "email": email}).encode()
    request = urllib.request.Request(url + "/register", data=data,
                                     headers={"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"})
    started = time.perf_counter()
    with opener.open(request) as response:
        body = response.read().decode()
        status = response.status
    elapsed = time.perf_counter() - started
    assert status == 200 and "Check your email" in body, (status, body[:200])
    return elapsed

new, known = [], []
for i in range(rounds):
    pair = [("new", f"new{i}@register.example"), ("known", f"user{i}@org{i % 4}.example")]
    if i % 2:
        pair.reverse()
    for kind, email in pair:
        (new if kind == "new" else known).append(post(email, 2 * i + (kind == "known")))

def summary(xs):
    xs = sorted(xs)
    return statistics.median(xs) * 1000, xs[int(len(xs) * 0.9)] * 1000

for name, xs in (("new address", new), ("known address", known)):
    p50, p90 = summary(xs)
    print(f"{name}: {len(xs)} requests, p50 {p50:.2f} ms, p90 {p90:.2f} ms")
print(f"difference of medians: {(summary(known)[0] - summary(new)[0]):+.2f} ms")
