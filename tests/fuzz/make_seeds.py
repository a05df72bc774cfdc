#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (small valid inputs, a few KB each).

    tests/fuzz/make_seeds.py [CAUSERIE_CLI [FUZZ_KV_SNAPSHOT]]

The GGUF seeds with tensors come from `causerie-cli make-test-model` with the smallest shapes it
accepts (skipped when no CLI is given); the KV snapshots from the fuzz target itself
(build/fuzz/tests/fuzz/fuzz_kv_snapshot unless given; skipped when absent), which writes valid
snapshots of its tiny model, cut here into truncated copies; the vocabulary-only GGUF files, SSE
streams, conversation exports, Markdown answers, code blocks, texts, chat turns, HTML pages,
DOCX/ODT files and their XML parts, and chunker documents are written here. Re-running it
gives the same files.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- GGUF ------------------------------------------------------------------------------------
U32, I32, F32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9


def gstr(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, value):
    out = gstr(key) + struct.pack("<I", vtype)
    if vtype == STRING:
        return out + gstr(value)
    if vtype == U32:
        return out + struct.pack("<I", value)
    if vtype == F32:
        return out + struct.pack("<f", value)
    if vtype == BOOL:
        return out + struct.pack("<B", value)
    etype, items = value
    out += struct.pack("<IQ", etype, len(items))
    for it in items:
        out += gstr(it) if etype == STRING else struct.pack("<f" if etype == F32 else "<i", it)
    return out


def gguf(kvs):
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs)


def sentencepiece_vocab_gguf():
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] + \
             ["\u2581", "\u2581the", "\u2581a", "he", "llo", "\u2581hello", "\u2581world", "[INST]", "[/INST]"]
    types = [2, 3, 3] + [6] * 256 + [1] * 7 + [3, 3]
    scores = [0.0] * 259 + [-float(i) for i in range(9)]
    return gguf([
        kv("general.architecture", STRING, "llama"),
        kv("tokenizer.ggml.model", STRING, "llama"),
        kv("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
        kv("tokenizer.ggml.scores", ARRAY, (F32, scores)),
        kv("tokenizer.ggml.token_type", ARRAY, (I32, types)),
        kv("tokenizer.ggml.bos_token_id", U32, 1),
        kv("tokenizer.ggml.eos_token_id", U32, 2),
        kv("tokenizer.ggml.add_bos_token", BOOL, 1),
        kv("tokenizer.chat_template", STRING, "{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}"),
    ])


def gpt2_byte_char(b):
    printable = lambda c: 0x21 <= c <= 0x7E or 0xA1 <= c <= 0xAC or c >= 0xAE
    if printable(b):
        return chr(b)
    return chr(0x100 + sum(1 for c in range(b) if not printable(c)))


def bpe_vocab_gguf():
    tokens = [gpt2_byte_char(b) for b in range(256)] + ["<|im_start|>", "<|im_end|>", "he", "ll", "hell", "hello",
                                                        "\u0120w", "or", "\u0120wor", "ld", "\u0120world"]
    types = [1] * 256 + [3, 3] + [1] * 9
    merges = ["h e", "l l", "he ll", "hell o", "\u0120 w", "o r", "\u0120w or", "l d", "\u0120wor ld"]
    return gguf([
        kv("general.architecture", STRING, "llama"),
        kv("tokenizer.ggml.model", STRING, "gpt2"),
        kv("tokenizer.ggml.pre", STRING, "smollm"),
        kv("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
        kv("tokenizer.ggml.token_type", ARRAY, (I32, types)),
        kv("tokenizer.ggml.merges", ARRAY, (STRING, merges)),
        kv("tokenizer.ggml.bos_token_id", U32, 256),
        kv("tokenizer.ggml.eos_token_id", U32, 257),
        kv("tokenizer.chat_template", STRING,
           "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"),
    ])


def gguf_seeds(cli):
    put("gguf", "vocab-llama.gguf", sentencepiece_vocab_gguf())
    put("gguf", "vocab-gpt2.gguf", bpe_vocab_gguf())
    put("gguf", "header-only.gguf", gguf([kv("general.architecture", STRING, "llama")]))
    if not cli:
        return
    shapes = {
        "model-q8_0.gguf": ["--type", "Q8_0", "--layers", "1", "--embd", "32", "--heads", "1", "--kv-heads", "1",
                            "--ff", "32", "--vocab", "300", "--ctx", "64"],
        "model-q4_0-rope.gguf": ["--type", "Q4_0", "--layers", "1", "--embd", "32", "--heads", "2", "--kv-heads", "1",
                                 "--ff", "32", "--vocab", "300", "--ctx", "32", "--rope-factors", "1,2,4,8,1,2,4,8"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in shapes.items():
            out = os.path.join(tmp, name)
            subprocess.run([cli, "make-test-model", out] + args, check=True, stdout=subprocess.DEVNULL)
            with open(out, "rb") as f:
                put("gguf", name, f.read())


# ---- KV snapshots ------------------------------------------------------------------------------
def kv_snapshot_seeds(fuzzer):
    if not fuzzer or not os.path.exists(fuzzer):
        print("make_seeds: no fuzz_kv_snapshot (%s): KV snapshot seeds not written" % fuzzer, file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CAUSERIE_KV_SNAPSHOT_SEEDS=tmp)
        subprocess.run([fuzzer], env=env, check=True, stdout=subprocess.DEVNULL)
        files = {}
        for n in (0, 1, 20):
            with open(os.path.join(tmp, "tokens-%d.kv" % n), "rb") as f:
                files[n] = f.read()
    for n, data in files.items():
        put("kv_snapshot", "tokens-%d.kv" % n, data)
    # Truncations: inside the magic, the version, the strings, the counts; without the checksum;
    # one byte short; and a 20-token file cut in the middle of its rows.
    full = files[20]
    for cut in (5, 14, 30, 120, len(full) // 2, len(full) - 8, len(full) - 1):
        put("kv_snapshot", "tokens-20-cut-%d.kv" % cut, full[:cut])
    put("kv_snapshot", "tokens-1-cut-%d.kv" % (len(files[1]) - 1), files[1][:-1])
    put("kv_snapshot", "tokens-0-cut-%d.kv" % (len(files[0]) - 8), files[0][:-8])


# ---- texts for the tokenizers and chat templates ---------------------------------------------
TEXTS = {
    "plain": "Hello world, the quick brown fox.",
    "french": "Bonjour ! \u00c7a va tr\u00e8s bien \U0001f642 \u2019",
    "code": "int main() {\n    return 0;\t// ok\n}\n",
    "markers": "[INST] <s></s> <|im_start|>user\n<|eot_id|> <tool> [/INST]",
    "numbers": "12345 3.14159 1,000,000 0x1F",
    "cjk": "\u4f60\u597d\u4e16\u754c \u3053\u3093\u306b\u3061\u306f \ud55c\uad6d\uc5b4",
    "spaces": "  leading   and\n\n\ntrailing   \r\n",
}


def tokenizer_seeds():
    for name, text in TEXTS.items():
        put("sp_tokenizer", name + ".txt", b"\x01" + text.encode())
        put("bpe_tokenizer", name + ".txt", bytes([len(name) % 8]) + text.encode())


def chat_seeds():
    def turns(*ts):
        return b"\x00".join(bytes([r]) + c.encode() for r, c in ts)
    convo = turns((0, "You are brief."), (1, "Hi!"), (2, "Hello."), (1, TEXTS["french"]))
    for kind in range(6):
        put("chat_template", "kind%d-sp.bin" % kind, bytes([kind, 0]) + convo)
        put("chat_template", "kind%d-bpe.bin" % kind, bytes([kind, 1]) + convo)
    put("chat_template", "markers.bin", bytes([2, 1]) + turns((1, TEXTS["markers"])))
    put("chat_template", "role-text.bin", bytes([3, 1]) + b"\x03tool\x01result\x00\x01go")
    put("chat_template", "detect-chatml.bin", bytes([6, 1]) + b"{{'<|im_start|>system\\nYou are a helpful AI assistant named SmolLM'}}"
        + b"\x00" + convo)
    put("chat_template", "detect-llama3.bin", bytes([7, 1]) + b"<|start_header_id|>Cutting Knowledge Date: December 2023"
        + b" strftime_now\x00" + convo)


# ---- SSE -------------------------------------------------------------------------------------
def chunk(content, finish=None):
    return json.dumps({"id": "c1", "object": "chat.completion.chunk", "model": "mistral-small-latest",
                       "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]},
                      ensure_ascii=False)


def sse_seeds():
    seed = b"\x12\x34\x56\x78"
    mistral = "".join("data: %s\n\n" % chunk(c) for c in ["Bonjour", " !", " \u00c7a va", " \U0001f642"])
    mistral += "data: %s\n\ndata: [DONE]\n\n" % chunk("", "stop")
    put("sse", "mistral.txt", seed + mistral.encode())
    crlf = "\ufeff: keep-alive\r\nevent: message\r\nid: 7\r\ndata: {\"choices\":[{\"delta\":{\"reasoning_content\":\"Two\"}}]}\r\n\r\n"
    crlf += "retry: 100\rdata: a\rdata: b\r\r"
    put("sse", "crlf-bom.txt", seed + crlf.encode())
    err = 'event: error\ndata: {"error":{"message":"rate limited","type":"rate_limit"}}\n\ndata:\ndata\n\n:x\n'
    put("sse", "error.txt", b"\x00\x00\x00\x01" + err.encode())


# ---- conversation export ---------------------------------------------------------------------
def export_seeds():
    t = 1733500000000

    def msg(i, parent, role, content, **extra):
        m = {"id": i, "parent": parent, "role": role, "content": content, "status": "done",
             "created_at": t + i, "updated_at": t + i, "model": None, "backend": None, "prompt_tokens": None,
             "completion_tokens": None, "ttft_ms": None, "tokens_per_second": None, "finish_reason": None,
             "error_text": None}
        m.update(extra)
        return m

    conv = {"format": "causerie.conversation", "version": 1, "title": "Capitals", "created_at": t,
            "updated_at": t + 9, "pinned": False, "backend": "local", "model": "SmolLM2-135M-Instruct",
            "system_prompt": "Be brief.", "settings": {"temperature": 0.7}, "active_leaf": 4,
            "messages": [msg(1, None, "user", "What is the capital of France?"),
                         msg(2, 1, "assistant", "Paris.", model="SmolLM2-135M-Instruct", backend="local",
                             prompt_tokens=12, completion_tokens=3, ttft_ms=41.5, tokens_per_second=88.2,
                             finish_reason="stop"),
                         msg(3, 1, "assistant", "The capital is Paris.", status="interrupted"),
                         msg(4, 2, "user", "And of Italy? ```py\nprint('Rome')\n```")]}
    put("conversation_import", "branches.json", json.dumps(conv, indent=1, ensure_ascii=False))
    small = dict(conv, title="", pinned=True, active_leaf=None, settings={},
                 messages=[msg(1, None, "system", "sys"), msg(2, 1, "user", "\u00e9\U0001f642"),
                           msg(3, 2, "assistant", "", status="error", error_text="HTTP 500", reasoning="hmm")])
    put("conversation_import", "error-reasoning.json", json.dumps(small, ensure_ascii=False))
    put("conversation_import", "empty.json", json.dumps(dict(conv, messages=[], active_leaf=None)))


# ---- Markdown and code -----------------------------------------------------------------------
MARKDOWN = {
    "fences": "Here is code:\n\n```cpp\nint main() { return 0; }\n```\n\nAnd more:\n~~~~ python extra\nprint(1)\n~~~~\n",
    "lists": "- one\n- two\n\n  continued\n\n1. first\n2. second\n\n    indented code\n\n> quote\n\n# Title\n",
    "unterminated": "Streaming...\n\n```js\nconst x = `template ${y}`;\n``\n",
    "inline": "Use `a ``` b` and ![img](http://example.invalid/x.png) <img src=x> [link](https://example.invalid)\n",
}

CODE = {
    "cpp": (0, "#include <cstdio>\n// comment\nint main() { printf(\"%d\\n\", 42); /* x */ }\n"),
    "python": (2, "def f(x):\n    '''doc'''\n    return x ** 2  # sq\n"),
    "sh": (5, "for f in *.txt; do echo \"$f\" | grep -c 'x'; done\n"),
    "json": (7, "{\"a\": [1, 2.5, true, null], \"b\": \"\\u00e9\"}\n"),
    "html": (9, "<p class=\"x\">&amp; <!-- c --></p>\n"),
    "rust": (12, "fn main() { let s = r#\"raw\"#; println!(\"{}\", s); }\n"),
    "named": (255, "Perl\nmy $x = qr/a+b/; print \"$x\\n\";\n"),
    "unknown": (255, "no-such-language\nplain text\n"),
}


def text_seeds():
    for name, md in MARKDOWN.items():
        put("markdown", name + ".md", b"\x00\x00\x00\x07" + md.encode())
    for name, (pick, code) in CODE.items():
        put("code_highlighter", name + ".txt", bytes([pick, name == "python"]) + code.encode())


# ---- documents -------------------------------------------------------------------------------
HTML = {
    "page": "<!DOCTYPE html><html><head><title>T</title><style>p{x:1}</style></head><body>"
            "<h1>Intro</h1><p>Caf&eacute; &amp; th&eacute; &#233; &#x1F642; &bogus; a &lt; b</p>"
            "<!-- hidden --><script>var s = '</p>';</script><h2 class='x'>Next</h2>"
            "<ul><li>one</li><li>two<br>three</li></ul><table><tr><td>a</td><th>b</th></tr></table>"
            "<pre>  keep\n   spaces  </pre></body></html>",
    "broken": "<p>unclosed <b attr=\"never closed>text &amp <h3>heading without end <!-- comment",
    "entities": "&#0; &#xD800; &#x110000; &#65; &#x41; &nbsp;&hellip;&mdash; &&; & ; &#;",
}

DOCX_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Title</w:t></w:r></w:p>'
            '<w:p><w:r><w:t xml:space="preserve">Hello </w:t><w:tab/><w:t>world</w:t><w:br/></w:r></w:p>'
            '<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Part</w:t></w:r></w:p>'
            '<w:p><w:r><w:t>Caf\u00e9 &amp; th\u00e9</w:t></w:r></w:p></w:body></w:document>')

ODT_XML = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
           '<text:h text:outline-level="1">Title</text:h><text:p>Hello<text:s text:c="3"/>world<text:tab/>'
           'x<text:line-break/>y</text:p><text:p>Note<text:note><text:note-citation>1</text:note-citation>'
           '<text:note-body><text:p>body</text:p></text:note-body></text:note></text:p>'
           '<text:list><text:list-item><text:p>item</text:p></text:list-item></text:list>'
           '</office:text></office:body></office:document-content>')


def zipped(entries, compression=zipfile.ZIP_DEFLATED):
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def document_seeds():
    for name, html in HTML.items():
        put("html_extract", name + ".html", html)
    put("html_extract", "utf16.html", "\ufeff<p>UTF-16 &amp; BOM</p>".encode("utf-16-le"))
    # office_extract: byte 0 bit 0 = ODT, bit 1 = the rest is the XML part, not the whole file.
    docx_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    odt_mime = "application/vnd.oasis.opendocument.text"
    put("office_extract", "docx.bin", b"\x00" + zipped([("[Content_Types].xml", "<Types/>"),
                                                        ("word/document.xml", DOCX_XML)]))
    put("office_extract", "odt.bin", b"\x01" + zipped([("mimetype", odt_mime), ("content.xml", ODT_XML)],
                                                      zipfile.ZIP_STORED))
    put("office_extract", "docx-no-part.bin", b"\x00" + zipped([("mimetype", docx_mime)]))
    put("office_extract", "docx-xml.bin", b"\x02" + DOCX_XML.encode())
    put("office_extract", "odt-xml.bin", b"\x03" + ODT_XML.encode())
    # chunker: byte 0 odd = small chunk sizes; sections "page\x01heading\x01text" split by NUL.
    prose = ("First sentence here. Second one! A third? " * 3 + "\n\n") * 2
    put("chunker", "sections.bin", b"\x00" + b"\x00".join([
        b"p\x01Intro\x01" + prose.encode(),
        b"pp\x01\x01short\n \n\tpara\n\n\n",
        ("just text \u00e9\U0001f642 " * 5).encode()]))
    put("chunker", "small.bin", b"\x0b" + ("word " * 30 + "\u3002end.\n\nnext paragraph\n" +
                                         "\U0001f642" * 20 + "\nline\n").encode())


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else None
    kv_fuzzer = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        "build", "fuzz", "tests", "fuzz", "fuzz_kv_snapshot")
    gguf_seeds(cli)
    kv_snapshot_seeds(kv_fuzzer)
    tokenizer_seeds()
    chat_seeds()
    sse_seeds()
    export_seeds()
    text_seeds()
    document_seeds()


if __name__ == "__main__":
    main()
