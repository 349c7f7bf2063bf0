// drover's entry point: the command line of the library's cli_main, with the built-in kinds.
#include <drover/cli.hpp>

int main(int argc, char** argv) {
  return drover::cli_main(argc, argv);
}
