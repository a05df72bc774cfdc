# The command-line contract and the desktop app's start/quit, run as real processes.
causerie_add_test(tst_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_cli.cpp LIBS Qt6::Core)
target_compile_definitions(tst_cli PRIVATE CAUSERIE_CLI="$<TARGET_FILE:causerie-cli>")
add_dependencies(tst_cli causerie-cli)

causerie_add_test(tst_app_smoke SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_app_smoke.cpp LIBS Qt6::Core)
target_compile_definitions(tst_app_smoke PRIVATE CAUSERIE_APP="$<TARGET_FILE:causerie>")
add_dependencies(tst_app_smoke causerie)

causerie_add_test(tst_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_e2e.cpp LIBS causerie_appwindow)

# The default model through the app's path, against the CLI's answer (skipped without the model).
causerie_add_test(tst_default_model_app SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_default_model_app.cpp
  LIBS causerie_controllers)
target_compile_definitions(tst_default_model_app PRIVATE CAUSERIE_CLI="$<TARGET_FILE:causerie-cli>")
add_dependencies(tst_default_model_app causerie-cli)
set_tests_properties(tst_default_model_app PROPERTIES TIMEOUT 900)
