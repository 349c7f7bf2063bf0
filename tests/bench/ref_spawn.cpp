// The physical limit for running commands: posix_spawn /bin/sh -c "CMD i" for i in 1..N, P at a
// time, reaped by waitpid.
//
// Usage: drover_ref_spawn N P CMD   prints one JSON line: {"ref":"spawn","n":N,"p":P,"seconds":S}
// Exactly what drover's exec kind starts for the template 'CMD {}' (one shell per task),
// with none of its bookkeeping: no pipes, no pidfds, no process groups, no environment copy.
// CMD "argv:WORDS" runs WORDS (split at spaces) with no shell and no number, as a task
// file's "argv" does.
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: drover_ref_spawn N P CMD\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const long p = std::atol(argv[2]);
  if (n < 0 || p < 1) {
    std::fprintf(stderr, "drover_ref_spawn: N >= 0 and P >= 1\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  long started = 0, running = 0, failed = 0;
  const std::string cmd = argv[3];
  std::vector<std::string> words;  // argv mode
  if (cmd.rfind("argv:", 0) == 0) {
    std::size_t at = 5;
    while (at < cmd.size()) {
      const std::size_t space = cmd.find(' ', at);
      const std::size_t end = space == std::string::npos ? cmd.size() : space;
      if (end > at) words.push_back(cmd.substr(at, end - at));
      at = end + 1;
    }
  }
  std::vector<char*> word_ptrs;
  for (std::string& w : words) word_ptrs.push_back(w.data());
  word_ptrs.push_back(nullptr);
  std::string line;
  while (started < n || running > 0) {
    while (started < n && running < p) {
      line = cmd + " " + std::to_string(++started);
      char sh[] = "/bin/sh", dash_c[] = "-c";
      char* args[] = {sh, dash_c, line.data(), nullptr};
      pid_t pid = 0;
      const int error = words.empty()
                            ? posix_spawn(&pid, "/bin/sh", nullptr, nullptr, args, environ)
                            : posix_spawnp(&pid, word_ptrs[0], nullptr, nullptr, word_ptrs.data(),
                                           environ);
      if (error != 0) {
        ++failed;
        continue;
      }
      ++running;
    }
    int status = 0;
    if (waitpid(-1, &status, 0) > 0) {
      --running;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"ref\":\"spawn\",\"n\":%ld,\"p\":%ld,\"seconds\":%.6f,\"failed\":%ld}\n", n, p,
              seconds, failed);
  return failed == 0 ? 0 : 1;
}
