# SPDX-License-Identifier: MIT
# The VMA core's dependency boundary: src/vma/vma.c includes exactly
# "vma_internal.h" and then "vma.h", vma.h includes nothing, and no
# vma_internal.h sits next to vma.c (a quoted include would find that one
# before the include path's).
#
# Two checks:
#   - textual, over every line (so includes under any #if are seen too);
#     it knows the other spellings of '#' (%: and ??=) and a comment
#     between '#' and 'include';
#   - with -DCC=<compiler>, the preprocessor's own list of the include
#     directives it met in vma.c and vma.h (-dI), which catches any spelling
#     and macro-named includes (#include SOME_MACRO).
# Usage: cmake -DSRC=<source dir> [-DCC=<c compiler> -DOUT=<scratch file>]
#              -P check_boundary.cmake
set(vma_c "${SRC}/src/vma/vma.c")
set(vma_h "${SRC}/src/vma/vma.h")
set(expected "#include \"vma_internal.h\";#include \"vma.h\"")
set(directive "^[ \t]*(#|%:|\\?\\?=)[ \t]*(/\\*.*\\*/[ \t]*)*include")

function(normalise out)
  set(found "")
  foreach(l ${ARGN})
    string(STRIP "${l}" l)
    string(REGEX REPLACE "^(#|%:|\\?\\?=)[ \t]*(/\\*.*\\*/[ \t]*)*include[ \t]*"
           "#include " l "${l}")
    string(REGEX REPLACE "[ \t]*/[*/].*$" "" l "${l}")
    string(REGEX REPLACE "[ \t]+" " " l "${l}")
    list(APPEND found "${l}")
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

file(STRINGS "${vma_c}" lines REGEX "${directive}")
normalise(found ${lines})
if(NOT "${found}" STREQUAL "${expected}")
  message(FATAL_ERROR "src/vma/vma.c must include exactly \"vma_internal.h\" then \"vma.h\"; found: ${found}")
endif()
file(STRINGS "${vma_h}" lines REGEX "${directive}")
if(lines)
  message(FATAL_ERROR "src/vma/vma.h must include nothing; found: ${lines}")
endif()
if(EXISTS "${SRC}/src/vma/vma_internal.h")
  message(FATAL_ERROR "src/vma/vma_internal.h must not exist: the boundary is chosen by the include path")
endif()

if(CC)
  if(NOT OUT)
    set(OUT "${CMAKE_CURRENT_BINARY_DIR}/vma_boundary.i")
  endif()
  execute_process(
    COMMAND "${CC}" -std=c11 -D_GNU_SOURCE -E -dI
            -I${SRC}/src/vma/boundary -I${SRC}/src -I${SRC}/include "${vma_c}"
    OUTPUT_FILE "${OUT}" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "preprocessing src/vma/vma.c failed: ${err}")
  endif()
  # Line markers say which file is being read; -dI echoes each directive.
  file(STRINGS "${OUT}" lines REGEX "^(# [0-9]+ \"|#include)")
  set(cur "")
  set(in_c "")
  set(in_h "")
  foreach(l ${lines})
    if(l MATCHES "^# [0-9]+ \"([^\"]*)\"")
      set(cur "${CMAKE_MATCH_1}")
    elseif(cur MATCHES "(^|/)src/vma/vma\\.c$")
      list(APPEND in_c "${l}")
    elseif(cur MATCHES "(^|/)src/vma/vma\\.h$")
      list(APPEND in_h "${l}")
    endif()
  endforeach()
  normalise(in_c ${in_c})
  if(NOT "${in_c}" STREQUAL "${expected}")
    message(FATAL_ERROR "src/vma/vma.c, as the preprocessor reads it, includes: ${in_c}")
  endif()
  if(in_h)
    message(FATAL_ERROR "src/vma/vma.h, as the preprocessor reads it, includes: ${in_h}")
  endif()
endif()
message(STATUS "vma boundary holds")
