"""The notebook's code as the image's labels record it: a hash per cell, and the changes
found by aligning the image's cells with the notebook's now."""

from __future__ import annotations

from jupyter_containerize.analysis.fingerprint import CellChange, cell_changes, cell_hashes, code_digest


def _nb(*cells):
    return {"cells": [{"cell_type": kind, "source": source, "metadata": {}} for kind, source in cells]}


BEFORE = _nb(("markdown", "# Title"), ("code", "import pandas"), ("code", "x = 1"), ("code", "print(x)"))


def test_only_code_counts():
    hashes = cell_hashes(BEFORE)
    assert hashes[0] == "-" and len(hashes[1]) == 12 and len(set(hashes[1:])) == 3
    explained = _nb(("markdown", "# Another title"), ("code", "import pandas"), ("code", "x = 1"), ("code", "print(x)"))
    assert cell_hashes(explained) == hashes and code_digest(explained) == code_digest(BEFORE)
    assert code_digest(_nb(("code", ["import ", "pandas"]))) == code_digest(_nb(("code", "import pandas")))


def test_edits_additions_and_removals_name_their_cells():
    before = cell_hashes(BEFORE)
    edited = _nb(("markdown", "# Title"), ("code", "import pandas"), ("code", "x = 2"), ("code", "print(x)"))
    assert cell_changes(before, cell_hashes(edited)) == [CellChange("edited", 3)]
    added = _nb(("markdown", "# Title"), ("code", "import pandas"), ("code", "x = 1"), ("markdown", "Now:"),
                ("code", "y = x"), ("code", "print(x)"))
    assert cell_changes(before, cell_hashes(added)) == [CellChange("added", 5)]
    removed = _nb(("markdown", "# Title"), ("code", "import pandas"), ("code", "print(x)"))
    assert cell_changes(before, cell_hashes(removed)) == [CellChange("removed", 3)]
    assert cell_changes(before, before) == []
