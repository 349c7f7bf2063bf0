// Batches out on the wire, found by their seq in O(1): a slot table whose seq names the slot.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace drover {

// A seq is the slot index in the low 32 bits and the slot's generation above
// it, so a stale or stray seq never matches a slot that has been reused.
// Slots are reused most-recently-freed first, which keeps the live ones
// compact in memory: at 10,000 ranks a hash map of in-flight batches cost
// the scheduler more in cache misses than all its other work.
template <class T>
class SlotTable {
 public:
  // Stores `value`; returns it in place (valid until the next insert) and its seq.
  T& insert(T&& value, std::uint64_t& seq) {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    ++slot.generation;
    slot.used = true;
    slot.value = std::move(value);
    ++size_;
    seq = (static_cast<std::uint64_t>(slot.generation) << 32) | index;
    return slot.value;
  }

  // Removes and returns the value `seq` names, or nullopt when none does.
  std::optional<T> take(std::uint64_t seq) {
    const auto index = static_cast<std::uint32_t>(seq);
    if (index >= slots_.size()) return std::nullopt;
    Slot& slot = slots_[index];
    if (!slot.used || slot.generation != static_cast<std::uint32_t>(seq >> 32)) return std::nullopt;
    slot.used = false;
    free_.push_back(index);
    --size_;
    return std::move(slot.value);
  }

  // The value `seq` names, in place, or null when none does.
  T* find(std::uint64_t seq) {
    const auto index = static_cast<std::uint32_t>(seq);
    if (index >= slots_.size()) return nullptr;
    Slot& slot = slots_[index];
    if (!slot.used || slot.generation != static_cast<std::uint32_t>(seq >> 32)) return nullptr;
    return &slot.value;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Slot {
    std::uint32_t generation = 0;
    bool used = false;
    T value{};
  };
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t size_ = 0;
};

}  // namespace drover
