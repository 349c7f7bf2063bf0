// Argument lists and their product: GNU parallel's order, streaming, origins, bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <ext/stdio_filebuf.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/errors.hpp"
#include "inputs/arg_lists.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

// Every tuple as "v1|v2|..." and, separately, their origins.
struct Drained {
  std::vector<std::string> values;
  std::vector<std::string> origins;
  std::vector<std::uint64_t> seqs;
};

Drained drain(ArgProduct& product) {
  Drained d;
  ArgTuple tuple;
  while (product.next(tuple)) {
    std::string v, o;
    for (std::size_t i = 0; i < tuple.values.size(); ++i) {
      if (i > 0) v += '|', o += '|';
      v += tuple.values[i];
      o += tuple.origins[i].where();
    }
    d.values.push_back(v);
    d.origins.push_back(o);
    d.seqs.push_back(tuple.seq);
  }
  return d;
}

std::vector<std::string> words(std::initializer_list<const char*> list) {
  return {list.begin(), list.end()};
}

template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

class ArgListFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "drover-args-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  fs::path dir_;
};

TEST(ArgListParse, SeparatorsMakeLists) {
  const auto specs = parse_arg_lists(words({":::", "a", "b", "::::", "f", "-", ":::", "x"}));
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_FALSE(specs[0].is_file);
  EXPECT_EQ(specs[0].words, words({"a", "b"}));
  EXPECT_TRUE(specs[1].is_file);
  EXPECT_EQ(specs[1].path, "f");
  EXPECT_EQ(specs[2].path, "-");
  EXPECT_EQ(specs[3].words, words({"x"}));
  EXPECT_TRUE(parse_arg_lists({}).empty());
  const auto empty = parse_arg_lists(words({":::", ":::", "a"}));
  ASSERT_EQ(empty.size(), 2u);
  EXPECT_TRUE(empty[0].words.empty());
}

TEST(ArgListParse, MistakesAreRefused) {
  EXPECT_EQ(input_error([] {
              parse_arg_lists(words({"a", ":::", "b"}));
            }),
            "'a': expected ::: or :::: before the arguments");
  EXPECT_EQ(input_error([] {
              parse_arg_lists(words({":::", "a", "::::"}));
            }),
            ":::: needs a file name after it (- is stdin)");
  EXPECT_EQ(input_error([] {
              parse_arg_lists(words({"::::", ":::", "a"}));
            }),
            ":::: needs a file name after it (- is stdin)");
  EXPECT_EQ(input_error([] {
              parse_arg_lists(words({":::", "a", ":::+", "b"}));
            }),
            ":::+: GNU parallel's linked argument lists are not supported");
}

TEST(ArgListProduct, GnuParallelsOrder) {
  // parallel -k echo {1} {2} {3} ::: a b ::: 1 2 ::: x y
  ArgProduct product({ArgListSpec::of_words(words({"a", "b"})),
                      ArgListSpec::of_words(words({"1", "2"})),
                      ArgListSpec::of_words(words({"x", "y"}))});
  const auto d = drain(product);
  EXPECT_EQ(d.values,
            words({"a|1|x", "a|1|y", "a|2|x", "a|2|y", "b|1|x", "b|1|y", "b|2|x", "b|2|y"}));
  EXPECT_EQ(d.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(product.produced(), 8u);
  EXPECT_EQ(d.origins[5], "::: list 1, word 2|::: list 2, word 1|::: list 3, word 2");
  ArgTuple tuple;
  EXPECT_FALSE(product.next(tuple));  // stays at the end
}

TEST(ArgListProduct, AWordWithANewlineStaysOneArgument) {
  ArgProduct product({ArgListSpec::of_words(words({"new\nline", ""}))});
  EXPECT_EQ(drain(product).values, words({"new\nline", ""}));
}

TEST(ArgListProduct, AnEmptyListMakesNoTasks) {
  ArgProduct inner({ArgListSpec::of_words(words({"a", "b"})), ArgListSpec::of_words({})});
  EXPECT_TRUE(drain(inner).values.empty());
  EXPECT_EQ(inner.produced(), 0u);
  ArgProduct outer({ArgListSpec::of_words({}), ArgListSpec::of_words(words({"a"}))});
  EXPECT_TRUE(drain(outer).values.empty());
}

TEST_F(ArgListFiles, LinesAreArgumentsWithFileAndLine) {
  // GNU: an empty line is an empty argument, a last line without "\n" counts.
  const auto path = write("names.txt", "a b\n\nc$\r\nlast");
  ArgProduct product({ArgListSpec::of_file(path)});
  const auto d = drain(product);
  EXPECT_EQ(d.values, words({"a b", "", "c$", "last"}));
  EXPECT_EQ(d.origins,
            (std::vector<std::string>{path + ":1", path + ":2", path + ":3", path + ":4"}));
}

TEST_F(ArgListFiles, InnerFilesAreReadAgainAndStdinIsHeld) {
  const auto inner = write("inner.txt", "1\n2\n");
  std::istringstream stdin_text("x\ny\n");
  ArgProduct product({ArgListSpec::of_words(words({"a", "b"})), ArgListSpec::of_file(inner),
                      ArgListSpec::of_file("-")},
                     stdin_text);
  const auto d = drain(product);
  EXPECT_EQ(d.values,
            words({"a|1|x", "a|1|y", "a|2|x", "a|2|y", "b|1|x", "b|1|y", "b|2|x", "b|2|y"}));
  EXPECT_EQ(d.origins[7], std::string("::: list 1, word 2|").append(inner).append(":2|stdin:2"));
}

TEST_F(ArgListFiles, StdinFirstIsStreamed) {
  const auto inner = write("k.txt", "4\n8\n");
  std::istringstream stdin_text("s1\ns2\ns3\n");
  ArgProduct product({ArgListSpec::of_file("-"), ArgListSpec::of_file(inner)}, stdin_text);
  EXPECT_EQ(drain(product).values, words({"s1|4", "s1|8", "s2|4", "s2|8", "s3|4", "s3|8"}));
}

TEST(ArgListProduct, StdinIsReadOnlyAsFarAsNeeded) {
  // stdin is a pipe still open for writing, read without blocking: a source
  // that read ahead of what next() needs would hit EAGAIN and fail, instead
  // of handing out the names written so far.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
  __gnu_cxx::stdio_filebuf<char> buffer(fds[0], std::ios::in);  // closes fds[0]
  std::istream stdin_pipe(&buffer);
  ASSERT_EQ(::write(fds[1], "a\n", 2), 2);
  ArgProduct product({ArgListSpec::of_file("-")}, stdin_pipe);
  ArgTuple tuple;
  ASSERT_TRUE(product.next(tuple));
  EXPECT_EQ(tuple.values[0], "a");
  ASSERT_EQ(::write(fds[1], "b\nc", 3), 3);
  ASSERT_TRUE(product.next(tuple));
  EXPECT_EQ(tuple.values[0], "b");
  EXPECT_EQ(tuple.origins[0].where(), "stdin:2");
  ::close(fds[1]);
  ASSERT_TRUE(product.next(tuple));
  EXPECT_EQ(tuple.values[0], "c");
  EXPECT_FALSE(product.next(tuple));
  EXPECT_EQ(product.produced(), 3u);
}

TEST_F(ArgListFiles, ALongListRunsThrough) {
  std::string text;
  constexpr int kLines = 200'000;
  for (int i = 0; i < kLines; ++i)
    text.append("data/part-").append(std::to_string(i)).append(".csv\n");
  const auto path = write("long.txt", text);
  ArgProduct product({ArgListSpec::of_file(path), ArgListSpec::of_words(words({"x", "y"}))});
  ArgTuple tuple;
  std::uint64_t n = 0;
  std::string last;
  while (product.next(tuple)) {
    ++n;
    last = tuple.values[0] + "|" + tuple.values[1] + "|" + tuple.origins[0].where();
  }
  EXPECT_EQ(n, 2u * kLines);
  EXPECT_EQ(product.produced(), n);
  EXPECT_EQ(last, std::string("data/part-199999.csv|y|").append(path).append(":200000"));
}

TEST_F(ArgListFiles, BadFilesAreRefusedBeforeAnything) {
  const auto missing = (dir_ / "missing.txt").string();
  EXPECT_EQ(input_error([&] { ArgProduct p({ArgListSpec::of_file(missing)}); }),
            missing + ": cannot open argument file: No such file or directory");
  EXPECT_EQ(input_error([&] { ArgProduct p({ArgListSpec::of_file(dir_.string())}); }),
            dir_.string() + ": cannot open argument file: is a directory");
  std::istringstream in("a\n");
  EXPECT_EQ(input_error([&] {
              ArgProduct p({ArgListSpec::of_file("-"), ArgListSpec::of_file("-")}, in);
            }),
            ":::: -: stdin can be only one of the argument lists");
  EXPECT_EQ(input_error([] { ArgProduct p({}); }), "no argument lists (::: words or :::: files)");
}

TEST_F(ArgListFiles, ANulByteOrAHugeLineNamesTheLine) {
  const auto nul = write("nul.txt", std::string("ok\nbad\0name\n", 12));
  ArgProduct product({ArgListSpec::of_file(nul)});
  ArgTuple tuple;
  ASSERT_TRUE(product.next(tuple));
  EXPECT_EQ(input_error([&] { product.next(tuple); }), nul + ":2: the argument holds a NUL byte");
  const auto huge = write("huge.txt", std::string("a\n").append((1 << 20) + 1, 'x'));
  ArgProduct big({ArgListSpec::of_file(huge)});
  ASSERT_TRUE(big.next(tuple));
  EXPECT_EQ(input_error([&] { big.next(tuple); }), huge + ":2: line longer than 1 MiB");
  // Exactly the cap is fine.
  const auto edge = write("edge.txt", std::string(1 << 20, 'y') + "\n");
  ArgProduct fits({ArgListSpec::of_file(edge)});
  ASSERT_TRUE(fits.next(tuple));
  EXPECT_EQ(tuple.values[0].size(), std::size_t{1} << 20);
}

}  // namespace
}  // namespace drover
