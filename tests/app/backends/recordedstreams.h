#pragma once
// Chat completion streams in the wire format of api.mistral.ai (`POST /v1/chat/completions`,
// `stream: true`), written out by hand from that format: "data: <chunk JSON>" events separated
// by blank lines, a final chunk carrying finish_reason and usage, then "data: [DONE]".
// The text deliberately holds multi-byte UTF-8 (é, 🙂) so splits land inside characters.

// Answer: "Bonjour ! Ça va très bien 🙂" — 6 events with text, usage 12/9.
inline constexpr char kMistralStream[] =
    R"(data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":"Bonjour"},"finish_reason":null}]}

data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":" !"},"finish_reason":null}]}

data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":" Ça va"},"finish_reason":null}]}

data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":" très"},"finish_reason":null}]}

data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":" bien 🙂"},"finish_reason":null}]}

data: {"id":"9a1c0f2e7b5d4c3a","object":"chat.completion.chunk","created":1732700000,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"total_tokens":21,"completion_tokens":9}}

data: [DONE]

)";
inline constexpr int kMistralStreamEvents = 8;   // 7 chunks + [DONE]
inline constexpr char kMistralStreamText[] = "Bonjour ! Ça va très bien 🙂";

// A reasoning model (Magistral) streams content as an array of typed chunks; "thinking"
// is not part of the answer, "reference" carries ids only.
inline constexpr char kArrayContentStream[] =
    R"(data: {"id":"b2","object":"chat.completion.chunk","created":1732700001,"model":"magistral-small-latest","choices":[{"index":0,"delta":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"The user greets me."}]}]},"finish_reason":null}]}

data: {"id":"b2","object":"chat.completion.chunk","created":1732700001,"model":"magistral-small-latest","choices":[{"index":0,"delta":{"content":[{"type":"text","text":"Hello"},{"type":"reference","reference_ids":[1,2]},{"type":"text","text":" there"}]},"finish_reason":null}]}

data: {"id":"b2","object":"chat.completion.chunk","created":1732700001,"model":"magistral-small-latest","choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"total_tokens":8,"completion_tokens":3}}

data: [DONE]

)";
inline constexpr char kArrayContentText[] = "Hello there!";

// An OpenAI-compatible server running a reasoning model (llama.cpp's server, vLLM, DeepSeek's
// API) sends the thinking in "reasoning_content", with "content" null until the answer starts.
inline constexpr char kReasoningContentStream[] =
    R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1732700002,"id":"chatcmpl-r1","model":"qwq-32b","object":"chat.completion.chunk"}

data: {"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"Two plus two"}}],"created":1732700002,"id":"chatcmpl-r1","model":"qwq-32b","object":"chat.completion.chunk"}

data: {"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":" is four."}}],"created":1732700002,"id":"chatcmpl-r1","model":"qwq-32b","object":"chat.completion.chunk"}

data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"4"}}],"created":1732700002,"id":"chatcmpl-r1","model":"qwq-32b","object":"chat.completion.chunk"}

data: {"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1732700002,"id":"chatcmpl-r1","model":"qwq-32b","object":"chat.completion.chunk","usage":{"completion_tokens":7,"prompt_tokens":9,"total_tokens":16}}

data: [DONE]

)";
inline constexpr char kReasoningContentThinking[] = "Two plus two is four.";

// A server that passes a reasoning model's raw output on (no reasoning_content): the thinking is
// inline, between <think> tags at the start of the content.
inline constexpr char kInlineThinkStream[] =
    R"(data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"<think>"}}],"model":"deepseek-r1:8b","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{"content":"\nTwo plus two"}}],"model":"deepseek-r1:8b","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{"content":" is four.\n</think>\n\n"}}],"model":"deepseek-r1:8b","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{"content":"**4**"}}],"model":"deepseek-r1:8b","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"model":"deepseek-r1:8b","object":"chat.completion.chunk"}

data: [DONE]

)";
