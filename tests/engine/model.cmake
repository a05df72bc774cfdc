# The forward pass, session, sampler and chat templates.
causerie_add_test(tst_forward SOURCES tst_forward.cpp LIBS causerie_engine)
causerie_add_test(tst_session SOURCES tst_session.cpp LIBS causerie_engine)
causerie_add_test(tst_sampler SOURCES tst_sampler.cpp LIBS causerie_engine)
causerie_add_test(tst_chat_template SOURCES tst_chat_template.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_thread_pool SOURCES tst_thread_pool.cpp LIBS causerie_engine)
