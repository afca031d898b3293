# Writes a C++ source that holds a text file verbatim (a raw string literal), so data files such
# as data/model_prices.json are part of the binary: nothing is read from the repository at run
# time. Usage: cmake -DIN=<file> -DOUT=<file.cpp> -DSYMBOL=<name> -P embed_text.cmake
# The symbol is `extern const std::string_view igw::embedded::<name>`.
if(NOT IN OR NOT OUT OR NOT SYMBOL)
  message(FATAL_ERROR "embed_text.cmake: IN, OUT and SYMBOL are required")
endif()
file(READ "${IN}" content)
set(delim "igw_embed")
string(FIND "${content}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "embed_text.cmake: ${IN} contains the raw-string delimiter )${delim}\"")
endif()
set(text "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n")
string(APPEND text "#include <string_view>\n\nnamespace igw::embedded {\n")
string(APPEND text "extern const std::string_view ${SYMBOL};\n")
string(APPEND text "const std::string_view ${SYMBOL} = R\"${delim}(${content})${delim}\";\n")
string(APPEND text "}  // namespace igw::embedded\n")
file(WRITE "${OUT}" "${text}")
