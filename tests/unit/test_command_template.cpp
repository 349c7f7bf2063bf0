// Command templates and shell quoting, against what GNU parallel 20221122 prints (captured).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "model/errors.hpp"
#include "inputs/command_template.hpp"
#include "model/shell_quote.hpp"

namespace drover {
namespace {

std::string expand1(std::string_view text, const std::string& arg, std::uint64_t seq = 1,
                    std::uint64_t slot = 1) {
  const CommandTemplate t(text, 1);
  const std::vector<std::string> args{arg};
  return t.expand(args, seq, slot);
}

std::string expand_n(std::string_view text, const std::vector<std::string>& args) {
  return CommandTemplate(text, args.size()).expand(args, 1, 1);
}

// What parsing `text` throws, or "" when it does not.
std::string parse_error(std::string_view text, std::size_t lists) {
  try {
    CommandTemplate t(text, lists);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// `parallel -0 -k --dry-run 'A {} B {.} C {/} D {//} E {/.} F' :::: names`,
// one name per row, output as GNU parallel 20221122 printed it.
struct Case {
  const char* arg;
  const char* gnu;
};
constexpr Case kGnuCases[] = {
    {"a/b.c.d", "A a/b.c.d B a/b.c C b.c.d D a E b.c F"},
    {".hidden", "A .hidden B '' C .hidden D . E '' F"},
    {"dir/", "A dir/ B dir/ C '' D . E '' F"},
    {"noext", "A noext B noext C noext D . E noext F"},
    {"/abs/x.tar.gz", "A /abs/x.tar.gz B /abs/x.tar C x.tar.gz D /abs E x.tar F"},
    {"my file.jpg", "A 'my file.jpg' B 'my file' C 'my file.jpg' D . E 'my file' F"},
    {"x$y.z", "A 'x$y.z' B 'x$y' C 'x$y.z' D . E 'x$y' F"},
    {"it's.txt", "A 'it'\"'\"'s.txt' B 'it'\"'\"'s' C 'it'\"'\"'s.txt' D . E 'it'\"'\"'s' F"},
    {"a\"b", "A 'a\"b' B 'a\"b' C 'a\"b' D . E 'a\"b' F"},
    {"/", "A / B / C '' D / E '' F"},
    {"", "A '' B '' C '' D . E '' F"},
    {"a//b", "A a//b B a//b C b D a E b F"},
    {"//x", "A //x B //x C x D / E x F"},
    {"..", "A .. B . C .. D . E . F"},
    {".", "A . B '' C . D . E '' F"},
    {"new\nline.txt", "A 'new\nline.txt' B 'new\nline' C 'new\nline.txt' D . E 'new\nline' F"},
    {"x/y\nz/w", "A 'x/y\nz/w' B 'x/y\nz/w' C 'y\nz/w' D 'x/y\nz' E 'y\nz/w' F"},
    {"a\nb/c", "A 'a\nb/c' B 'a\nb/c' C 'a\nc' D 'a\nb' E 'a\nc' F"},
    {"é/ü.ß", "A 'é/ü.ß' B 'é/ü' C 'ü.ß' D 'é' E 'ü' F"},
    {"~/a.b", "A '~/a.b' B '~/a' C a.b D '~' E a F"},
    {"a b/c d.e f", "A 'a b/c d.e f' B 'a b/c d' C 'c d.e f' D 'a b' E 'c d' F"},
    {"-n", "A -n B -n C -n D . E -n F"},
    {"*.c", "A '*.c' B '*' C '*.c' D . E '*' F"},
};

TEST(Template, EachReplacementStringAsGnuParallel) {
  const CommandTemplate t("A {} B {.} C {/} D {//} E {/.} F", 1);
  std::string out;
  for (const Case& c : kGnuCases) {
    const std::vector<std::string> args{c.arg};
    t.expand(args, 1, 1, out);
    EXPECT_EQ(out, c.gnu) << "argument: " << c.arg;
  }
}

TEST(Template, PositionalFormsAsGnuParallel) {
  // parallel --dry-run 'echo {1} {2} {-1} {1.} {2/} {2//} {1/.} {-2/.} {2/.}' ::: 'a b.c' ::: d/e.f
  EXPECT_EQ(expand_n("echo {1} {2} {-1} {1.} {2/} {2//} {1/.} {-2/.} {2/.}", {"a b.c", "d/e.f"}),
            "echo 'a b.c' d/e.f d/e.f 'a b' e.f d 'a b' 'a b' e");
  EXPECT_EQ(expand_n("{01}-{002}", {"x", "y"}), "x-y");  // GNU reads leading zeros too
}

TEST(Template, BareStringsGiveEveryListJoinedBySpaces) {
  // parallel --dry-run 'echo {.} {/} {//} {/.}' ::: 'a b.c' ::: d/e.f
  EXPECT_EQ(expand_n("echo {.} {/} {//} {/.}", {"a b.c", "d/e.f"}),
            "echo 'a b' d/e 'a b.c' e.f . d 'a b' e");
  EXPECT_EQ(expand_n("echo {}", {"a", "", "c d"}), "echo a '' 'c d'");
}

TEST(Template, NoReplacementStringAppendsTheArguments) {
  const CommandTemplate t("gzip -9", 1);
  EXPECT_TRUE(t.appends_args());
  EXPECT_EQ(t.expand(std::vector<std::string>{"a b"}, 1, 1), "gzip -9 'a b'");
  EXPECT_EQ(expand1("gzip -9", "c$"), "gzip -9 'c$'");
  EXPECT_EQ(expand_n("echo", {"a", "1"}), "echo a 1");
  EXPECT_EQ(expand1("echo ", "x"), "echo  x");  // GNU keeps the template's blank
  // {#} and {%} are replacement strings: nothing is appended.
  EXPECT_EQ(expand1("echo {#}", "a", 4), "echo 4");
  EXPECT_FALSE(CommandTemplate("echo {%}", 1).appends_args());
}

TEST(Template, SequenceAndSlotAreNumbers) {
  EXPECT_EQ(expand1("run --seq {#} --slot {%} {}", "a b", 1234567890123ULL, 17),
            "run --seq 1234567890123 --slot 17 'a b'");
  EXPECT_TRUE(CommandTemplate("x {%}", 1).uses_slot());
  EXPECT_FALSE(CommandTemplate("x {#} {}", 1).uses_slot());
}

TEST(Template, EarlyExpansionLeavesOnlyTheSlot) {
  const CommandTemplate t("tee log{%}.txt {} {%}{#}", 1);
  // An argument that spells {%} is data: it must not receive the slot.
  for (const std::string arg : {"plain", "{%}", "a b{%}"}) {
    const std::vector<std::string> args{arg};
    CommandTemplate::Pending pending;
    t.expand_early(args, 9, pending);
    EXPECT_EQ(pending.slot_at.size(), 2u);
    EXPECT_EQ(pending.finish(3), t.expand(args, 9, 3)) << arg;
  }
  CommandTemplate::Pending pending;
  t.expand_early(std::vector<std::string>{"{%}"}, 9, pending);
  EXPECT_EQ(pending.finish(12), "tee log12.txt '{%}' 129");
  // Without {%} the early text is the command.
  const CommandTemplate plain("echo {}", 1);
  plain.expand_early(std::vector<std::string>{"x y"}, 1, pending);
  EXPECT_TRUE(pending.slot_at.empty());
  EXPECT_EQ(pending.finish(5), "echo 'x y'");
}

TEST(Template, ReplacementInTheFirstWordMeansCommandText) {
  // GNU parallel's facts, from --dry-run:
  EXPECT_EQ(expand1("{}", "echo a"), "echo a");
  EXPECT_EQ(expand_n("{1} {2}", {"echo", "a b"}), "echo a b");
  EXPECT_EQ(expand1("X{#} {}", "a b"), "X1 a b");
  EXPECT_EQ(expand1("${HOME}/{} {}", "a b"), "${HOME}/a b a b");
  EXPECT_EQ(expand1("a=b{} {}", "a b"), "a=b'a b' 'a b'");
  EXPECT_EQ(expand1(" {} {}", "a b"), " 'a b' 'a b'");
  EXPECT_EQ(expand1("{print} {}", "a b"), "{print} 'a b'");
  EXPECT_FALSE(CommandTemplate("{}", 1).quotes_args());
  EXPECT_TRUE(CommandTemplate("echo {}", 1).quotes_args());
}

TEST(Template, OtherBracesAreShellText) {
  EXPECT_EQ(expand1("awk '{print $1}' {}", "a b"), "awk '{print $1}' 'a b'");
  EXPECT_EQ(expand1("echo {a,b} {{}} { } {x}", "a b"), "echo {a,b} {'a b'} { } {x}");
  EXPECT_EQ(expand1("echo }{ {} {", "a b"), "echo }{ 'a b' {");
  EXPECT_EQ(expand1("echo {}{}", "it's"), "echo 'it'\"'\"'s''it'\"'\"'s'");
  EXPECT_EQ(expand1("f() { echo \"$1\"; }; f {}", "x"), "f() { echo \"$1\"; }; f x");
}

TEST(Template, MistakesAreRefusedWithColumn) {
  EXPECT_EQ(parse_error("echo {3}", 2),
            "template: {3} at column 6 names argument list 3, but there are 2");
  EXPECT_EQ(parse_error("echo {-3/}", 2),
            "template: {-3/} at column 6 names argument list -3, but there are 2");
  EXPECT_EQ(parse_error("x {0}", 1),
            "template: {0} at column 3: argument lists are numbered from 1 (-1 is the last)");
  EXPECT_EQ(parse_error("x {-0}", 1).substr(0, 25), "template: {-0} at column ");
  EXPECT_EQ(parse_error("x {99999999999999999999999}", 3),
            "template: {99999999999999999999999} at column 3 names argument list "
            "99999999999999999999999, but there are 3");
  EXPECT_EQ(parse_error("echo {..} x", 1),
            "template: unknown replacement string {..} at column 6 (drover knows {} {.} {/} "
            "{//} {/.} {#} {%} and {n} {n.} {n/} {n//} {n/.})");
  for (const char* bad : {"{+.}", "{1..3}", "{3#}", "{#/}", "{1%}", "{-}", "{+}", "{//.}", "{.1}",
                          "{##}", "{0#}", "{/..}"}) {
    const std::string e = parse_error(std::string("cmd ") + bad, 3);
    std::string expected = "template: unknown replacement string ";
    expected.append(bad).append(" at column 5");
    EXPECT_EQ(e.rfind(expected, 0), 0u) << bad << ": " << e;
  }
  EXPECT_EQ(parse_error("echo {= uc =} {}", 1),
            "template: {= at column 6: GNU parallel's Perl expressions are not supported");
  EXPECT_EQ(parse_error(" \t ", 1), "template: the command is empty");
  EXPECT_EQ(parse_error("", 1), "template: the command is empty");
  EXPECT_EQ(parse_error("echo {2} {-2}", 2), "");
  EXPECT_THROW(CommandTemplate("echo", 0), std::invalid_argument);
  EXPECT_THROW(CommandTemplate("echo {}", 2).expand(std::vector<std::string>{"a"}, 1, 1),
               std::invalid_argument);
}

// --- quoting: GNU's spelling, and /bin/sh gives every byte back ---

TEST(TemplateQuote, SpelledAsGnuParallel) {
  // parallel --dry-run echo {} ::: ... (each printed as GNU quoted it)
  EXPECT_EQ(shell_quoted("plain"), "plain");
  EXPECT_EQ(shell_quoted("-n"), "-n");
  EXPECT_EQ(shell_quoted("+x"), "+x");
  EXPECT_EQ(shell_quoted("A_Z/a.b-c"), "A_Z/a.b-c");
  EXPECT_EQ(shell_quoted(""), "''");
  EXPECT_EQ(shell_quoted("a b"), "'a b'");
  EXPECT_EQ(shell_quoted("it's"), "'it'\"'\"'s'");
  EXPECT_EQ(shell_quoted("'"), "\"'\"");
  EXPECT_EQ(shell_quoted("'a"), "\"'\"'a'");
  EXPECT_EQ(shell_quoted("a'"), "'a'\"'\"");
  EXPECT_EQ(shell_quoted("''"), "\"'\"''\"'\"");
  for (const char* word :
       {"a=b", "a,b", "a:b", "a@b", "a%b", "^", "\t", "!", "a#b", "a{b", "~", "*", "a\\b", "é"}) {
    std::string expected = "'";
    expected.append(word).append("'");
    EXPECT_EQ(shell_quoted(word), expected) << word;
  }
}

// Runs `printf '%s\000' WORD...` through /bin/sh and splits what it printed.
std::vector<std::string> through_sh(const std::vector<std::string>& words) {
  std::string command = "printf '%s\\000'";
  for (const std::string& w : words) {
    command.push_back(' ');
    append_shell_quoted(command, w);
  }
  std::FILE* pipe = ::popen(command.c_str(), "r");  // popen runs /bin/sh -c
  if (!pipe) return {};
  std::string output;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  if (::pclose(pipe) != 0) return {};
  std::vector<std::string> back;
  std::size_t start = 0;
  for (std::size_t i = 0; i < output.size(); ++i) {
    if (output[i] == '\0') {
      back.push_back(output.substr(start, i - start));
      start = i + 1;
    }
  }
  return back;
}

TEST(TemplateQuote, ShGivesEveryByteBack) {
  std::vector<std::string> words;
  std::string all;
  for (int byte = 1; byte <= 255; ++byte) {
    const char c = static_cast<char>(byte);
    words.emplace_back(1, c);
    words.push_back(std::string("a") + c + "b" + c);
    all.push_back(c);
  }
  words.push_back(all);
  for (const char* w : {"", "'", "''", "'''", "'a'", "a''b", "\"'\"", "$(echo no)", "`echo no`",
                        "${HOME}", "-e", "--", "\\", "\\'", "a\nb\n", "\n", "!$x", ";|&<>()"}) {
    words.emplace_back(w);
  }
  EXPECT_EQ(through_sh(words), words);
}

TEST(TemplateQuote, ExpandedCommandsRunAsOneArgumentEach) {
  const CommandTemplate t("printf '%s\\000' {} {/} {.}", 1);
  const std::string name = "dir with space/it's $HOME `x`.tar.gz";
  const std::string command = t.expand(std::vector<std::string>{name}, 1, 1);
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  EXPECT_EQ(::pclose(pipe), 0);
  EXPECT_EQ(output, name + '\0' + "it's $HOME `x`.tar.gz" + '\0' +
                        "dir with space/it's $HOME `x`.tar" + '\0');
}

// Not a timing assertion: prints the cost, checks the work was done.
TEST(Template, ExpansionCost) {
  const CommandTemplate t("convert {} -resize 50% small/{/.}.png --log {#}.log", 1);
  constexpr int kRounds = 300'000;
  std::vector<std::string> args{"img/photo_000000.jpg"};
  std::string out;
  std::size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    args[0][15] = static_cast<char>('0' + i % 10);
    t.expand(args, static_cast<std::uint64_t>(i) + 1, 1, out);
    bytes += out.size();
  }
  const auto ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kRounds;
  // 74 bytes plus the digits of the sequence number.
  std::size_t expected = 0;
  for (int i = 1; i <= kRounds; ++i) expected += 74 + std::to_string(i).size();
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(out,
            "convert img/photo_000009.jpg -resize 50% small/photo_000009.png --log 300000.log");
  std::printf("[ cost     ] %.1f ns per expansion of a 3-string template\n", ns);
  RecordProperty("ns_per_expansion", std::to_string(ns));
}

}  // namespace
}  // namespace drover
