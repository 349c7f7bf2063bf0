// drover journal show|export: read a journal without starting MPI.
#include <sstream>

#include "cli/cli_common.hpp"
#include "model/errors.hpp"

namespace drover::cli_detail {

CliResult parse_journal(const std::vector<std::string>& args, const EnvMap& env) {
  po::options_description desc("drover journal options");
  desc.add_options()("help,h", "show this help")("output,o",
                                                 po::value<std::string>()->default_value("-"),
                                                 "export: rows to FILE (- is stdout)")(
      "format", po::value<std::string>()->default_value("jsonl"), "export: jsonl or csv")(
      "columns", po::value<std::string>(), "export: result fields to write, in order");
  po::options_description all = desc;
  all.add_options()("words", po::value<std::vector<std::string>>(), "action and file");
  po::positional_options_description positional;
  positional.add("words", -1);
  const po::variables_map vm = parse_options(all, positional, args, env, "journal");
  CliResult r;
  if (vm.count("help") != 0) {
    std::ostringstream text;
    text << "usage: drover journal show FILE      what a journal holds\n"
            "       drover journal export FILE    its results as rows, in task order\n"
            "       drover journal repair FILE    keep its whole records, move a damaged rest\n"
            "                                     to FILE.damaged, so --resume can go on\n\n"
         << desc;
    r.text = text.str();
    return r;
  }
  const auto words =
      vm.count("words") ? vm["words"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (words.size() != 2 || (words[0] != "show" && words[0] != "export" && words[0] != "repair")) {
    throw InputError("usage: drover journal show|export|repair FILE");
  }
  r.command = words[0] == "show"     ? Command::journal_show
              : words[0] == "export" ? Command::journal_export
                                     : Command::journal_repair;
  r.journal_path = words[1];
  r.run.output = vm["output"].as<std::string>();
  const std::string format = vm["format"].as<std::string>();
  if (format != "jsonl" && format != "csv") {
    throw InputError("--format must be jsonl or csv, not \"" + format + "\"");
  }
  r.run.format = format == "csv" ? OutputFormat::csv : OutputFormat::jsonl;
  if (vm.count("columns") != 0) r.run.columns = parse_columns(vm["columns"].as<std::string>());
  return r;
}

}  // namespace drover::cli_detail
