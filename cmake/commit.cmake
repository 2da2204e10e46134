# Writes OUT, a header defining TETHER_COMMIT as the short commit of SOURCE's tree ("unknown"
# outside a git checkout, as in a release tarball), only when it differs from what OUT holds.
execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY "${SOURCE}"
  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE found)
if(NOT found EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
endif()
set(text "#define TETHER_COMMIT \"${commit}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
