// A move-only, type-erased `void() noexcept`: the unit of work of the pool and the lane.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace drover {

// std::function would demand copyable callables (no packaged_task, no
// unique_ptr captures) and std::move_only_function is C++23. One allocation
// per job is fine: a pool job is a whole chunk of tasks, a lane job one timer.
class UniqueJob {
 public:
  UniqueJob() = default;
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, UniqueJob>) explicit UniqueJob(F&& f)
      : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(f))) {
    static_assert(std::is_nothrow_invocable_v<std::decay_t<F>&>,
                  "a job must be noexcept: failures are data, never lost exceptions");
  }

  void run() noexcept { impl_->run(); }
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void run() noexcept = 0;
  };
  template <class F>
  struct Impl final : Base {
    template <class G>
    explicit Impl(G&& g) : fn(std::forward<G>(g)) {}
    void run() noexcept override { fn(); }
    F fn;
  };
  std::unique_ptr<Base> impl_;
};

}  // namespace drover
