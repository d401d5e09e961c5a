# ecl_embed_text(OUTPUT SYMBOL COMMENT INPUTS...): a build step that turns
# text files (migration SQL, import profiles) into a C source defining
# `const char *const SYMBOL[]`, one string per input in order, NULL-terminated
# (cmake/EmbedText.cmake does the writing).
function(ecl_embed_text output symbol comment)
  set(inputs ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSYMBOL=${symbol}
            "-DINPUTS=${inputs}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedText.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/EmbedText.cmake
    VERBATIM
    COMMENT "${comment}")
endfunction()
