// The whole drover command line (run, info, journal, compare) as a function, for a program's own kinds.
//
//   Stats analyse(const Tile& t);
//   DROVER_TASK(analyse);
//   int main(int argc, char** argv) { return drover::cli_main(argc, argv); }
//
//   mpirun -np 8 ./app run --tasks-file tiles.jsonl --output stats.jsonl --journal j.drj
//
// The program's kinds join the built-in square, crunch and download (a kind
// of the program's own with one of those names replaces it). Task files name
// a kind and give its argument as "input", in the JSON shapes of
// drover/json.hpp: {"kind":"analyse","input":[3,4,"a.tif"]}. A kind whose
// argument is an integer is also a generator: `run KIND --count N --from A`.
#pragma once

namespace drover {

// Returns the process exit code (0 ok, 1 tasks failed, 2 bad input, 3 aborted, 4 stopped).
int cli_main(int argc, char** argv);

}  // namespace drover
