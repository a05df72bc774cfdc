#!/usr/bin/env python3
"""Vocabulary-only GGUFs for tests/data/vocab/ (like llama.cpp's ggml-vocab-*.gguf: the
tokenizer's metadata and no tensors), written with gguf-py from the real tokenizers the tests
already hold:

  mistral-v0.1.gguf  from tests/data/mistral-v0.1-tokenizer.model (sentencepiece; its pieces,
                     scores and types as they are in the .model)
  smollm2-135m.gguf  from SmolLM2-135M-Instruct.Q4_1.gguf's tokenizer.ggml.* keys (byte-level BPE,
                     pre-tokenizer "smollm"; scripts/fetch-default-model.sh fetches that file)

Use (numpy and sentencepiece in a venv; gguf-py from llama.cpp's source):
  PYTHONPATH=$LLAMA/gguf-py python scripts/golden/make_vocab_gguf.py \
      tests/data/mistral-v0.1-tokenizer.model ~/.local/share/Causerie/models/SmolLM2-135M-Instruct.Q4_1.gguf \
      tests/data/vocab
"""
import os
import sys

import gguf
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2


def mistral(model_path, out):
    proto = sp_pb2.ModelProto()
    with open(model_path, "rb") as f:
        proto.ParseFromString(f.read())
    sp = spm.SentencePieceProcessor(model_file=model_path)
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("Mistral 7B v0.1 vocabulary")
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list([p.piece.encode("utf-8") for p in proto.pieces])
    w.add_token_scores([p.score for p in proto.pieces])
    w.add_token_types([int(p.type) for p in proto.pieces])   # sentencepiece's numbering is GGUF's
    w.add_bos_token_id(sp.bos_id())
    w.add_eos_token_id(sp.eos_id())
    w.add_unk_token_id(sp.unk_id())
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(proto.normalizer_spec.add_dummy_prefix)
    finish(w)


def smollm2(gguf_path, out):
    r = gguf.GGUFReader(gguf_path)
    f = r.fields
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("SmolLM2 135M vocabulary")
    w.add_tokenizer_model(f["tokenizer.ggml.model"].contents())
    w.add_tokenizer_pre(f["tokenizer.ggml.pre"].contents())
    w.add_token_list(f["tokenizer.ggml.tokens"].contents())
    w.add_token_types(f["tokenizer.ggml.token_type"].contents())
    w.add_token_merges(f["tokenizer.ggml.merges"].contents())
    w.add_bos_token_id(f["tokenizer.ggml.bos_token_id"].contents())
    w.add_eos_token_id(f["tokenizer.ggml.eos_token_id"].contents())
    for key, add in (("tokenizer.ggml.unknown_token_id", w.add_unk_token_id),
                     ("tokenizer.ggml.padding_token_id", w.add_pad_token_id),
                     ("tokenizer.ggml.add_bos_token", w.add_add_bos_token),
                     ("tokenizer.chat_template", w.add_chat_template)):
        if key in f:
            add(f[key].contents())
    finish(w)


def finish(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    os.makedirs(sys.argv[3], exist_ok=True)
    mistral(sys.argv[1], os.path.join(sys.argv[3], "mistral-v0.1.gguf"))
    smollm2(sys.argv[2], os.path.join(sys.argv[3], "smollm2-135m.gguf"))


if __name__ == "__main__":
    main()
