// Quoting for /bin/sh in GNU parallel's style, so an argument stays one word.
#pragma once

#include <string>
#include <string_view>

namespace drover {

// Appends `word` quoted so that /bin/sh reads it back as exactly one word
// with the same bytes. GNU parallel's spelling, so a command in a joblog reads
// the same from both tools:
//  - only [A-Za-z0-9_+./-] and not empty: as is            a.txt   -> a.txt
//  - empty                                                          -> ''
//  - otherwise inside '...', each ' written as '"'"', and a
//    leading or trailing '' left out                       it's    -> 'it'"'"'s'
//                                                          'a      -> "'"'a'
// Every byte but NUL survives, newlines and bytes >= 0x80 included; a C
// string cannot carry NUL, and the inputs refuse it before it gets here.
void append_shell_quoted(std::string& out, std::string_view word);

std::string shell_quoted(std::string_view word);

}  // namespace drover
