#!/usr/bin/env python3
"""N concurrent streaming clients against an OpenAI-compatible server; prints a table.

For each model and each client count: time to first byte (TTFB: request sent -> first
content token, the wait a user sees), decode tokens/s per client (completion tokens after the
first / time between first and last token), and aggregate tokens/s (all completion tokens /
wall time of the round). Every number is the median over --rounds rounds.

By default it starts `causerie-cli serve` itself; --llama-server PATH also starts llama.cpp's
`llama-server` on the same file, threads and context for comparison (built separately, never
committed). --url measures a server that is already running.

usage:
  bench_server.py --cli build/test/app/cli/causerie-cli --model M.gguf [--model M2.gguf]
                  [--clients 1,4] [--max-tokens 64] [--threads 2] [--rounds 3]
                  [--llama-server PATH] [--url http://127.0.0.1:8080/v1]
Standard library only.
"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request

PROMPT = "Write a long story about a lighthouse keeper and the sea, with many details."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if urllib.request.urlopen(base + "/health", timeout=5).status == 200:
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{base}/health never answered 200")


def one_client(url, model, max_tokens, seed, out):
    """One streaming chat; appends (ttfb_s, decode_tok_s, completion_tokens, end_time)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": PROMPT}], "stream": True,
                       "max_tokens": max_tokens, "temperature": 0.7, "seed": seed,
                       "stream_options": {"include_usage": True}})
    t0 = time.perf_counter()
    conn.request("POST", u.path + "/chat/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:300]!r}")
    first = last = None
    pieces = 0
    usage = None
    for raw in resp:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"):
            usage = chunk["usage"]
        for c in chunk.get("choices", []):
            if (c.get("delta") or {}).get("content"):
                now = time.perf_counter()
                first = first or now
                last = now
                pieces += 1
    conn.close()
    tokens = usage["completion_tokens"] if usage else pieces
    decode = (tokens - 1) / (last - first) if first and last and last > first and tokens > 1 else float("nan")
    out.append(((first or time.perf_counter()) - t0, decode, tokens, time.perf_counter()))


def measure(url, model, clients, max_tokens, rounds):
    ttfb, decode, aggregate = [], [], []
    for r in range(rounds):
        results = []
        threads = [threading.Thread(target=one_client, args=(url, model, max_tokens, 1000 * r + i, results))
                   for i in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if len(results) != clients:
            raise RuntimeError("a client failed")
        wall = max(x[3] for x in results) - t0
        ttfb += [x[0] for x in results]
        decode += [x[1] for x in results]
        aggregate.append(sum(x[2] for x in results) / wall)
    return statistics.median(ttfb), statistics.median(decode), statistics.median(aggregate)


def model_id(url):
    with urllib.request.urlopen(url + "/models", timeout=30) as r:
        return json.load(r)["data"][0]["id"]


def start(cmd):
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli")
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--clients", default="1,4")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--llama-server")
    ap.add_argument("--url")
    a = ap.parse_args()
    counts = [int(x) for x in a.clients.split(",")]

    servers = []   # (label, model file, url, process or None)
    if a.url:
        servers.append(("server at " + a.url, "-", a.url.rstrip("/"), None))
    for m in a.model:
        if a.cli:
            p = start([a.cli, "serve", m, "--port", "0", "--threads", str(a.threads), "--ctx", str(a.ctx),
                       "--queue", "64"])
            found = re.match(r"listening on (\S+)", p.stdout.readline())
            if not found:
                raise SystemExit("causerie-cli serve printed no URL")
            servers.append(("causerie", m, found.group(1), p))
        if a.llama_server:
            port = free_port()
            p = start([a.llama_server, "-m", m, "-t", str(a.threads), "-c", str(a.ctx * max(counts)),
                       "-np", str(max(counts)), "--port", str(port), "--host", "127.0.0.1"])
            servers.append(("llama-server", m, f"http://127.0.0.1:{port}/v1", p))

    print(f"# {a.max_tokens} tokens per client, {a.threads} threads, median of {a.rounds} rounds")
    print(f"| {'server':<14} | {'model':<34} | clients | TTFB ms | tok/s per client | aggregate tok/s |")
    print(f"|{'-' * 16}|{'-' * 36}|---------|---------|------------------|-----------------|")
    try:
        for label, m, url, _ in servers:
            wait_healthy(url[:-3])
            mid = model_id(url)
            one_client(url, mid, 4, 0, [])   # warm-up: page the weights in
            for n in counts:
                ttfb, decode, agg = measure(url, mid, n, a.max_tokens, a.rounds)
                print(f"| {label:<14} | {os.path.basename(m)[:34]:<34} | {n:>7} | {ttfb * 1000:>7.0f} | "
                      f"{decode:>16.1f} | {agg:>15.1f} |", flush=True)
    finally:
        for *_, p in servers:
            if p:
                stop(p)


if __name__ == "__main__":
    main()
