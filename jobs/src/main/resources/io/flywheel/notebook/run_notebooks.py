"""Executes Flywheel notebooks with nbclient and writes the executed copies (docs/notebooks.md#run).

Started by `flywheel notebook run` (io.flywheel.notebook.NotebookCommand) with the kernel's name and
a JUPYTER_PATH where its kernelspec is. Exit status: 0 when every notebook ran clean, 1 when one
failed (an error output, a cell that showed nothing, a kernel that died or timed out).
"""
import argparse
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def has_code(source):
    """A cell with something besides blank lines and SQL comments, which must show a result."""
    return any(line.strip() and not line.strip().startswith("--") for line in source.splitlines())


def first_line(source):
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def problems(nb):
    """(cell number, what went wrong) for every code cell that failed or showed nothing."""
    found = []
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or not has_code(cell.source):
            continue
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        results = [o for o in outputs if o.get("output_type") in ("execute_result", "display_data")]
        if errors:
            e = errors[0]
            found.append((i, cell.source, "%s: %s" % (e.get("ename"), e.get("evalue"))))
        elif not results:
            found.append((i, cell.source, "showed nothing (not executed, or no result)"))
        else:
            rows = [o.get("metadata", {}).get("flywheel", {}).get("rows") for o in results]
            if all(r == 0 for r in rows if r is not None) and any(r is not None for r in rows):
                found.append((i, cell.source, "the query returned no rows"))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--startup-timeout", type=int, default=180)
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout,
                                startup_timeout=args.startup_timeout, allow_errors=False,
                                resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        crash = None
        try:
            client.execute()
        except CellExecutionError:
            pass  # the cell's error output says what failed; found below
        except Exception as e:  # a kernel that died, did not start or timed out
            crash = "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else "")
        out = os.path.join(args.out, os.path.basename(path))
        nbformat.write(nb, out)
        found = problems(nb)
        if crash is not None and not found:
            found.append((0, "", crash))
        if found:
            failed += 1
            for cell, source, what in found[:1] if crash is None else found:
                where = "cell %d (%s)" % (cell, first_line(source)) if cell else "kernel"
                print("notebook run: %s: %s failed: %s" % (path, where, what), file=sys.stderr)
            print("notebook run: executed copy with its outputs: %s" % out, file=sys.stderr)
        else:
            charts = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                         if "image/png" in o.get("data", {}))
            print("notebook run: ok %s -> %s (%d charts)" % (path, out, charts))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
