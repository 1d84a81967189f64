# riverlink_module(NAME SOURCES ... DEPS ... [MIGRATIONS dir])
# Defines the static library riverlink_<NAME>. SQL files in MIGRATIONS are embedded
# into a generated source that registers them with the store's migration registry.
function(riverlink_module name)
  cmake_parse_arguments(M "" "MIGRATIONS" "SOURCES;DEPS" ${ARGN})
  set(target riverlink_${name})
  set(srcs ${M_SOURCES})
  if(M_MIGRATIONS)
    file(GLOB sql_files CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${M_MIGRATIONS}/*.sql")
    list(SORT sql_files)
    set(gen "${CMAKE_CURRENT_BINARY_DIR}/${name}_migrations.cpp")
    add_custom_command(
      OUTPUT ${gen}
      COMMAND ${CMAKE_COMMAND} -DMODULE=${name} -DOUT=${gen} "-DFILES=${sql_files}"
              -P ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
      DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
      COMMENT "Embedding ${name} migrations"
      VERBATIM)
    list(APPEND srcs ${gen})
  endif()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${M_DEPS})
endfunction()

# riverlink_test(NAME SOURCES ... DEPS ... [DB])  DB tests run on SQLite and PostgreSQL.
function(riverlink_test name)
  if(NOT RIVERLINK_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "DB" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest_main GTest::gmock)
  add_test(NAME ${name} COMMAND ${name})
  if(T_DB)
    set_tests_properties(${name} PROPERTIES LABELS "db")
  else()
    set_tests_properties(${name} PROPERTIES LABELS "unit")
  endif()
endfunction()
