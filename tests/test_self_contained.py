"""A user's clone has nothing beside it: no tracked file may reach outside the repository."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `../x` in a path, or a pathlib walk up past the repository root (parents[N] / "shared").
OUTSIDE = re.compile(r"""(?:^|["'\s(=])(?:\.\./)+[A-Za-z_]|parents\[\d+\]\s*/\s*["'](?:shared|seeds)["']""")
ALLOWED_SUFFIXES = (".md",)  # prose may mention where material came from


def vendored() -> set[Path]:
    """Third-party files copied as they are (their comments may name their own repository's paths),
    each listed in the VENDORED.md beside it."""
    found = set()
    for listing in ROOT.glob("**/VENDORED.md"):
        found |= {
            listing.parent / name for name in re.findall(r"^\| ([\w.-]+\.js) \|", listing.read_text(), re.M)
        }
    return found


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_refers_to_a_path_outside_the_repository():
    offenders, copied = [], vendored()
    assert copied, "the vendored web assets are listed"
    for path in tracked_files():
        if path.suffix in ALLOWED_SUFFIXES or not path.is_file() or path in copied:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        offenders += [
            f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)
        ]
    assert offenders == []


def test_the_check_catches_what_it_is_for():
    up = ".."  # spelled in pieces so this file does not trip its own check
    assert OUTSIDE.search("SEED = (Path(__file__).parents[3] / " + '"shared" / "seeds" / "x.txt")')
    assert OUTSIDE.search('open("' + up + '/shared/seeds/x.txt")')
    assert not OUTSIDE.search('open("tests/data/x.txt")')
