# GGUF reader/writer, model loader and test-model writer. The reader and loader take untrusted
# bytes, so their tests carry the `sanitize` label (the ASan+UBSan configuration runs them).
causerie_add_test(tst_gguf SOURCES tst_gguf.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_gguf_fuzz SOURCES tst_gguf_fuzz.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_model_loader SOURCES tst_model_loader.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_test_model SOURCES tst_test_model.cpp LIBS causerie_engine)
# Strings from model files made safe to show (general.name in `causerie-cli info`, the app).
causerie_add_test(tst_display_text SOURCES tst_display_text.cpp LIBS causerie_engine LABELS sanitize)
set_target_properties(tst_gguf tst_gguf_fuzz tst_model_loader tst_test_model tst_display_text PROPERTIES AUTOMOC ON)
