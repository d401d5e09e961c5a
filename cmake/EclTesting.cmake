# Test helpers. cmocka 1.1 ships no CMake config, so it comes from pkg-config.
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

# ecl_add_unit_test(NAME SOURCES... [LABELS l...])
# One cmocka executable per module, linked against the static library so that
# internal functions can be tested too; registered with ctest.
function(ecl_add_unit_test name)
  cmake_parse_arguments(T "" "" "LABELS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE eclectyc_static PkgConfig::CMOCKA ecl_test_support)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/libeclectyc)
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE
    ECL_TEST_SUPPORT_DIR="${PROJECT_SOURCE_DIR}/tests/support")
  target_compile_options(${name} PRIVATE -Wall -Wextra)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABELS}"
    TIMEOUT 300
    ENVIRONMENT "ECL_TEST_TMPDIR=${CMAKE_CURRENT_BINARY_DIR}/tmp")
endfunction()
