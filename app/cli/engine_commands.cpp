#include "engine_commands.h"

#include "args.h"
#include "doc_chat.h"
#include "engine/chat_template.h"
#include "engine/context_fit.h"
#include "engine/display_text.h"
#include "engine/embedding.h"
#include "engine/kv_state.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"
#include "json.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>

namespace causerie::cli {
namespace {

// The pieces every engine command needs, loaded in order; errors are already user-facing.
struct Loaded {
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tok;
    std::vector<int32_t> ids;           // the prompt given to load(), encoded (BOS as the model asks)
    std::unique_ptr<Session> session;   // with_session(): on the device the options ask for
};

Result<Loaded> load(const std::string& path, const std::string* prompt = nullptr)
{
    auto model = load_model(path);
    if (!model)
        return model.error();
    auto tok = Tokenizer::from_vocab(model->vocab);
    if (!tok)
        return tok.error();
    Loaded l;
    l.model = std::make_unique<Model>(std::move(model).value());
    l.tok = std::make_unique<Tokenizer>(std::move(tok).value());
    if (prompt) {
        auto ids = l.tok->encode(*prompt, l.tok->add_bos());
        if (!ids)
            return ids.error();
        l.ids = std::move(ids).value();
    }
    return l;
}

// A GGUF's vocabulary and tokenizer alone: what tokenize needs, and all info can show of a
// vocabulary-only file (no tensors, like llama.cpp's ggml-vocab-*.gguf).
struct LoadedVocab {
    std::unique_ptr<GGUFFile> file;
    VocabData vocab;
    std::unique_ptr<Tokenizer> tok;
};

Result<LoadedVocab> load_vocab(const std::string& path)
{
    auto f = GGUFFile::open(path);
    if (!f)
        return f.error();
    auto vocab = read_vocab(*f);
    if (!vocab)
        return make_error("'" + path + "': " + vocab.error().message);
    auto tok = Tokenizer::from_vocab(*vocab);
    if (!tok)
        return make_error("'" + path + "': " + tok.error().message);
    LoadedVocab l;
    l.file = std::make_unique<GGUFFile>(std::move(f).value());
    l.vocab = std::move(vocab).value();
    l.tok = std::make_unique<Tokenizer>(std::move(tok).value());
    return l;
}

// info of a file without weights: its name, architecture, vocabulary and template.
int print_vocab_info(const LoadedVocab& l, bool json)
{
    const auto text = [&](const char* key) {
        auto v = l.file->get_string(key);
        return sanitize_display_text(v ? v.value() : std::string(), kMaxDisplayNameChars);
    };
    const std::string name = text("general.name");
    const std::string arch = text("general.architecture");
    const std::string tokenizer = sanitize_display_text(l.vocab.model, kMaxDisplayNameChars);
    const ChatTemplate tmpl = ChatTemplate::detect(l.vocab, *l.tok, arch);
    const long long n_vocab = (long long)l.vocab.tokens.size();
    if (json) {
        std::printf("{\"vocab_only\":true,\"architecture\":%s,\"name\":%s,\"file_size\":%zu,\"n_vocab\":%lld,"
                    "\"tokenizer\":%s,\"pre_tokenizer\":%s,\"chat_template\":%s,\"chat_template_assumed\":%s,"
                    "\"bos_id\":%d,\"eos_id\":%d,\"add_bos\":%s}\n",
                    json_string(arch).c_str(), json_string(name).c_str(), l.file->file_size(), n_vocab,
                    json_string(tokenizer).c_str(),
                    json_string(sanitize_display_text(l.vocab.pre, kMaxDisplayNameChars)).c_str(),
                    json_string(chat_template_name(tmpl.kind())).c_str(), tmpl.assumed() ? "true" : "false",
                    l.tok->bos_id(), l.tok->eos_id(), l.tok->add_bos() ? "true" : "false");
        return 0;
    }
    std::printf("name            %s\n", name.empty() ? "(none)" : name.c_str());
    std::printf("architecture    %s\n", arch.empty() ? "(none)" : arch.c_str());
    std::printf("weights         none: a vocabulary only (tokenize works, chat and generate do not)\n");
    std::printf("file size       %.1f MiB\n", double(l.file->file_size()) / 1048576.0);
    std::printf("vocabulary      %lld (%s%s%s)\n", n_vocab, tokenizer.c_str(),
                l.vocab.pre.empty() ? "" : ", pre-tokenizer ",
                sanitize_display_text(l.vocab.pre, kMaxDisplayNameChars).c_str());
    std::printf("chat template   %s%s\n", chat_template_name(tmpl.kind()),
                tmpl.assumed() ? " (assumed: the file's template was not recognised)" : "");
    return 0;
}

bool check_unknown(const Args& a, const std::set<std::string>& known, std::string* error)
{
    const auto bad = a.unknown(known);
    if (!bad.empty()) {
        *error = "unknown option --" + bad.front();
        return false;
    }
    return true;
}

Result<std::unique_ptr<Session>> make_session(const Loaded& l, const Args& a, bool print_why);

// load() of MODEL (the first positional argument), then a session on its backend.
Result<Loaded> load_with_session(const Args& a, bool print_why, const std::string* prompt = nullptr)
{
    auto l = load(a.positional()[0], prompt);
    if (!l)
        return l.error();
    auto session = make_session(*l, a, print_why);
    if (!session)
        return session.error();
    l->session = std::move(session).value();
    return l;
}

Result<std::unique_ptr<Session>> make_session(const Loaded& l, const Args& a, bool print_why)
{
    std::string err;
    BackendOptions opts;
    if (auto t = a.get_int("threads", &err))
        opts.n_threads = int(*t);
    if (auto t = a.get_int("t", &err))
        opts.n_threads = int(*t);
    if (auto c = a.get_int("ctx", &err))
        opts.n_ctx = *c;
    if (!err.empty())
        return make_error(err);
    const auto dev = parse_device_options(a, &err);
    if (!dev)
        return make_error(err);
    opts.device = dev->device;
    opts.gpu_device = dev->gpu_device;
    opts.n_gpu_layers = dev->n_gpu_layers;
    opts.kv_type = dev->kv_type;
    std::string why;
    auto backend = create_backend(*l.model, opts, &why);
    if (!backend)
        return backend.error();
    if (print_why && !why.empty())
        std::fprintf(stderr, "note: %s\n", why.c_str());
    return std::make_unique<Session>(*l.tok, std::move(backend).value());
}

// Sampling options shared by generate and chat.
Result<GenerateOptions> generate_options(const Args& a)
{
    GenerateOptions o;
    std::string err;
    if (auto v = a.get_double("temp", &err))
        o.sampling.temperature = float(*v);
    if (auto v = a.get_double("top-p", &err))
        o.sampling.top_p = float(*v);
    if (auto v = a.get_int("top-k", &err))
        o.sampling.top_k = int(*v);
    if (auto v = a.get_double("min-p", &err))
        o.sampling.min_p = float(*v);
    if (auto v = a.get_double("repeat-penalty", &err))
        o.sampling.repeat_penalty = float(*v);
    if (auto v = a.get_int("seed", &err)) {
        o.sampling.seed = uint64_t(*v);
        o.sampling.random_seed = false;
    }
    if (auto v = a.get_int("n", &err))
        o.max_tokens = int(*v);
    if (a.has("stop"))
        o.stop.push_back(a.get("stop"));
    if (!err.empty())
        return make_error(err);
    if (o.sampling.top_p <= 0.0f || o.sampling.top_p > 1.0f)
        return make_error("--top-p must be in (0, 1]");
    if (o.sampling.min_p < 0.0f || o.sampling.min_p > 1.0f)
        return make_error("--min-p must be in [0, 1]");
    if (o.sampling.top_k < 0)
        return make_error("--top-k must be 0 (off) or positive");
    if (o.max_tokens < 0)
        return make_error("-n must be 0 (no limit) or positive");
    return o;
}

const std::set<std::string> kSamplingOptions = {"temp", "top-p",  "top-k",      "min-p",   "repeat-penalty",
                                                "seed", "n",      "stop",       "threads", "t",
                                                "ctx",  "device", "gpu-layers", "kv-type"};

std::string read_file(const std::string& path, std::string* error)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        *error = "cannot read '" + path + "'";
        return {};
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int64_t parameter_count(const Model& m)
{
    int64_t n = 0;
    for (const auto& t : m.file.tensors())
        n += t.n_elements();
    return n;
}

}   // namespace

int fail(const std::string& message)
{
    std::fprintf(stderr, "error: %s\n", message.c_str());
    return 1;
}

int cmd_info(const std::vector<std::string>& argv)
{
    Args a(argv, {"json"});
    std::string err;
    if (!a.ok() || !check_unknown(a, {"json"}, &err))
        return fail(a.ok() ? err : a.error());
    if (a.positional().size() != 1)
        return fail("usage: causerie-cli info MODEL [--json]");
    {
        auto f = GGUFFile::open(a.positional()[0]);
        if (f && f->tensors().empty()) {
            auto v = load_vocab(a.positional()[0]);
            return v ? print_vocab_info(*v, a.has("json")) : fail(v.error().message);
        }
    }
    auto l = load(a.positional()[0]);
    if (!l)
        return fail(l.error().message);
    const Model& m = *l->model;
    const HParams& hp = m.hp;
    const ChatTemplate tmpl = ChatTemplate::detect(m.vocab, *l->tok, hp.architecture);
    const std::string quant = model_quantization(m);
    const int64_t params = parameter_count(m);
    // Strings from the file, made inert for the terminal (escape sequences, bidi overrides, ...).
    const std::string name = sanitize_display_text(hp.name, kMaxDisplayNameChars);
    const std::string arch = sanitize_display_text(hp.architecture, kMaxDisplayNameChars);
    const std::string tokenizer = sanitize_display_text(m.vocab.model, kMaxDisplayNameChars);
    const auto pooling = read_pooling(m);
    if (!pooling)
        return fail(pooling.error().message);
    if (a.has("json")) {
        std::printf("{\"architecture\":%s,\"name\":%s,\"parameters\":%lld,\"quantization\":%s,\"file_size\":%zu,"
                    "\"context_length\":%lld,\"n_embd\":%lld,\"n_layer\":%lld,\"n_head\":%lld,\"n_head_kv\":%lld,"
                    "\"head_dim\":%lld,\"n_ff\":%lld,\"n_vocab\":%lld,\"rope_freq_base\":%s,\"tokenizer\":%s,"
                    "\"chat_template\":%s,\"chat_template_assumed\":%s,\"sliding_window\":%lld,\"experts\":%lld,"
                    "\"experts_used\":%lld,\"bos_id\":%d,\"eos_id\":%d,\"add_bos\":%s,\"pooling\":%s}\n",
                    json_string(arch).c_str(), json_string(name).c_str(), (long long)params, json_string(quant).c_str(),
                    m.file.file_size(), (long long)hp.n_ctx_train, (long long)hp.n_embd, (long long)hp.n_layer,
                    (long long)hp.n_head, (long long)hp.n_head_kv, (long long)hp.head_dim, (long long)hp.n_ff,
                    (long long)hp.n_vocab, json_float(hp.rope_freq_base).c_str(), json_string(tokenizer).c_str(),
                    json_string(chat_template_name(tmpl.kind())).c_str(), tmpl.assumed() ? "true" : "false",
                    (long long)hp.n_swa, (long long)hp.n_expert, (long long)hp.n_expert_used, l->tok->bos_id(),
                    l->tok->eos_id(), l->tok->add_bos() ? "true" : "false",
                    pooling->present ? json_string(pooling_name(PoolingType(pooling->value))).c_str() : "null");
        return 0;
    }
    std::printf("name            %s\n", name.empty() ? "(none)" : name.c_str());
    std::printf("architecture    %s\n", arch.c_str());
    std::printf("parameters      %.2f M\n", double(params) / 1e6);
    std::printf("quantization    %s\n", quant.c_str());
    std::printf("file size       %.1f MiB\n", double(m.file.file_size()) / 1048576.0);
    std::printf("context length  %lld\n", (long long)hp.n_ctx_train);
    std::printf("layers          %lld\n", (long long)hp.n_layer);
    std::printf("embedding       %lld\n", (long long)hp.n_embd);
    std::printf("heads           %lld (KV %lld, head dim %lld)\n", (long long)hp.n_head, (long long)hp.n_head_kv,
                (long long)hp.head_dim);
    std::printf("feed-forward    %lld\n", (long long)hp.n_ff);
    std::printf("vocabulary      %lld (%s)\n", (long long)hp.n_vocab, tokenizer.c_str());
    std::printf("chat template   %s%s\n", chat_template_name(tmpl.kind()),
                tmpl.assumed() ? " (assumed: the file's template was not recognised)" : "");
    if (hp.rope_neox)
        std::printf("rope            NeoX pairs, base %g\n", double(hp.rope_freq_base));
    if (hp.n_swa > 0) {
        const auto sliding = std::count(hp.layer_swa.begin(), hp.layer_swa.end(), true);
        std::printf("sliding window  %lld tokens on %lld of %lld layers (RoPE base %g there)\n", (long long)hp.n_swa,
                    (long long)sliding, (long long)hp.n_layer, double(hp.rope_freq_base_swa));
    }
    if (hp.attn_softcap > 0.0f || hp.final_softcap > 0.0f)
        std::printf("soft-capping    attention %g, logits %g\n", double(hp.attn_softcap), double(hp.final_softcap));
    if (m.rope_factors_long)
        std::printf("LongRoPE        long factors beyond %lld tokens\n",
                    (long long)(hp.n_ctx_orig ? hp.n_ctx_orig : hp.n_ctx_train));
    if (hp.n_expert > 0)
        std::printf("experts         %lld experts, %lld per token (feed-forward %lld each)\n", (long long)hp.n_expert,
                    (long long)hp.n_expert_used, (long long)hp.n_ff_exp);
    if (pooling && pooling->present) {
        const auto usable = embedding_pooling(m);
        std::printf("pooling         %s (embedding model%s%s)\n", pooling_name(PoolingType(pooling->value)),
                    usable ? ", " : ": ",
                    usable ? (m.vocab.add_eos ? "EOS appended" : "as is") : usable.error().message.c_str());
    }
    return 0;
}

int cmd_tokenize(const std::vector<std::string>& argv)
{
    Args a(argv, {"json"});
    std::string err;
    if (!a.ok() || !check_unknown(a, {"json", "text", "file"}, &err))
        return fail(a.ok() ? err : a.error());
    if (a.positional().size() != 1 || a.has("text") == a.has("file"))
        return fail("usage: causerie-cli tokenize MODEL (--text T | --file F) [--json]");
    std::string text = a.get("text");
    if (a.has("file")) {
        text = read_file(a.get("file"), &err);
        if (!err.empty())
            return fail(err);
    }
    // The vocabulary is all it needs: vocabulary-only files work, weights are not read.
    auto l = load_vocab(a.positional()[0]);
    if (!l)
        return fail(l.error().message);
    auto ids = l->tok->encode(text, l->tok->add_bos());
    if (!ids)
        return fail(ids.error().message);
    if (a.has("json")) {
        std::printf("%s\n", JsonWriter().begin_object().key("ids").array(*ids).end_object().str().c_str());
    } else {
        for (int32_t id : *ids)
            std::printf("%d\t%s\n", id, l->tok->id_to_piece(id).c_str());
    }
    return 0;
}

int cmd_eval(const std::vector<std::string>& argv)
{
    Args a(argv, {"json"});
    std::string err;
    if (!a.ok() ||
        !check_unknown(a, {"json", "prompt", "top", "greedy", "threads", "t", "device", "gpu-layers", "ctx"}, &err))
        return fail(a.ok() ? err : a.error());
    if (a.positional().size() != 1 || !a.has("prompt"))
        return fail("usage: causerie-cli eval MODEL --prompt T [--top K] [--greedy N] [--threads N] [--device D[:N]] "
                    "[--gpu-layers N] --json");
    const long long top = a.get_int("top", &err).value_or(5);
    const long long greedy = a.get_int("greedy", &err).value_or(0);
    if (!err.empty())
        return fail(err);
    if (top < 0 || greedy < 0)
        return fail("--top and --greedy must not be negative");
    const std::string prompt = a.get("prompt");
    auto l = load_with_session(a, false, &prompt);
    if (!l)
        return fail(l.error().message);
    const std::vector<int32_t>& ids = l->ids;
    Session& session = *l->session;
    auto logits = session.evaluate(ids);
    if (!logits)
        return fail(logits.error().message);

    std::vector<int32_t> order(logits->size());
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(size_t(top), order.size());
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(k), order.end(), [&](int32_t x, int32_t y) {
        return (*logits)[size_t(x)] > (*logits)[size_t(y)] || ((*logits)[size_t(x)] == (*logits)[size_t(y)] && x < y);
    });

    std::vector<int32_t> greedy_ids;
    if (greedy > 0) {
        GenerateOptions o;
        o.sampling.temperature = 0.0f;
        o.sampling.repeat_penalty = 1.0f;
        o.max_tokens = int(greedy);
        // EOS ends a greedy run early, as it would in a chat.
        auto st = session.generate(ids, o, [](std::string_view) { return true; });
        if (!st)
            return fail(st.error().message);
        greedy_ids = session.last_generated();
    }
    std::vector<int32_t> all = ids;
    all.insert(all.end(), greedy_ids.begin(), greedy_ids.end());
    const std::string prompt_text = l->tok->decode(ids);
    std::string full_text = l->tok->decode(all);
    const std::string greedy_text = full_text.substr(std::min(prompt_text.size(), full_text.size()));

    if (a.has("json")) {
        JsonWriter w;
        w.begin_object().key("prompt_ids").array(ids).key("top").begin_array();
        for (size_t i = 0; i < k; ++i)   // [id, logit] pairs, best first
            w.begin_array().value(order[i]).value(double((*logits)[size_t(order[i])]), "%.6f").end_array();
        w.end_array().key("greedy_ids").array(greedy_ids).key("greedy_text").value(greedy_text).end_object();
        std::printf("%s\n", w.str().c_str());
    } else {
        std::printf("prompt ids:");
        for (int32_t id : ids)
            std::printf(" %d", id);
        std::printf("\ntop %zu:", k);
        for (size_t i = 0; i < k; ++i)
            std::printf(" %d:%.4f", order[i], double((*logits)[size_t(order[i])]));
        std::printf("\ngreedy: %s%s\n", prompt_text.c_str(), greedy_text.c_str());
    }
    return 0;
}

namespace {

// --prompt-cache FILE before the run: the snapshot in FILE restored into the session, so that
// generate() prefills only what follows its longest prefix shared with the prompt. A missing
// file is the first run; a bad one (another model, corrupt, truncated...) is said on stderr and
// the prompt is prefilled cold.
void restore_prompt_cache(Session& session, const Model& model, const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return;
    auto snap = read_snapshot(path);
    Status st = snap ? restore_snapshot(session, model, *snap) : Status(snap.error());
    if (!st)
        std::fprintf(stderr, "note: prompt cache not used, starting cold: %s\n", st.error().message.c_str());
}

// After the run: the session's state (prompt and answer) written back to FILE.
void save_prompt_cache(Session& session, const Model& model, const std::string& path)
{
    auto snap = take_snapshot(session, model);
    Status st = snap ? write_snapshot(*snap, path) : Status(snap.error());
    if (!st)
        std::fprintf(stderr, "note: prompt cache not saved: %s\n", st.error().message.c_str());
}

}   // namespace

int cmd_generate(const std::vector<std::string>& argv)
{
    Args a(argv, {"json"});
    std::string err;
    std::set<std::string> known = kSamplingOptions;
    for (const char* name : {"p", "prompt", "f", "file", "prompt-cache", "json"})
        known.insert(name);
    if (!a.ok() || !check_unknown(a, known, &err))
        return fail(a.ok() ? err : a.error());
    const bool has_text = a.has("p") || a.has("prompt");
    const bool has_file = a.has("f") || a.has("file");
    if (a.positional().size() != 1 || has_text == has_file)
        return fail("usage: causerie-cli generate MODEL (-p TEXT | -f FILE) [-n N] [--temp X --top-p X --top-k N "
                    "--min-p X --seed N] [--prompt-cache FILE] [--json]");
    auto opts = generate_options(a);
    if (!opts)
        return fail(opts.error().message);
    std::string text = a.has("p") ? a.get("p") : a.get("prompt");
    if (has_file) {
        text = read_file(a.has("f") ? a.get("f") : a.get("file"), &err);
        if (!err.empty())
            return fail(err);
    }
    auto l = load_with_session(a, true, &text);
    if (!l)
        return fail(l.error().message);
    const std::vector<int32_t>& ids = l->ids;
    Session& session = *l->session;
    if (opts->max_tokens == 0)
        opts->max_tokens = 256;
    const std::string cache_path = a.get("prompt-cache");
    if (!cache_path.empty())
        restore_prompt_cache(session, *l->model, cache_path);
    const bool json = a.has("json");
    std::string answer;
    auto st = session.generate(ids, *opts, [&](std::string_view t) {
        if (json) {
            answer += t;
        } else {
            std::fwrite(t.data(), 1, t.size(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (!json)
        std::printf("\n");
    if (!st)
        return fail(st.error().message);
    if (!cache_path.empty())
        save_prompt_cache(session, *l->model, cache_path);
    if (json) {
        JsonWriter w;
        w.begin_object()
            .key("text")
            .value(answer)
            .key("prompt_tokens")
            .value(st->prompt_tokens)
            .key("cached_tokens")
            .value(st->reused_tokens)
            .key("prompt_ms")
            .value(st->prefill_ms)
            .key("gen_tokens")
            .value(st->completion_tokens)
            .key("gen_ms")
            .value(st->decode_ms)
            .end_object();
        std::printf("%s\n", w.str().c_str());
        return 0;
    }
    std::fprintf(stderr, "[%d prompt tokens (%d from cache), %d generated, %.1f tok/s, finish: %s]\n",
                 st->prompt_tokens, st->reused_tokens, st->completion_tokens, st->tokens_per_second,
                 st->finish_reason.c_str());
    return 0;
}

int cmd_chat(const std::vector<std::string>& all_args)
{
    // --doc repeats, which Args does not keep: taken out first.
    std::vector<std::string> doc_files;
    std::vector<std::string> argv;
    for (size_t i = 0; i < all_args.size(); ++i) {
        if (all_args[i] == "--doc") {
            if (i + 1 >= all_args.size())
                return fail("option --doc needs a file");
            doc_files.push_back(all_args[++i]);
        } else {
            argv.push_back(all_args[i]);
        }
    }
    Args a(argv, {"no-context-shift"});
    std::string err;
    std::set<std::string> known = kSamplingOptions;
    known.insert("system");
    known.insert("no-context-shift");
    if (!a.ok() || !check_unknown(a, known, &err))
        return fail(a.ok() ? err : a.error());
    if (a.positional().size() != 1)
        return fail("usage: causerie-cli chat MODEL [--doc FILE]... [--system TEXT] [--temp X ...] "
                    "[--no-context-shift]  (one message per line on stdin)");
    auto opts = generate_options(a);
    if (!opts)
        return fail(opts.error().message);
    auto l = load_with_session(a, true);
    if (!l)
        return fail(l.error().message);
    Session& session = *l->session;
    const ChatTemplate tmpl = ChatTemplate::detect(l->model->vocab, *l->tok);
    opts->stop_ids = tmpl.end_of_turn_ids(*l->tok);
    // Once older messages are left out, the cache drops their rows (docs/resume.md) unless asked
    // to prefill the trimmed conversation again.
    opts->context_shift = !a.has("no-context-shift");
    std::vector<ChatTurn> turns;
    if (a.has("system"))
        turns.push_back({"system", a.get("system")});
    // A chat longer than the context keeps going without its oldest exchanges, as in the app;
    // each line is tokenized once however long the chat goes on.
    const int n_ctx = int(session.backend().n_ctx());
    // Documents take the app's path (docs/documents.md): whole within half the context, else
    // each question's best passages; counted with this model's tokenizer.
    std::unique_ptr<DocChat> docs;
    if (!doc_files.empty()) {
        std::string doc_error;
        const auto& tok = *l->tok;
        docs = DocChat::open(
            doc_files, n_ctx / 2,
            [&tok](const std::string& text) -> long long {
                auto ids = tok.encode(text, false);
                return ids ? (long long)ids->size() : (long long)(text.size() + 3) / 4;
            },
            &doc_error);
        if (!docs)
            return fail(doc_error);
    }
    const std::string system_prompt = a.has("system") ? a.get("system") : std::string();
    PromptCache cache;
    int left_out = 0;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty())
            continue;
        DocChat::Turn doc_turn;
        if (docs) {
            doc_turn = docs->turn(line);
            if (!doc_turn.system.empty()) {
                const std::string system =
                    system_prompt.empty() ? doc_turn.system : system_prompt + "\n\n" + doc_turn.system;
                if (!turns.empty() && turns.front().role == "system")
                    turns.front().content = system;
                else
                    turns.insert(turns.begin(), ChatTurn{"system", system});
            }
        }
        turns.push_back({"user", docs ? doc_turn.question : line});
        auto prompt = prepare_prompt(tmpl, *l->tok, turns, n_ctx, answer_room(n_ctx), &cache);
        cache.sweep();
        if (!prompt)
            return fail(prompt.error().message);
        if (!prompt->fit.fits)
            return fail("this message needs " + std::to_string(prompt->fit.prompt_tokens) +
                        " tokens but the context holds " + std::to_string(n_ctx) + "; shorten it, or raise --ctx");
        if (prompt->fit.left_out != left_out) {
            left_out = prompt->fit.left_out;
            std::fprintf(stderr, "note: the %d oldest messages are left out to fit the context of %d tokens\n",
                         left_out, n_ctx);
        }
        std::string answer;
        auto st = session.generate(prompt->ids, *opts, [&](std::string_view t) {
            answer += t;
            std::fwrite(t.data(), 1, t.size(), stdout);
            std::fflush(stdout);
            return true;
        });
        std::printf("\n");
        std::fflush(stdout);
        if (!st)
            return fail(st.error().message);
        for (const std::string& source : doc_turn.sources)
            std::fprintf(stderr, "source %s\n", source.c_str());
        turns.back().content = line;   // as in the app: only the new question carries passages
        turns.push_back({"assistant", answer});
    }
    return 0;
}

int cmd_make_test_model(const std::vector<std::string>& argv)
{
    Args a(argv, {"add-eos"});
    std::string err;
    const std::set<std::string> known = {
        "type",       "layers",       "embd",        "heads",   "kv-heads",  "ff",      "vocab",    "ctx", "seed",
        "vocab-from", "rope-factors", "llama3-rope", "arch",    "head-dim",  "rot",     "longrope", "swa", "gemma-rope",
        "softcap",    "rope-base",    "swa-pattern", "experts", "expert-ff", "pooling", "add-eos"};
    if (!a.ok() || !check_unknown(a, known, &err))
        return fail(a.ok() ? err : a.error());
    if (a.positional().size() != 1)
        return fail(
            "usage: causerie-cli make-test-model OUT.gguf [--arch llama|qwen2|qwen3|qwen3moe|phi3|gemma2|gemma3] "
            "[--type T] "
            "[--layers N] "
            "[--embd N] [--heads N] [--kv-heads N] [--head-dim N] [--rot N] [--ff N] [--vocab N] [--ctx N] [--seed N] "
            "[--vocab-from MODEL.gguf] "
            "[--rope-factors F1,F2,... | --llama3-rope FACTOR,LOW,HIGH,ORIGINAL_CTX] "
            "[--longrope ORIGINAL_CTX,ATTN_FACTOR] [--experts COUNT,USED [--expert-ff N]] [--pooling N] [--add-eos]");
    TestModelSpec spec;
    const std::string type = a.get("type", "F32");
    bool found = false;
    if (type == "Q4_K_M") {   // llama.cpp's mixture (TestModelMix::Q4_K_M), not one tensor type
        spec.mix = TestModelMix::Q4_K_M;
        found = true;
    }
    for (uint32_t t = 0; t < 64 && !found; ++t) {
        const auto* traits = kernels::type_traits(t);
        if (traits && traits->supported && type == traits->name) {
            spec.type = kernels::TensorType(t);
            found = true;
        }
    }
    if (!found)
        return fail("unknown or unsupported type '" + type +
                    "' (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, or the mixture Q4_K_M)");
    spec.n_layer = a.get_int("layers", &err).value_or(spec.n_layer);
    spec.n_embd = a.get_int("embd", &err).value_or(spec.n_embd);
    spec.n_head = a.get_int("heads", &err).value_or(spec.n_head);
    spec.n_head_kv = a.get_int("kv-heads", &err).value_or(spec.n_head_kv);
    spec.n_ff = a.get_int("ff", &err).value_or(spec.n_ff);
    spec.n_vocab = a.get_int("vocab", &err).value_or(0);
    spec.n_ctx = a.get_int("ctx", &err).value_or(spec.n_ctx);
    spec.seed = uint64_t(a.get_int("seed", &err).value_or(1));
    spec.head_dim = a.get_int("head-dim", &err).value_or(0);
    spec.arch = a.get("arch", "llama");
    spec.n_rot = a.get_int("rot", &err).value_or(0);
    spec.pooling_type = a.get_int("pooling", &err).value_or(-1);   // written as <arch>.pooling_type
    spec.add_eos = a.has("add-eos");
    if (!err.empty())
        return fail(err);
    // rope_freqs.weight: one positive factor per rotated pair (head_dim/2 of them), given one by
    // one or computed with Llama 3.1's recipe.
    auto numbers = [](const std::string& option, const std::string& list, std::vector<float>* out) -> std::string {
        size_t start = 0;
        while (start <= list.size()) {
            const size_t comma = std::min(list.find(',', start), list.size());
            const std::string item = list.substr(start, comma - start);
            char* end = nullptr;
            const float v = std::strtof(item.c_str(), &end);
            if (item.empty() || end != item.c_str() + item.size() || !(v > 0.0f) || !std::isfinite(v))
                return "--" + option + " wants positive numbers separated by commas, not '" + item + "'";
            out->push_back(v);
            start = comma + 1;
        }
        return {};
    };
    if (a.has("rope-factors") && a.has("llama3-rope"))
        return fail("give --rope-factors or --llama3-rope, not both");
    if (a.has("rope-factors")) {
        if (auto e = numbers("rope-factors", a.get("rope-factors"), &spec.rope_freq_factors); !e.empty())
            return fail(e);
    } else if (a.has("llama3-rope")) {
        std::vector<float> p;
        if (auto e = numbers("llama3-rope", a.get("llama3-rope"), &p); !e.empty())
            return fail(e);
        if (p.size() != 4 || !(p[2] > p[1]))
            return fail("--llama3-rope wants FACTOR,LOW,HIGH,ORIGINAL_CTX with HIGH > LOW (Llama 3.1: 8,1,4,8192)");
        const int64_t head_dim = spec.n_head > 0 ? spec.n_embd / spec.n_head : 0;
        spec.rope_freq_factors = llama3_rope_freq_factors(head_dim, spec.rope_freq_base, p[0], p[1], p[2], p[3]);
    }
    spec.n_swa = a.get_int("swa", &err).value_or(0);
    spec.swa_pattern = a.get_int("swa-pattern", &err).value_or(0);
    spec.n_ff_exp = a.get_int("expert-ff", &err).value_or(0);
    if (!err.empty())
        return fail(err);
    if (a.has("experts")) {   // a mixture of experts: how many, and how many each token uses
        std::vector<float> p;
        if (auto e = numbers("experts", a.get("experts"), &p); !e.empty())
            return fail(e);
        if (p.size() != 2 || p[0] != std::floor(p[0]) || p[1] != std::floor(p[1]) || p[1] > p[0] || p[0] > 1024)
            return fail("--experts wants COUNT,USED, whole numbers with USED <= COUNT <= 1024 (Mixtral: 8,2)");
        spec.n_expert = int64_t(p[0]);
        spec.n_expert_used = int64_t(p[1]);
    } else if (a.has("expert-ff")) {
        return fail("--expert-ff needs --experts");
    }
    // Options that are a fixed count of numbers, each one field of the spec.
    const struct {
        const char* option;
        const char* wants;
        std::vector<float TestModelSpec::*> fields;
    } fixed[] = {
        {"rope-base", "one number (the RoPE frequency base)", {&TestModelSpec::rope_freq_base}},
        // gemma3: local layers' base, global layers' linear scaling factor
        {"gemma-rope",
         "BASE_SWA,SCALING_FACTOR (Gemma 3 4B: 10000,8)",
         {&TestModelSpec::rope_freq_base_swa, &TestModelSpec::rope_scaling_factor}},
        {"softcap", "ATTN,FINAL (Gemma 2: 50,30)", {&TestModelSpec::attn_softcap, &TestModelSpec::final_softcap}},
    };
    for (const auto& f : fixed) {
        if (!a.has(f.option))
            continue;
        std::vector<float> p;
        if (auto e = numbers(f.option, a.get(f.option), &p); !e.empty())
            return fail(e);
        if (p.size() != f.fields.size())
            return fail("--" + std::string(f.option) + " wants " + f.wants);
        for (size_t i = 0; i < p.size(); ++i)
            spec.*f.fields[i] = p[i];
    }
    if (a.has("longrope")) {   // phi3 LongRoPE: made-up short/long factors (longrope_test_factors)
        std::vector<float> p;
        if (auto e = numbers("longrope", a.get("longrope"), &p); !e.empty())
            return fail(e);
        if (p.size() != 2)
            return fail("--longrope wants ORIGINAL_CTX,ATTN_FACTOR (e.g. 4096,1.19)");
        const int64_t head_dim = spec.head_dim ? spec.head_dim : spec.n_head > 0 ? spec.n_embd / spec.n_head : 0;
        const int64_t n_rot = spec.n_rot ? spec.n_rot : head_dim;
        spec.n_ctx_orig = int64_t(p[0]);
        spec.rope_attn_factor = p[1];
        spec.rope_factors_short = longrope_test_factors(n_rot / 2, false);
        spec.rope_factors_long = longrope_test_factors(n_rot / 2, true);
    }
    std::optional<VocabData> vocab;
    if (a.has("vocab-from")) {
        auto file = GGUFFile::open(a.get("vocab-from"));
        if (!file)
            return fail(file.error().message);
        auto v = read_vocab(*file);
        if (!v)
            return fail(v.error().message);
        vocab = std::move(v).value();
        spec.vocab = &*vocab;
    }
    if (auto st = write_test_model(a.positional()[0], spec); !st)
        return fail(st.error().message);
    return 0;
}

}   // namespace causerie::cli
