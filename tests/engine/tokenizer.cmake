# Tokenizer tests. tst_tokenizer reads the sentencepiece model through libsentencepiece's own
# API (to fill a VocabData the way the GGUF loader does), so it needs the headers too.
# Never link libprotobuf here: libsentencepiece carries its own copy.
find_package(PkgConfig REQUIRED)
pkg_check_modules(TST_SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)

causerie_add_test(tst_tokenizer
  SOURCES tst_tokenizer.cpp
  LIBS causerie_engine PkgConfig::TST_SENTENCEPIECE
  LABELS sanitize)

causerie_add_test(tst_stream_decoder
  SOURCES tst_stream_decoder.cpp
  LIBS causerie_engine
  LABELS sanitize)
