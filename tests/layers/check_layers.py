#!/usr/bin/env python3
# Checks that src/ folders include each other only down the layering the README states.
import os
import re
import sys

# Each folder and the folders it may include (besides itself and the public
# include/drover headers). The order is the one the README's architecture
# section states; a new dependency that goes up or sideways fails here.
ALLOWED = {
    "launch": set(),
    "model": set(),
    "kinds": {"model", "execution"},
    "protocol": {"model"},
    "journal": {"model", "protocol"},
    "scheduling": {"model", "protocol", "journal"},
    "execution": {"model", "launch"},
    "outputs": {"model", "journal", "scheduling", "launch"},
    "inputs": {"model", "kinds", "protocol", "journal", "scheduling", "outputs", "launch"},
    "library": {"model", "journal", "scheduling", "outputs"},
    "runtime": {"model", "kinds", "protocol", "journal", "scheduling", "execution", "outputs",
                "inputs", "library", "launch"},
    "compare": {"model", "kinds", "inputs", "launch"},
    "cli": {"model", "kinds", "protocol", "journal", "outputs", "inputs", "launch", "runtime",
            "compare"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def main(root):
    src = os.path.join(root, "src")
    problems = []
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for folder in folders:
        if folder not in ALLOWED:
            problems.append(f"src/{folder}: a folder the layering table does not know")
            continue
        for dirpath, _, files in os.walk(os.path.join(src, folder)):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for target in INCLUDE.findall(text):
                    head = target.split("/", 1)[0] if "/" in target else None
                    if head is None or head == "drover" or head == folder:
                        continue
                    if head not in ALLOWED[folder]:
                        problems.append(f'{rel}: includes "{target}": {folder} may not use {head}')
    public = os.path.join(root, "include", "drover")
    for dirpath, _, files in os.walk(public):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                for target in INCLUDE.findall(f.read()):
                    if not target.startswith("drover/"):
                        problems.append(f'{os.path.relpath(path, root)}: includes "{target}": '
                                        "public headers include only drover/ headers")
    for line in problems:
        print(line)
    print(f"layers: {len(folders)} folders checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
