# Byte-level BPE tests. tst_default_model needs the real SmolLM2 GGUF (scripts/fetch-default-model.sh);
# without it every case is skipped with that command in the message. It also runs causerie-cli, so
# it depends on it when the app is built.
causerie_add_test(tst_bpe_tokenizer
  SOURCES tst_bpe_tokenizer.cpp
  LIBS causerie_engine
  LABELS sanitize)

causerie_add_test(tst_default_model
  SOURCES tst_default_model.cpp
  LIBS causerie_engine
  LABELS model
  TIMEOUT 900)
if(TARGET causerie-cli)
  add_dependencies(tst_default_model causerie-cli)
  target_compile_definitions(tst_default_model PRIVATE CAUSERIE_CLI_PATH="$<TARGET_FILE:causerie-cli>")
endif()

# Gemma 3 270M's real weights (scripts/fetch-gemma3-270m.sh) against llama.cpp; skipped without them.
causerie_add_test(tst_real_gemma3
  SOURCES tst_real_gemma3.cpp
  LIBS causerie_engine
  LABELS model
  TIMEOUT 900)
