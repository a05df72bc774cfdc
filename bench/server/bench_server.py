#!/usr/bin/env python3
"""N concurrent streaming clients against OpenAI-compatible servers; prints one table.

For each model and each client count N it starts `causerie-cli serve` (--parallel N) and, with
--llama-server, llama.cpp's `llama-server` (-np N, -c ctx*N so each slot has the same context)
on the same file with the same threads, one server at a time, alternating (causerie, llama,
causerie, llama, ... --repeats times) because a shared machine's load changes from minute to
minute. Each run reports time to first byte (TTFB: request sent -> first content token, the
wait a user sees), decode tokens/s per client (completion tokens after the first / time between
first and last token) and aggregate tokens/s (all completion tokens of the round / its wall
time), each the median over --rounds rounds; the ratio column is causerie's aggregate over the
llama-server run just before it. Every run is printed, then the median ratio per row.

usage:
  bench_server.py --cli build/test/app/cli/causerie-cli --model M.gguf [--model M2.gguf]
                  [--clients 1,4] [--max-tokens 64] [--threads 2] [--ctx 2048] [--rounds 3]
                  [--repeats 2] [--llama-server /work/llama/native/bin/llama-server]
  bench_server.py --url http://127.0.0.1:8080/v1 [--clients 1,4]   (a server already running)
llama-server finds its libraries next to it (LD_LIBRARY_PATH is set to its folder).
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


def start(cmd, env=None, read_stdout=False):
    # An unread pipe would block a server that logs to it once its buffer is full.
    return subprocess.Popen(cmd, stdout=subprocess.PIPE if read_stdout else subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True, env=env)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()


def start_causerie(a, model, clients):
    p = start([a.cli, "serve", model, "--port", "0", "--threads", str(a.threads), "--ctx", str(a.ctx),
               "--parallel", str(clients), "--queue", "64"], read_stdout=True)
    found = re.match(r"listening on (\S+)", p.stdout.readline())
    if not found:
        stop(p)
        raise SystemExit("causerie-cli serve printed no URL")
    return found.group(1).rstrip("/"), p


def start_llama(a, model, clients):
    port = free_port()
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(os.path.abspath(a.llama_server)))
    p = start([a.llama_server, "-m", model, "-t", str(a.threads), "-tb", str(a.threads), "-c",
               str(a.ctx * clients), "-np", str(clients), "--port", str(port), "--host", "127.0.0.1"], env)
    return f"http://127.0.0.1:{port}/v1", p


def run_one(url, process, a, clients):
    """Measures one freshly started server; returns (ttfb_s, tok/s per client, aggregate tok/s)."""
    try:
        wait_healthy(url[:-3])
        mid = model_id(url)
        one_client(url, mid, 4, 0, [])   # warm-up: page the weights in
        return measure(url, mid, clients, a.max_tokens, a.rounds)
    finally:
        if process:
            stop(process)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli")
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--clients", default="1,4")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--llama-server")
    ap.add_argument("--url")
    a = ap.parse_args()
    counts = [int(x) for x in a.clients.split(",")]

    print(f"# {a.max_tokens} tokens per client, {a.threads} threads, context {a.ctx} per client, "
          f"median of {a.rounds} rounds per run", flush=True)
    print(f"| {'model':<32} | clients | {'server':<12} | run | TTFB ms | tok/s per client | aggregate tok/s "
          f"| ratio |")
    print(f"|{'-' * 34}|---------|{'-' * 14}|-----|---------|------------------|-----------------|-------|",
          flush=True)

    def row(model, n, label, run, fig, ratio=""):
        ttfb, decode, agg = fig
        print(f"| {os.path.basename(model)[:32]:<32} | {n:>7} | {label:<12} | {run:>3} | {ttfb * 1000:>7.0f} | "
              f"{decode:>16.1f} | {agg:>15.1f} | {ratio:>5} |", flush=True)

    if a.url:
        for n in counts:
            row(a.url, n, "server", 1, run_one(a.url.rstrip("/"), None, a, n))
        return
    summary = []
    for m in a.model:
        for n in counts:
            ratios = []
            for rep in range(1, a.repeats + 1):
                theirs = None
                if a.llama_server:
                    theirs = run_one(*start_llama(a, m, n), a, n)
                    row(m, n, "llama-server", rep, theirs)
                if a.cli:
                    ours = run_one(*start_causerie(a, m, n), a, n)
                    ratio = ours[2] / theirs[2] if theirs else None
                    if ratio:
                        ratios.append(ratio)
                    row(m, n, "causerie", rep, ours, f"{ratio:.2f}" if ratio else "")
            if ratios:
                summary.append((m, n, statistics.median(ratios)))
    if summary:
        print("\n| model | clients | causerie / llama-server aggregate tok/s (median of runs) |")
        print("|---|---|---|")
        for m, n, r in summary:
            print(f"| {os.path.basename(m)} | {n} | {r:.2f}x |")


if __name__ == "__main__":
    main()
