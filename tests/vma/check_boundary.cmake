# SPDX-License-Identifier: MIT
# The VMA core's dependency boundary: src/vma/vma.c includes exactly
# "vma_internal.h" and then "vma.h", and no vma_internal.h sits next to it
# (a quoted include would find that one before the include path's).
# Usage: cmake -DSRC=<source dir> -P check_boundary.cmake
file(STRINGS "${SRC}/src/vma/vma.c" lines REGEX "^[ \t]*#[ \t]*include")
set(expected "#include \"vma_internal.h\";#include \"vma.h\"")
set(found "")
foreach(l ${lines})
  string(STRIP "${l}" l)
  string(REGEX REPLACE "[ \t]+" " " l "${l}")
  string(REGEX REPLACE "^# include" "#include" l "${l}")
  list(APPEND found "${l}")
endforeach()
if(NOT "${found}" STREQUAL "${expected}")
  message(FATAL_ERROR "src/vma/vma.c must include exactly \"vma_internal.h\" then \"vma.h\"; found: ${found}")
endif()
if(EXISTS "${SRC}/src/vma/vma_internal.h")
  message(FATAL_ERROR "src/vma/vma_internal.h must not exist: the boundary is chosen by the include path")
endif()
message(STATUS "vma boundary holds")
