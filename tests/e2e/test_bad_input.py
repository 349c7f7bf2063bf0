"""End-to-end bad input: command-line values, task files, outputs and journals.

Every case runs the real binary under a timeout and wants exit 2 (or the
documented behaviour), exactly one stderr line "drover: error: ..." naming
what is wrong and where, nothing on stdout (no summary: no work started), and
no crash or hang. A few run under mpirun -np 3 too: still one line, not one
per rank.

Duplicate task ids cannot be written: a task's id is its line ordinal (blank
lines skipped), so there is no id field to repeat. A duplicated JSON key
("n" twice) is the nearest thing and has a case of its own.

Cases marked KNOWN BUG are expected failures: remove the decorator with the
fix (an unexpected success fails the suite, so it cannot be forgotten).
"""
import os
import struct
import unittest

from test_drover import TempDirTest, drover

COLUMNS = "id,kind,input,ok,value,error"
OVERFLOW = 3037000500


def records(data):
    """(offset, length) of each record of a journal's bytes. Layout, from
    src/journal/journal_codec.hpp: magic[8], u32 version, u32 fingerprint length,
    fingerprint, u32 CRC; then records of u32 length, u32 CRC of the length, u32 CRC, payload
    (format version 4)."""
    (flen,) = struct.unpack_from("<I", data, 12)
    offset = 16 + flen + 4
    found = []
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        found.append((offset, length))
        offset += 12 + length
    return found


class Check(TempDirTest):
    def check(self, args, fragments, ranks=None, env=None):
        """Exit 2, one stderr line naming every fragment, an empty stdout."""
        r = drover(*args, ranks=ranks, env=env, timeout=60)
        where = f"{args} (ranks {ranks}): rc {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}"
        self.assertNotEqual(r.returncode, 124, f"timed out: {where}")
        self.assertEqual(r.returncode, 2, where)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, f"one stderr line expected: {where}")
        self.assertTrue(lines[0].startswith("drover: error: "), where)
        for fragment in [fragments] if isinstance(fragments, str) else fragments:
            self.assertIn(fragment, lines[0], where)
        self.assertEqual(r.stdout, "", f"no summary, no work: {where}")
        return lines[0]

    def check_all(self, cases, **kw):
        for args, fragments in cases:
            with self.subTest(args=args):
                self.check(args, fragments, **kw)


class BadFlags(Check):
    def test_command_line_values(self):
        cases = [
            ([], "no command given"),
            (["explode"], 'unknown command "explode"'),
            (["run"], "needs a kind"),
            (["run", "cube"], 'unknown kind "cube"'),
            (["run", "square", "cube"], 'takes one kind, got "cube"'),
            (["run", "square", "--count", "-3"], "--count -3"),
            (["run", "square", "--count", "ten"], ["'ten'", "--count"]),
            (["run", "square", "--count", "99999999999999999999"], "--count"),
            (["run", "square", "--count"], ["--count", "missing"]),
            (["run", "square", "--from", "9223372036854775807", "--count", "2"],
             "runs past the largest 64-bit integer"),
            (["run", "square", "--tasks", "5"], "--tasks does not apply to square"),
            (["run", "crunch", "--from", "5"], "--from does not apply to crunch"),
            (["run", "crunch", "--count", "-1"], "--count -1"),
            (["run", "download", "--min", "10", "--max", "5"], "--min 10"),
            (["run", "download", "--min", "nan"], "--min"),
            (["run", "download", "--max", "inf"], "--max"),
            (["run", "download", "--max", "-1"], "--max"),
            (["run", "download", "--seed", "-1"], "--seed -1"),
            (["run", "square", "--frobnicate"], "--frobnicate"),
            (["run", "square", "--format", "xml"], ["--format", "xml"]),
            (["run", "square", "--batch", "-1"], "--batch -1"),
            (["run", "square", "--threads", "5000"], "--threads 5000"),
            (["run", "square", "--io-window", "0"], "--io-window 0"),
            (["run", "square", "--retries", "-1"], "--retries -1"),
            (["run", "square", "--retries", "101"], "--retries 101"),
            (["run", "square", "--exclude-after", "-1"], "--exclude-after -1"),
            (["run", "square", "--fsync-every", "-1"], "--fsync-every -1"),
            (["run", "square", "--fsync-interval", "999999999999"], "--fsync-interval"),
            (["run", "square", "--columns", "bogus"], 'unknown column "bogus"'),
            (["run", "square", "--columns", ""], "--columns"),
            (["run", "square", "--columns", "id,"], "--columns"),
            (["run", "square", "--columns", "id,id"], 'column "id" is named twice'),
            (["run", "square", "--output", ""], "--output must name a file"),
            (["run", "square", "--journal", ""], "--journal must name a file"),
            (["run", "square", "--resume"], "--resume needs --journal"),
            (["run", "square", "--retry-failed"], "--retry-failed needs --resume"),
            (["run", "square", "--tasks-file", "x.jsonl"], "not both"),
            (["run", "--tasks-file", ""], "--tasks-file must name a file"),
            (["run", "--tasks-file", "x.jsonl", "--count", "3"], "--count does not apply"),
            (["info", "--threads", "-2"], "--threads -2"),
            (["journal"], "usage: drover journal"),
            (["journal", "frob", "x"], "usage: drover journal"),
            (["journal", "show"], "usage: drover journal"),
            (["journal", "export", "x", "--format", "xml"], ["--format", "xml"]),
            (["journal", "export", "x", "--columns", "nope"], 'unknown column "nope"'),
        ]
        self.check_all(cases)

    def test_env_fallbacks_are_checked(self):
        self.check(["run", "square"], "'abc'", env={"DROVER_BATCH": "abc"})
        self.check(["run", "square"], "xml", env={"DROVER_FORMAT": "xml"})
        self.check(["run", "square"], "0", env={"DROVER_IO_WINDOW": "0"})

    def test_env_fallback_errors_name_the_variable(self):
        self.check(["run", "square"], "DROVER_BATCH", env={"DROVER_BATCH": "abc"})
        self.check(["run", "square"], "DROVER_FORMAT", env={"DROVER_FORMAT": "xml"})

    def test_slurm_cpus_per_task_is_checked_like_threads(self):
        """Issue 11: 100000 failed after start-up (exit 3, "Resource temporarily
        unavailable"), 5000 started 5000 threads; --threads caps at 4096."""
        for value in ("100000", "5000", "0", "lots"):
            with self.subTest(value=value):
                self.check(["run", "square", "--count", "3"], f"SLURM_CPUS_PER_TASK={value}",
                           env={"SLURM_CPUS_PER_TASK": value})
        self.check(["info"], "SLURM_CPUS_PER_TASK=5000", env={"SLURM_CPUS_PER_TASK": "5000"})
        r = drover("run", "square", "--count", "3", "--threads", "1",
                   env={"SLURM_CPUS_PER_TASK": "100000"}, timeout=60)
        self.assertEqual(r.returncode, 0, "--threads wins over the variable: " + r.stderr)

    def test_empty_env_fallbacks_are_unset(self):
        env = {name: "" for name in ("DROVER_THREADS", "DROVER_BATCH", "DROVER_FORMAT",
                                     "DROVER_IO_WINDOW", "DROVER_QUIET", "DROVER_OUTPUT")}
        r = drover("run", "square", "--count", "3", env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertIn("3 tasks, 0 failed", r.stdout)

    def test_under_mpirun_one_line(self):
        self.check(["run", "square", "--count", "-3"], "--count -3", ranks=3)
        self.check(["run", "square", "--resume"], "--resume needs --journal", ranks=3)
        self.check(["run", "square", "--columns", "bogus"], 'unknown column "bogus"', ranks=3)


class BadTaskFiles(Check):
    def task_file_cases(self):
        """(name, path, fragments): the path must appear with the line when there is one."""
        w = self.write
        huge_line = '{"kind":"download","name":"' + "x" * (2 << 20) + '","seconds":1}\n'
        late = "".join('{"kind":"square","n":%d}\n\n' % i for i in range(2000)) + '{"kind":"sqr"}\n'
        return [
            ("missing", self.path("nope.jsonl"), ["nope.jsonl", "No such file"]),
            ("directory", self.dir, [self.dir, "directory"]),
            ("empty", w("empty.jsonl", ""), ["empty.jsonl", "no tasks"]),
            ("blank lines only", w("blank.jsonl", "\n  \n\t\n\r\n"), ["blank.jsonl", "no tasks"]),
            ("binary garbage", w("bin.jsonl", b"\x00\xff\xfe binary\n\x01\x02", "wb"), "bin.jsonl:1:"),
            ("invalid UTF-8", w("utf.jsonl", b'{"kind":"download","name":"a\xffb","seconds":1}\n',
                                "wb"), ["utf.jsonl:1:", "UTF-8"]),
            ("lone surrogate", w("surr.jsonl", '{"kind":"download","name":"\\ud800","seconds":1}\n'),
             "surr.jsonl:1:"),
            ("NUL in a line", w("nul.jsonl", b'{"kind":"square",\x00"n":1}\n', "wb"), "nul.jsonl:1:"),
            ("bad JSON on line 2", w("j.jsonl", '{"kind":"square","n":1}\n{"kind":\n'), "j.jsonl:2:"),
            ("two objects on a line",
             w("two.jsonl", '{"kind":"square","n":1}{"kind":"square","n":2}\n'), "two.jsonl:1:"),
            ("array", w("arr.jsonl", "[1,2]\n"), ["arr.jsonl:1:", "JSON object"]),
            ("null", w("null.jsonl", "null\n"), ["null.jsonl:1:", "JSON object"]),
            ("a bare number", w("num.jsonl", "12\n"), ["num.jsonl:1:", "JSON object"]),
            ("no kind", w("nk.jsonl", '{"n":1}\n'), ["nk.jsonl:1:", '"kind"']),
            ("kind not a string", w("kn.jsonl", '{"kind":5}\n'), ["kn.jsonl:1:", '"kind"']),
            ("unknown kind", w("k.jsonl", '{"kind":"square","n":1}\n{"kind":"cube"}\n'),
             ["k.jsonl:2:", "cube"]),
            ("kind in capitals", w("up.jsonl", '{"kind":"SQUARE","n":1}\n'), ["up.jsonl:1:", "SQUARE"]),
            ("n a string", w("w.jsonl", '{"kind":"square","n":"12"}\n'), ["w.jsonl:1:", '"n"']),
            ("n a float", w("f.jsonl", '{"kind":"square","n":1.5}\n'), ["f.jsonl:1:", '"n"']),
            # 1e3 and 3.0 are the integers they spell (issue 11); past 2^53 a float may be rounded.
            ("n in exponent form past 2^53", w("e.jsonl", '{"kind":"square","n":1e17}\n'),
             ["e.jsonl:1:", '"n" above 2^53']),
            ("a BOM on line 2", w("bom2.jsonl", b'{"kind":"square","n":1}\n\xef\xbb\xbf{"kind":"square"'
                                  b',"n":2}\n', "wb"), "bom2.jsonl:2: a byte-order mark (BOM) may only"),
            ("a NUL line", w("nul2.jsonl", b'{"kind":"square","n":1}\n\x00\n', "wb"),
             "nul2.jsonl:2: invalid JSON: parse error at column 1:"),
            ("n a boolean", w("b.jsonl", '{"kind":"square","n":true}\n'), ["b.jsonl:1:", '"n"']),
            ("n beyond int64", w("big.jsonl", '{"kind":"square","n":99999999999999999999}\n'),
             ["big.jsonl:1:", '"n"']),
            ("n below int64", w("nbig.jsonl", '{"kind":"square","n":-99999999999999999999}\n'),
             ["nbig.jsonl:1:", '"n"']),
            ("n = 2^64-1", w("u64.jsonl", '{"kind":"square","n":18446744073709551615}\n'),
             ["u64.jsonl:1:", '"n"']),
            ("unknown field", w("x.jsonl", '{"kind":"square","n":1,"x":2}\n'), ["x.jsonl:1:", '"x"']),
            ("crunch without count", w("m.jsonl", '{"kind":"crunch"}\n'), ["m.jsonl:1:", '"count"']),
            ("crunch count negative", w("n.jsonl", '{"kind":"crunch","count":-1}\n'),
             ["n.jsonl:1:", '"count"']),
            ("crunch count huge", w("cb.jsonl", '{"kind":"crunch","count":99999999999999}\n'),
             ["cb.jsonl:1:", '"count"']),
            ("crunch count 2^64-1", w("cu.jsonl", '{"kind":"crunch","count":18446744073709551615}\n'),
             ["cu.jsonl:1:", '"count" must be in [0, 1000000000000]']),
            ("download without name", w("dn.jsonl", '{"kind":"download","seconds":1}\n'),
             ["dn.jsonl:1:", '"name"']),
            ("download empty name", w("de.jsonl", '{"kind":"download","name":"","seconds":1}\n'),
             ["de.jsonl:1:", '"name"']),
            ("download control character", w("dc.jsonl", '{"kind":"download","name":"a\\u0000b",'
                                                          '"seconds":1}\n'), ["dc.jsonl:1:", '"name"']),
            ("download negative seconds",
             w("dneg.jsonl", '{"kind":"download","name":"a","seconds":-1}\n'),
             ["dneg.jsonl:1:", '"seconds"']),
            ("download 1e300 seconds",
             w("dh.jsonl", '{"kind":"download","name":"a","seconds":1e300}\n'),
             ["dh.jsonl:1:", '"seconds"']),
            ("line over 1 MiB", w("long.jsonl", '{"kind":"square","n":1}\n' + huge_line),
             ["long.jsonl:2:", "longer than"]),
            ("error on line 4001 (blank lines count)", w("late.jsonl", late),
             ["late.jsonl:4001:", "sqr"]),
        ]

    def test_task_files(self):
        cases = self.task_file_cases()
        self.assertGreaterEqual(len(cases), 30)
        for name, path, fragments in cases:
            with self.subTest(name):
                self.check(["run", "--tasks-file", path], fragments)

    def test_fifo_and_dangling_symlink(self):
        # Paths that cannot be read twice or at all, and that stop root as well.
        fifo = self.path("fifo.jsonl")
        os.mkfifo(fifo)
        self.check(["run", "--tasks-file", fifo], ["fifo.jsonl", "not a regular file"])
        link = self.path("dangling.jsonl")
        os.symlink(self.path("no-such-target"), link)
        self.check(["run", "--tasks-file", link], ["dangling.jsonl", "No such file"])

    @unittest.skipIf(os.geteuid() == 0, "root reads a chmod 000 file; the FIFO and dangling "
                                        "symlink cases cover unreadable paths")
    def test_unreadable_file(self):
        path = self.write("secret.jsonl", '{"kind":"square","n":1}\n')
        os.chmod(path, 0)
        self.check(["run", "--tasks-file", path], ["secret.jsonl", "Permission denied"])

    def test_tolerated_forms_run(self):
        # Documented or harmless: CRLF line ends, no final newline, a UTF-8 BOM.
        two = b'{"kind":"square","n":1}\n{"kind":"square","n":2}'
        for name, content in [("crlf", two.replace(b"\n", b"\r\n") + b"\r\n"),
                              ("no newline", two),
                              ("bom", b"\xef\xbb\xbf" + two + b"\n")]:
            with self.subTest(name):
                path = self.write("ok.jsonl", content, "wb")
                r = drover("run", "--tasks-file", path, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("2 tasks, 0 failed", r.stdout)

    def test_integers_written_as_floats_are_those_integers(self):
        """Issue 11: 1e3 and 3.0 were refused, though Python writes integers so."""
        path = self.write("f.jsonl", '{"kind":"square","n":3.0}\n{"kind":"crunch","count":1e3}\n')
        out = self.path("f.out")
        r = drover("run", "--tasks-file", path, "--output", out, "--columns", "value", "--format",
                   "csv", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "value\n9\n1000\n")

    def test_duplicate_key(self):
        path = self.write("dup.jsonl", '{"kind":"square","n":1,"n":2}\n')
        self.check(["run", "--tasks-file", path], ["dup.jsonl:1:", '"n"'])

    def test_stdin_task_file_errors_name_stdin(self):
        r = drover("run", "--tasks-file", "-", stdin_text='{"kind":"square","n":1}\n{"kind":"cube"}\n',
                   timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.splitlines(), [r.stderr.strip()], "one line")
        self.assertTrue(r.stderr.startswith("drover: error: <stdin>:2: "), r.stderr)
        self.check(["run", "--tasks-file", "-"], "<stdin>: no tasks")

    def test_under_mpirun_one_line(self):
        path = self.write("k.jsonl", '{"kind":"square","n":1}\n{"kind":"cube"}\n')
        self.check(["run", "--tasks-file", path], "k.jsonl:2:", ranks=3)
        self.check(["run", "--tasks-file", self.write("e.jsonl", "")], "no tasks", ranks=3)


class BadOutputs(Check):
    def test_unwritable_output(self):
        self.check(["run", "square", "--output", "/nonexistent/x/out.jsonl"], "/nonexistent/x")
        self.check(["run", "square", "--output", "/nonexistent/x/out.jsonl"], "/nonexistent/x",
                   ranks=3)
        self.check(["run", "square", "--output", self.dir], self.dir)

    def test_output_over_the_task_file_is_refused(self):
        tasks = self.write("t.jsonl", "".join('{"kind":"square","n":%d}\n' % i for i in range(20000)))
        size = os.path.getsize(tasks)
        try:
            self.check(["run", "--tasks-file", tasks, "--output", tasks], "t.jsonl")
        finally:
            self.assertEqual(os.path.getsize(tasks), size, "the task file was overwritten")

    def test_output_over_the_journal_is_refused(self):
        path = self.path("same")
        self.check(["run", "square", "--count", "10", "--journal", path, "--output", path], "same")

    def test_one_file_under_two_spellings_is_refused(self):
        """Issue 11: paths are compared as files, not as strings, before any exists."""
        os.mkdir(self.path("bad"))
        os.mkdir(self.path("real"))
        os.symlink(self.path("real"), self.path("alias"))
        os.symlink(self.path("target.x"), self.path("dangling"))
        hard = self.write("made.x", "")
        os.link(hard, self.path("hard.x"))
        cases = [
            (["--output", "./a1.x", "--journal", "a1.x", "--resume"], self.dir,
             ["./a1.x and a1.x", "--output and --journal"]),
            (["--output", "../bad/a3.x", "--summary-json", "a3.x"], self.path("bad"),
             ["--output and --summary-json"]),
            (["--output", "target.x", "--journal", "dangling"], self.dir,
             ["--output and --journal"]),
            (["--trace", "alias/t.json", "--output", "real/t.json"], self.dir,
             ["--output and --trace"]),
            (["--trace", "made.x", "--summary-json", "hard.x"], self.dir,
             ["--trace and --summary-json"]),
        ]
        for extra, cwd, fragments in cases:
            with self.subTest(extra=extra):
                r = drover("run", "square", "--count", "1000", *extra, cwd=cwd, timeout=60)
                where = f"{extra}: rc {r.returncode}, stderr {r.stderr!r}"
                self.assertEqual(r.returncode, 2, where)
                lines = r.stderr.splitlines()
                self.assertEqual(len(lines), 1, where)
                for fragment in ["drover: error: ", "named by both", *fragments]:
                    self.assertIn(fragment, lines[0], where)
                self.assertEqual(r.stdout, "", where)
        for name in ("a1.x", "bad/a3.x", "target.x", "real/t.json"):
            self.assertFalse(os.path.exists(self.path(name)), f"{name} was created")
        self.assertEqual(os.path.getsize(hard), 0)

    def test_two_outputs_on_stdout_are_one_file_named_twice(self):
        self.check(["run", "square", "--output", "-", "--summary-json", "-"],
                   ["- (stdout)", "named by both --output and --summary-json"])
        self.check(["run", "square", "--trace", "-", "--output", "-"],
                   ["- (stdout)", "named by both --output and --trace"])
        self.check(["run", "square", "--journal", "-"], ["--journal -", "stdout"])

    def test_write_error_without_mpirun_is_one_line(self):
        """Issue 11: a singleton's exit-3 error was followed by Open MPI's 7-line MPI_ABORT
        banner. With one rank there is nobody to abort: the process exits 3 itself."""
        r = drover("run", "square", "--count", "100000", "--output", "/dev/full", timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(r.stderr.splitlines(),
                         ["drover: error: /dev/full: cannot write output file: "
                          "No space left on device"])

    def test_journal_export_write_error(self):
        journal = self.path("j.drj")
        r = drover("run", "square", "--count", "1000", "--journal", journal, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = drover("journal", "export", journal, "--output", "/dev/full", timeout=60)
        self.assertIn(r.returncode, (2, 3), r.stderr)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("drover: error: /dev/full"), r.stderr)


class BadJournals(Check):
    """A real journal of 50 records (square 0..49999, 1000 per batch), then damage."""
    ARGS = ["run", "square", "--count", "50000", "--batch", "1000"]

    def setUp(self):
        super().setUp()
        self.journal = self.path("good.drj")
        r = drover(*self.ARGS, "--journal", self.journal, "--output", self.path("ref.jsonl"),
                   "--columns", COLUMNS, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.journal, "rb") as f:
            self.good = f.read()
        self.records = records(self.good)
        self.assertEqual(len(self.records), 50)
        self.assertEqual(self.records[-1][0] + 12 + self.records[-1][1], len(self.good))

    def variant(self, name, data):
        return self.write(name, bytes(data), "wb")

    def flipped(self, name, at, mask=0xFF):
        data = bytearray(self.good)
        data[at] ^= mask
        return self.variant(name, data)

    def resume(self, journal, *extra):
        return ["run", *self.ARGS[1:], "--journal", journal, "--resume", *extra]

    def damaged_journals(self):
        """(name, path, fragments) for journals that must be refused wherever they are read."""
        mid_offset, mid_length = self.records[25]
        length_past_max = bytearray(self.good)
        struct.pack_into("<I", length_past_max, mid_offset, 0x7FFFFFFF)
        version = bytearray(self.good)
        struct.pack_into("<I", version, 8, 5)  # the next version: this drover reads 4
        older = bytearray(self.good)
        struct.pack_into("<I", older, 8, 2)  # the closed model's journals
        return [
            ("missing", self.path("nope.drj"), ["nope.drj", "No such file"]),
            ("directory", self.dir, [self.dir, "directory"]),
            ("garbage", self.write("garbage.drj", "hello, not a journal\n" * 10),
             ["garbage.drj", "not a drover journal"]),
            ("truncated in the magic", self.variant("t5.drj", self.good[:5]),
             ["t5.drj", "not a drover journal"]),
            ("truncated header", self.variant("t10.drj", self.good[:10]), ["t10.drj", "header"]),
            ("truncated fingerprint", self.variant("t20.drj", self.good[:20]), ["t20.drj", "header"]),
            ("header checksum", self.flipped("hcrc.drj", 17, 0x01), ["hcrc.drj", "header"]),
            ("another version", self.variant("v5.drj", version), ["v5.drj", "version 5", "newer"]),
            ("an older version", self.variant("v2.drj", older),
             ["v2.drj", "version 2", "older drover"]),
            ("corrupted middle record", self.flipped("mid.drj", mid_offset + 12 + mid_length // 2),
             ["mid.drj", f"byte {mid_offset}", "damaged"]),
            ("middle record checksum field", self.flipped("crcf.drj", mid_offset + 5),
             ["crcf.drj", f"byte {mid_offset}", "damaged"]),
            ("middle record impossible length", self.variant("len.drj", length_past_max),
             ["len.drj", f"byte {mid_offset}", "damaged"]),
            ("a record appended twice",
             self.variant("dup.drj", self.good + self.good[self.records[3][0]:self.records[4][0]]),
             ["dup.drj", "appear twice"]),
        ]

    def test_show_and_export_refuse_damage(self):
        for name, path, fragments in self.damaged_journals():
            for action in ("show", "export"):
                with self.subTest(name, action=action):
                    self.check(["journal", action, path], fragments)

    def test_resume_refuses_damage(self):
        for name, path, fragments in self.damaged_journals():
            if name in ("missing",):  # a missing journal with --resume starts a new one
                continue
            with self.subTest(name):
                self.check(self.resume(path), fragments)
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        size = len(f.read())
                    self.assertGreater(size, 0, "a refused journal is left alone")

    def test_repair_keeps_whole_records_moves_the_rest_and_resume_finishes(self):
        """Issue 11: `drover journal repair` keeps every whole record before the damage and
        moves the rest aside, byte for byte; --resume then runs only what is missing."""
        mid_offset, mid_length = self.records[25]
        path = self.flipped("mid.drj", mid_offset + 12 + mid_length // 2)
        r = drover("journal", "repair", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept 25 batches (25000 tasks", r.stdout)
        self.assertIn("checksum mismatch", r.stdout)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.good[:mid_offset])
        with open(path + ".damaged", "rb") as f:
            damaged = bytearray(self.good[mid_offset:])
            damaged[12 + mid_length // 2] ^= 0xFF
            self.assertEqual(f.read(), bytes(damaged), "the moved tail is the damaged bytes")
        out = self.path("resumed.jsonl")
        r = drover(*self.resume(path, "--output", out, "--columns", COLUMNS), timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resumed: 25000 tasks from the journal", r.stdout)
        with open(out) as f, open(self.path("ref.jsonl")) as ref:
            self.assertEqual(f.read(), ref.read())
        again = drover("journal", "repair", path)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("whole, nothing to repair (50 batches, 50000 tasks)", again.stdout)
        self.check(["journal", "repair", self.write("garbage.drj", "not a journal\n" * 10)],
                   ["garbage.drj", "not a drover journal"])

    def test_middle_record_length_bit_flip_is_damage(self):
        offset, length = self.records[5]
        data = bytearray(self.good)
        struct.pack_into("<I", data, offset, length | (1 << 22))
        path = self.variant("lenflip.drj", data)
        self.check(["journal", "show", path], ["lenflip.drj", f"byte {offset}"])
        self.check(self.resume(path), ["lenflip.drj", f"byte {offset}"])

    def test_another_run(self):
        cases = [
            (["run", "square", "--count", "50001", "--journal", self.journal, "--resume"],
             "square total=50000"),
            (["run", "square", "--count", "50000", "--from", "1", "--journal", self.journal,
              "--resume"], "params=0000000000000000"),
            (["run", "crunch", "--tasks", "3", "--journal", self.journal, "--resume"], "kind=crunch"),
            (["run", "--tasks-file", self.write("t.jsonl", '{"kind":"square","n":1}\n'),
              "--journal", self.journal, "--resume"], "task-file"),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                self.check(args, [self.journal, "journal is from another run", fragment])
        # A task file edited after its journal was written: the message says that is the change.
        tasks = self.write("t2.jsonl", '{"kind":"square","n":1}\n')
        journal = self.path("t2.drj")
        r = drover("run", "--tasks-file", tasks, "--journal", journal, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.write("t2.jsonl", '{"kind":"square","n":2}\n')
        self.check(["run", "--tasks-file", tasks, "--journal", journal, "--resume"],
                   [journal, "the task file changed since the journal was written (24 bytes then, "
                    "24 now, other content)"])

    def test_existing_journal_without_resume(self):
        output = self.write("keep.jsonl", "precious\n")
        self.check([*self.ARGS, "--journal", self.journal, "--output", output],
                   [self.journal, "journal exists", "--resume"])
        with open(output) as f:
            self.assertEqual(f.read(), "precious\n", "a refused run must not truncate its output")
        with open(self.journal, "rb") as f:
            self.assertEqual(f.read(), self.good, "nor touch the journal")

    def test_journal_paths(self):
        self.check(["run", "square", "--journal", "/nonexistent/dir/j.drj"], "/nonexistent/dir/j.drj")
        self.check(["run", "square", "--journal", "/nonexistent/dir/j.drj", "--resume"],
                   "/nonexistent/dir/j.drj")
        self.check(["run", "square", "--journal", self.dir, "--resume"], [self.dir, "directory"])

    def test_journal_on_a_device(self):
        # Issue 11: "cannot create journal: Invalid argument".
        for extra in ([], ["--resume"]):
            self.check(["run", "square", "--journal", "/dev/full", *extra],
                       ["/dev/full", "is a character device, not a regular file"])
        fifo = self.path("fifo.drj")
        os.mkfifo(fifo)
        self.check(["run", "square", "--journal", fifo], [fifo, "is a FIFO, not a regular file"])

    def test_journal_directory_without_resume(self):
        self.check(["run", "square", "--journal", self.dir], [self.dir, "directory"])

    def resumed_output_equals_reference(self, journal, ranks=None):
        out = self.path("resumed.jsonl")
        r = drover(*self.resume(journal, "--output", out, "--columns", COLUMNS), ranks=ranks,
                   timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("ref.jsonl"), "rb") as a, open(out, "rb") as b:
            self.assertTrue(a.read() == b.read(), "resumed output differs from the reference")
        show = drover("journal", "show", journal, timeout=60)
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn("tasks: 50000", show.stdout)
        self.assertIn("no torn record", show.stdout)
        return r

    def test_torn_last_record_warns_and_resumes(self):
        last_offset, _ = self.records[-1]
        for name, data in [("torn payload", self.good[:-7]),
                           ("torn record header", self.good[:last_offset + 5]),
                           ("bad checksum on the last record", None),
                           ("zero-filled tail", self.good + b"\0" * 4096)]:
            with self.subTest(name):
                if data is None:
                    path = self.flipped("torn.drj", last_offset + 8 + 3)
                else:
                    path = self.variant("torn.drj", data)
                show = drover("journal", "show", path, timeout=60)
                self.assertEqual(show.returncode, 0, show.stderr)
                self.assertIn("torn record", show.stdout)
                r = self.resumed_output_equals_reference(path)
                lines = [line for line in r.stderr.splitlines() if line.strip()]
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertTrue(lines[0].startswith("drover: warning: "), lines[0])
                self.assertIn("the last record was torn", lines[0])
                self.assertIn("torn.drj", lines[0])

    def test_empty_journal_file_starts_afresh(self):
        # A crash between creating the file and writing its header leaves 0 bytes.
        path = self.variant("empty.drj", b"")
        r = self.resumed_output_equals_reference(path)
        self.assertEqual(r.stderr, "")

    def test_under_mpirun_one_line(self):
        name, path, fragments = self.damaged_journals()[8]  # corrupted middle record
        self.check(self.resume(path), fragments, ranks=3)
        self.check(["run", "square", "--count", "7", "--journal", self.journal, "--resume"],
                   "journal is from another run", ranks=3)
        self.check([*self.ARGS, "--journal", self.journal], "journal exists", ranks=3)
        torn = self.variant("torn.drj", self.good[:-7])
        self.resumed_output_equals_reference(torn, ranks=3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
