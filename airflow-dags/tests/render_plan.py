"""Prints, for one run date, the command of every task of the Flywheel DAGs in an order Airflow could
run them (each DAG in dependency order, the DAGs by file name: nightly, then weekly), as JSON:
[{"dag": ..., "task": ..., "args": [job, "--conf", ..., "--run-date", ..., ...]}, ...].

The DAG files are imported with test_dags.py's stand-in for Airflow and rendered with its `render`, so
this is exactly what the DAG tests check. S3PipelineIT runs it and executes each task's arguments
through the local launcher's entry point (docs/airflow.md#the-two-pass-pipeline-test).

usage: python3 render_plan.py --run-date YYYY-MM-DD [--var NAME=VALUE]...   (Airflow Variables)
"""
import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_dags import VARIABLES, load_dags, render  # noqa: E402


def in_dependency_order(dag):
    """The DAG's tasks in topological order; among tasks ready together, by task id (a stable order)."""
    tasks = {t.task_id: t for t in dag.tasks}
    indegree = {t.task_id: len(t.upstream) for t in dag.tasks}
    ready = sorted(i for i, n in indegree.items() if n == 0)
    order = []
    while ready:
        task_id = ready.pop(0)
        order.append(tasks[task_id])
        for d in tasks[task_id].downstream:
            indegree[d] -= 1
            if indegree[d] == 0:
                ready.append(d)
        ready.sort()
    if len(order) != len(tasks):
        raise SystemExit(f"{dag.dag_id} has a cycle")
    return order


def plan(run_date, variables):
    steps = []
    dags = load_dags()
    for file_name in sorted(dags):
        for dag in dags[file_name]:
            for task in in_dependency_order(dag):
                steps.append({"dag": dag.dag_id, "task": task.task_id,
                              "args": render(task.kwargs["application_args"], variables, run_date)})
    return steps


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", required=True)
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    variables = dict(VARIABLES)
    for v in args.var:
        name, sep, value = v.partition("=")
        if not sep:
            parser.error(f"--var {v}: expected NAME=VALUE")
        variables[name] = value
    json.dump(plan(args.run_date, variables), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
