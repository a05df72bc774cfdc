#!/usr/bin/env python3
"""The official `openai` Python SDK (from PyPI) against `causerie-cli serve`.

Set-up: creates VENV with `python3 -m venv` and `pip install openai` (once; reused after).
When PyPI cannot be reached the test is skipped (exit status 77, the reason printed).
Then reruns itself inside the venv, starts the server on a free loopback port with a key,
and checks what a client nobody here wrote sees: the model list, non-streaming and streaming
chat (the joined stream equals the non-streaming answer at temperature 0 with a seed), usage
numbers, stop strings, legacy completions, 401 with a wrong key, 400 with its param, 404 for
an unknown model. Exits 0 when all pass, 1 with the first failure otherwise.

usage: openai_sdk_test.py --cli CAUSERIE_CLI --model MODEL.gguf --venv DIR
"""
import argparse
import os
import re
import signal
import subprocess
import sys

SKIP = 77
KEY = "sdk-test-key"


def ensure_venv(venv):
    python = os.path.join(venv, "bin", "python")
    probe = [python, "-c", "import openai"]
    if os.path.exists(python) and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    made = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True)
    if made.returncode != 0:
        sys.exit("cannot create the virtual environment (is python3-venv installed? scripts/setup.sh "
                 "installs it):\n" + made.stderr)
    pip = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          "--timeout", "30", "openai"], capture_output=True, text=True)
    if pip.returncode != 0:
        tail = "\n".join((pip.stderr or pip.stdout).strip().splitlines()[-3:])
        print("SKIP: cannot install the openai SDK from PyPI (unreachable?):\n" + tail)
        sys.exit(SKIP)
    return python


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run_checks(base_url, model_id):
    import openai
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=120)
    ids = [m.id for m in client.models.list().data]
    check(ids == [model_id], f"models.list: {ids}")

    messages = [{"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Say something about the sea."}]
    params = dict(model=model_id, messages=messages, temperature=0, seed=11, max_tokens=16)
    plain = client.chat.completions.create(**params)
    answer = plain.choices[0].message.content
    check(answer, "non-streaming answer is empty")
    check(plain.choices[0].message.role == "assistant", "role")
    check(plain.object == "chat.completion", plain.object)
    u = plain.usage
    check(u.prompt_tokens > 0 and u.completion_tokens > 0, f"usage {u}")
    check(u.total_tokens == u.prompt_tokens + u.completion_tokens, f"usage total {u}")
    if plain.choices[0].finish_reason == "length":
        check(u.completion_tokens == 16, f"length with {u.completion_tokens} tokens")

    chunks = list(client.chat.completions.create(**params, stream=True, stream_options={"include_usage": True}))
    joined = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(joined == answer, f"stream {joined!r} != non-stream {answer!r}")
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    check(finishes == [plain.choices[0].finish_reason], f"finish reasons {finishes}")
    check(chunks[-1].usage is not None and not chunks[-1].choices, "the last chunk carries the usage")
    check(chunks[-1].usage.completion_tokens == u.completion_tokens and
          chunks[-1].usage.prompt_tokens == u.prompt_tokens, f"stream usage {chunks[-1].usage} vs {u}")

    check(len(answer) > 6, f"answer too short for the stop test: {answer!r}")
    stop = answer[len(answer) // 2:len(answer) // 2 + 3]
    expected = answer[:answer.index(stop)]
    for s in (stop, ["\u0001never", stop]):
        r = client.chat.completions.create(**params, stop=s)
        check(r.choices[0].message.content == expected,
              f"stop {s!r}: {r.choices[0].message.content!r} != {expected!r}")
        check(r.choices[0].finish_reason == "stop", f"stop finish {r.choices[0].finish_reason}")

    c = client.completions.create(model=model_id, prompt="Once upon a time", max_tokens=5, temperature=0)
    check(c.choices[0].text and c.usage.completion_tokens <= 5, f"completion {c}")
    streamed = "".join(x.choices[0].text for x in client.completions.create(
        model=model_id, prompt="Once upon a time", max_tokens=5, temperature=0, stream=True) if x.choices)
    check(streamed == c.choices[0].text, f"completion stream {streamed!r} != {c.choices[0].text!r}")

    bad = OpenAI(base_url=base_url, api_key="wrong-key", max_retries=0)
    try:
        bad.models.list()
        check(False, "a wrong key was accepted")
    except openai.AuthenticationError as e:
        check(e.status_code == 401, f"wrong key: {e.status_code}")

    for field, value in (("temperature", 5), ("n", 2), ("presence_penalty", 1.0)):
        try:
            client.chat.completions.create(**{**params, field: value})
            check(False, f"{field}={value} was accepted")
        except openai.BadRequestError as e:
            check(e.status_code == 400 and e.param == field, f"{field}: {e.status_code} param={e.param}")

    try:
        client.chat.completions.create(**{**params, "model": "gpt-4o"})
        check(False, "an unknown model was accepted")
    except openai.NotFoundError as e:
        check(e.status_code == 404, f"unknown model: {e.status_code}")
    print(f"openai {openai.__version__}: all checks passed ({len(chunks)} chunks, answer {answer!r})")


def inside(args):
    env = dict(os.environ)
    env.pop("CAUSERIE_SERVER_KEY", None)
    server = subprocess.Popen([args.cli, "serve", args.model, "--port", "0", "--api-key", KEY, "--ctx", "512",
                               "--threads", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = server.stdout.readline()
        m = re.match(r"listening on (http://\S+/v1) \(model (\S+)\)", line)
        check(m, f"no URL from serve: {line!r} {server.stderr.read() if server.poll() is not None else ''}")
        base_url, model_id = m.group(1), m.group(2)
        import time
        import urllib.request
        for _ in range(600):   # the model loads in the background: /health says when
            try:
                if urllib.request.urlopen(base_url[:-3] + "/health", timeout=5).status == 200:
                    break
            except Exception:
                time.sleep(0.1)
        run_checks(base_url, model_id)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    check(code == 0, f"serve exited with {code} after SIGTERM")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--venv", required=True)
    p.add_argument("--inside", action="store_true")
    args = p.parse_args()
    if args.inside:
        try:
            inside(args)
        except AssertionError as e:
            print(f"FAIL: {e}")
            sys.exit(1)
        return
    python = ensure_venv(args.venv)
    sys.exit(subprocess.run([python, os.path.abspath(__file__), "--inside", "--cli", args.cli, "--model", args.model,
                             "--venv", args.venv]).returncode)


if __name__ == "__main__":
    main()
