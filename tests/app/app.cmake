# The command-line contract and the desktop app's start/quit, run as real processes.
# tst_cli links the controllers for AppSettings: appbench's sampler must stay the window's defaults.
causerie_add_test(tst_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_cli.cpp LIBS Qt6::Core causerie_controllers)
target_compile_definitions(tst_cli PRIVATE CAUSERIE_CLI="$<TARGET_FILE:causerie-cli>")
add_dependencies(tst_cli causerie-cli)
if(CAUSERIE_CUDA_SIM)
  causerie_add_test(tst_bench_sim SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_bench_sim.cpp LIBS Qt6::Core LABELS cuda-sim)
  target_compile_definitions(tst_bench_sim PRIVATE CAUSERIE_CLI="$<TARGET_FILE:causerie-cli>")
  add_dependencies(tst_bench_sim causerie-cli)
endif()

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

# The window's network guard and link policy (issue #20: nothing leaves the machine unasked).
causerie_add_test(tst_networkguard SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/tst_networkguard.cpp
  LIBS causerie_appwindow LABELS app ui)
qt_add_resources(tst_networkguard guard_resources PREFIX /guard BASE ${CMAKE_CURRENT_LIST_DIR}/gui
  FILES ${CMAKE_CURRENT_LIST_DIR}/gui/tst_networkguard.cpp)
causerie_add_test(tst_linkopener SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/tst_linkopener.cpp
  LIBS causerie_appwindow LABELS app ui)

# The window as it opens: the formulas' fonts loaded before the first formula (issue 17).
causerie_add_test(tst_appwindow SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/tst_appwindow.cpp
  LIBS causerie_appwindow LABELS app ui)

# The window as a screen reader sees it: every interactive item named (issue 17).
causerie_add_test(tst_accessibility SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/tst_accessibility.cpp
  LIBS causerie_appwindow LABELS app ui TIMEOUT 120)
target_include_directories(tst_accessibility PRIVATE ${PROJECT_SOURCE_DIR})

# Hostile content shown in the real window, twice (restart): no request, no connection.
causerie_add_test(tst_offline SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_offline.cpp LIBS causerie_appwindow
  LABELS app ui TIMEOUT 900)

# causerie-cli retrieve (issue 16): documents made in the test, the JSON contract, bad documents.
find_package(Qt6 6.4 REQUIRED COMPONENTS Gui)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
causerie_add_test(tst_retrieve_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_retrieve_cli.cpp
  LIBS Qt6::Gui PkgConfig::LIBZIP LABELS app documents)
target_include_directories(tst_retrieve_cli PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(tst_retrieve_cli PRIVATE CAUSERIE_CLI="$<TARGET_FILE:causerie-cli>")
add_dependencies(tst_retrieve_cli causerie-cli)

# causerie-shots: the window's scenes saved as PNG (scripts/screenshots.sh); not a test.
add_executable(causerie-shots ${CMAKE_CURRENT_LIST_DIR}/gui/shots.cpp)
set_target_properties(causerie-shots PROPERTIES AUTOMOC ON)
target_link_libraries(causerie-shots PRIVATE causerie_appwindow Qt6::Test)
target_include_directories(causerie-shots PRIVATE ${PROJECT_SOURCE_DIR})
causerie_warnings(causerie-shots)

# The window's text in both languages (nothing cut unless meant), and HiDPI grabs (issue 17).
causerie_add_test(tst_window_look SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/tst_window_look.cpp
  LIBS causerie_appwindow LABELS app ui)
target_include_directories(tst_window_look PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(tst_window_look PRIVATE CAUSERIE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  CAUSERIE_SHOTS="$<TARGET_FILE:causerie-shots>")
add_dependencies(tst_window_look causerie-shots)
