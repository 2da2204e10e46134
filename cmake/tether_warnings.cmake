# Warnings for our own targets only; -Werror when TETHER_WERROR is on (CI turns it on).
function(tether_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
    $<$<BOOL:${TETHER_WERROR}>:-Werror>)
endfunction()
