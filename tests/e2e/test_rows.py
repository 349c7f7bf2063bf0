"""End-to-end tests of what rows say beyond the task's result: ordered output behind a slow
task (issue 12) and the task line's own tag (issue 11)."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_drover import TempDirTest, drover  # noqa: E402


class OrderedWaits(TempDirTest):
    """Issue 12: ordered output behind one slow task stays bounded, and progress counts what
    finished, not only what was written."""

    def test_a_slow_first_task_holds_work_back_and_the_rows_match_an_unordered_run(self):
        lines = ['{"kind":"download","name":"big.iso","seconds":2}\n']
        lines += ['{"kind":"crunch","count":200}\n'] * 50_000
        tasks = self.write("tasks.jsonl", "".join(lines))
        common = ["run", "--tasks-file", tasks, "-q", "--columns", "id,kind,ok,value"]
        ordered = self.path("ordered.jsonl")
        # 1 MiB holds about 10,000 results: the crunches fill it long before the download ends.
        r = drover(*common, "--order-buffer", "1", "--progress", "1s", "--output", ordered,
                   ranks=2)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"in order: new work held back \d+ times?, [0-9.]+ s in all")
        waiting = [l for l in r.stderr.splitlines() if "wait for task 0 to be written in order" in l]
        self.assertTrue(waiting, r.stderr)
        finished = re.match(r"drover: (\d+)/50001 tasks", waiting[0])
        self.assertIsNotNone(finished, waiting[0])
        self.assertGreater(int(finished.group(1)), 0, "finished tasks are counted before written")
        unordered = self.path("unordered.jsonl")
        r = drover(*common, "--unordered", "--output", unordered, ranks=2)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("in order:", r.stdout)
        with open(ordered) as f:
            written = f.read().splitlines()
        with open(unordered) as f:
            by_id = sorted(f.read().splitlines(), key=lambda line: json.loads(line)["id"])
        self.assertEqual(len(written), 50_001)
        self.assertEqual(written, by_id)


class Tags(TempDirTest):
    """Issue 11: a task may carry the user's own key, echoed in its row, so results map back
    to inputs without counting lines; a resumed run's rows keep it (the journal holds it)."""

    def test_tags_are_echoed_in_rows_and_survive_a_resume(self):
        lines = ['{"kind":"square","n":%d,"tag":"sample-%d"}\n' % (n, n) for n in range(1, 7)]
        lines.insert(3, '{"kind":"crunch","count":5}\n')  # untagged: null
        tasks = self.write("tasks.jsonl", "".join(lines))
        out = self.path("rows.jsonl")
        r = drover("run", "--tasks-file", tasks, "--output", out, ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual([row["tag"] for row in rows],
                         ["sample-1", "sample-2", "sample-3", None, "sample-4", "sample-5",
                          "sample-6"])
        self.assertEqual(rows[0]["input"], 1, "the kind's input is without the tag")
        csv_out = self.path("rows.csv")
        r = drover("run", "--tasks-file", tasks, "--output", csv_out, "--format", "csv",
                   "--columns", "id,tag,value")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(csv_out) as f:
            self.assertEqual(f.read().splitlines()[:3], ["id,tag,value", "0,sample-1,1",
                                                         "1,sample-2,4"])
        # A journaled run, then its resume: every row comes back from the journal, tags too.
        journal = self.path("run.drj")
        r = drover("run", "--tasks-file", tasks, "--journal", journal, "--output", self.path("a"))
        self.assertEqual(r.returncode, 0, r.stderr)
        resumed = self.path("resumed.jsonl")
        r = drover("run", "--tasks-file", tasks, "--journal", journal, "--resume", "--output",
                   resumed)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("replayed from the journal", r.stdout)
        with open(resumed) as f:
            self.assertEqual([json.loads(line)["tag"] for line in f],
                             [row["tag"] for row in rows])

    def test_a_tag_that_is_not_a_string_is_refused_with_its_line(self):
        tasks = self.write("tasks.jsonl", '{"kind":"square","n":1}\n{"kind":"square","n":2,"tag":7}\n')
        r = drover("run", "--tasks-file", tasks)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), f'drover: error: {tasks}:2: "tag" must be a string')


if __name__ == "__main__":
    unittest.main(verbosity=2)
