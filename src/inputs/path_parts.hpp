// The parts of an argument that GNU parallel's {.} {/} {//} {/.} name, byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace drover {

// These reproduce GNU parallel 20221122 exactly, quirks included, because
// scripts move between the two tools; the quirks only show on names with
// newlines or a trailing '/'. Results are views into `arg` (or into static
// text, or into `scratch` where noted), valid while those live.
//
//   arg              {.}          {/}         {//}     {/.}
//   a/b.c.d          a/b.c        b.c.d       a        b.c
//   /abs/x.tar.gz    /abs/x.tar   x.tar.gz    /abs     x.tar
//   .hidden          (empty)      .hidden     .        (empty)
//   dir/             dir/         (empty)     .        (empty)
//   noext            noext        noext       .        noext
//   a//b             a//b         b           a        b
//   /                /            (empty)     /        (empty)

// {.}: drops the last '.' and what follows it, when no '/' follows it.
std::string_view drop_extension(std::string_view arg);

// {/}: drops everything up to the last '/'. GNU's pattern does not cross a
// newline, so for a multi-line argument only the first line holding a '/'
// loses its head: "x/y\nz/w" gives "y\nz/w", "a\nb/c" gives "a\nc" (built in
// `scratch`: the only case that is not a substring).
std::string_view drop_directory(std::string_view arg, std::string& scratch);

// {//}: Perl's File::Basename::dirname, which GNU parallel calls: as POSIX
// dirname(1), "." when there is no directory, "/" for "/" and "//x".
std::string_view directory_of(std::string_view arg);

// {/.}: {/} then {.}.
std::string_view drop_directory_and_extension(std::string_view arg, std::string& scratch);

}  // namespace drover
