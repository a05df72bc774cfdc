# The command-line contract and the desktop app's start/quit, run as real processes.
causerie_add_test(tst_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_cli.cpp LIBS Qt6::Core)
target_compile_definitions(tst_cli PRIVATE CAUSERIE_CLI="$<TARGET_FILE:causerie-cli>")
add_dependencies(tst_cli causerie-cli)

causerie_add_test(tst_app_smoke SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_app_smoke.cpp LIBS Qt6::Core)
target_compile_definitions(tst_app_smoke PRIVATE CAUSERIE_APP="$<TARGET_FILE:causerie>")
add_dependencies(tst_app_smoke causerie)

causerie_add_test(tst_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_e2e.cpp LIBS causerie_appwindow)
