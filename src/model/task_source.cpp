// A generated workload's input of any id, computed on demand from the kind's generator.
#include <stdexcept>

#include "model/kinds.hpp"
#include "model/task_source.hpp"

namespace drover {

TaskSpec Generator::make(std::uint64_t id) const {
  TaskSpec spec;
  spec.kind = kind;
  input_of(id, spec.input);
  return spec;
}

void Generator::input_of(std::uint64_t id, std::string& input) const {
  const KindInfo& info = fast_kind_info(kind);
  if (!info.generate) {
    throw std::logic_error("kind " + info.name + " has no generator");
  }
  input.clear();
  info.generate(params, id, input);
}

}  // namespace drover
