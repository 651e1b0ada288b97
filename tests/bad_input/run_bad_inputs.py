#!/usr/bin/env python3
"""The bad-input suite: runs the real gpupack binary on every case of cases.txt.

Usage: run_bad_inputs.py GPUPACK CASES [--only NAME...] [--include-slow]

Every case must end with exit status 1 (not a signal), and:
  stream stderr (default): stderr is exactly one line, starting "gpupack: " and matching
    `expect` (which names the input file, with ":<line>" where there is one); stdout is empty.
  stream stdout (`gpupack validate`, whose report is its output): stderr is empty and a report
    line matches `expect`.
In both, nothing says "terminate", "Aborted", "internal error" or a sanitizer's name, and the
case's output path ({out}) does not exist afterwards, nor any temporary file beside it.

Case format (one block per case; see the top of cases.txt):
  [name]                 the case name; `[name] slow` runs only with --include-slow
  run: ARGS              gpupack's arguments; {dir} is the case's temp folder, {in} its first
                         file, {out} {dir}/out/result (its folder exists), {ro} a file, so
                         {ro}/x cannot be written, even by root
  file NAME: CONTENT     a file in {dir}; CONTENT uses \\n \\t \\xNN escapes, or is a generator:
                         @empty  @binary  @size:<MB>  @nest:<depth>  @alias-bomb
                         @repo:<path>  @shared:<path>  @head:<shared path>:<lines>
  replace: OLD => NEW    edits the file above (escapes allowed), first occurrence, must match
  expect: REGEX          what the message must contain, naming the file where there is one
                         ({in}, {ro} and {dir} are substituted, escaped)
  stream: stderr|stdout
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("GP_SHARED_DIR", os.path.join(REPO, "..", "shared"))
FORBIDDEN = re.compile(r"terminate|Aborted|internal error|AddressSanitizer|runtime error|"
                       r"Segmentation|core dumped|what\(\)|Check failed", re.I)


def unescape(text):
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")


def parse_cases(path):
    cases, case = [], None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            header = re.fullmatch(r"\[([\w.-]+)\]( slow)?", line)
            if header:
                case = {"name": header.group(1), "slow": bool(header.group(2)), "files": [],
                        "stream": "stderr", "line": number}
                cases.append(case)
                continue
            key, sep, value = line.partition(": ")
            if not sep or case is None:
                raise SystemExit(f"{path}:{number}: expected 'key: value' inside a [case]")
            if key.startswith("file "):
                case["files"].append([key[5:], value, []])
            elif key == "replace":
                old, arrow, new = value.partition(" => ")
                if not arrow or not case["files"]:
                    raise SystemExit(f"{path}:{number}: replace needs 'OLD => NEW' after a file")
                case["files"][-1][2].append((unescape(old), unescape(new)))
            elif key in ("run", "expect", "stream"):
                case[key] = value
            else:
                raise SystemExit(f"{path}:{number}: unknown key {key!r}")
    names = [c["name"] for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"{path}: duplicate case names {sorted(duplicates)}")
    return cases


def content(spec):
    if spec == "@empty":
        return b""
    if spec == "@binary":
        # Deterministic garbage: NULs, invalid UTF-8, control bytes, YAML indicators.
        return bytes((i * 151 + 7) % 256 for i in range(4096))
    if spec.startswith("@size:"):
        megabytes = int(spec[6:])
        line = b"- {name: pod, cpu: 100m, memory: 1Gi, gpu: 1}\n"
        return b"items:\n" + line * (megabytes * 1024 * 1024 // len(line))
    if spec.startswith("@nest:"):
        depth = int(spec[6:])
        return b"[" * depth + b"]" * depth + b"\n"
    if spec == "@alias-bomb":
        # Billion laughs: each level aliases the previous one ten times.
        lines = [b'a0: &a0 ["lol"]']
        for level in range(1, 10):
            lines.append(b"a%d: &a%d [" % (level, level) + b", ".join([b"*a%d" % (level - 1)] * 10) + b"]")
        return b"\n".join(lines) + b"\n"
    if spec.startswith("@head:"):
        path, _, count = spec[6:].rpartition(":")
        with open(os.path.join(SHARED, path), "rb") as f:
            return b"".join(f.readlines()[: int(count)])
    if spec.startswith("@repo:"):
        return open(os.path.join(REPO, spec[6:]), "rb").read()
    if spec.startswith("@shared:"):
        return open(os.path.join(SHARED, spec[8:]), "rb").read()
    return unescape(spec)


def run_case(gpupack, case):
    work = tempfile.mkdtemp(prefix="gp-bad-input-")
    try:
        os.mkdir(os.path.join(work, "out"))
        readonly = os.path.join(work, "ro")
        os.mkdir(readonly)
        first = None
        for name, spec, edits in case["files"]:
            data = content(spec)
            for old, new in edits:
                if old not in data:
                    return f"replace: {old!r} not found in {name}"
                data = data.replace(old, new, 1)
            path = os.path.join(work, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            first = first or path
        # A folder nobody can write into, root included: {ro} is a file, so {ro}/x is ENOTDIR.
        os.rmdir(readonly)
        open(readonly, "wb").close()
        values = {"dir": work, "in": first or os.path.join(work, "missing.yaml"),
                  "out": os.path.join(work, "out", "result"), "ro": readonly}
        args = [a.format(**values) for a in case["run"].split()]
        proc = subprocess.run([gpupack] + args, capture_output=True, timeout=120)
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        problems = []
        if proc.returncode != 1:
            problems.append(f"exit status {proc.returncode}, want 1")
        if FORBIDDEN.search(out + err):
            problems.append("crash or internal error reported")
        expect = case.get("expect", "")
        for key in ("in", "ro", "dir"):
            expect = expect.replace("{%s}" % key, re.escape(values[key]))
        if case["stream"] == "stderr":
            lines = err.splitlines()
            if len(lines) != 1:
                problems.append(f"{len(lines)} stderr lines, want 1")
            elif not lines[0].startswith("gpupack: "):
                problems.append("stderr does not start with 'gpupack: '")
            if out:
                problems.append("stdout is not empty")
            if not re.search(expect, err):
                problems.append(f"stderr does not match {expect!r}")
        else:
            if err:
                problems.append("stderr is not empty")
            if not re.search(expect, out, re.M):
                problems.append(f"report does not match {expect!r}")
        left = os.listdir(os.path.join(work, "out")) + [
            n for n in os.listdir(work) if n.startswith(("ro.", ".ro", "out."))]
        if left:
            problems.append(f"output left behind: {left}")
        if problems:
            return "; ".join(problems) + f"\n    stdout: {out[:400]!r}\n    stderr: {err[:400]!r}"
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    gpupack, cases_path = sys.argv[1], sys.argv[2]
    include_slow = "--include-slow" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else []
    cases = parse_cases(cases_path)
    failures, ran = 0, 0
    for case in cases:
        if only and case["name"] not in only:
            continue
        if case["slow"] and not include_slow and not only:
            continue
        ran += 1
        problem = run_case(gpupack, case)
        if problem:
            failures += 1
            print(f"FAIL {case['name']} ({cases_path}:{case['line']}): {problem}")
        else:
            print(f"ok   {case['name']}")
    print(f"{ran - failures} of {ran} bad-input cases pass ({len(cases)} in the table)")
    return 1 if failures or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
