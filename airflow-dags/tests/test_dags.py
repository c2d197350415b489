"""Checks the DAG files against the built project without Airflow (which cannot be installed here):
each file is parsed with `ast`, and every SparkSubmitOperator is checked for the entry point, a job
of the job registry, the run identity passed as `--run-date {{ ds }}`, and no wall-clock data window.
The registry is what `flywheel jobs --json` prints; `mvn test` writes it to jobs/target/flywheel-jobs.json."""
import ast
import json
import os
import pathlib
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DAGS = sorted((ROOT / "airflow-dags").glob("*.py"))
REGISTRY = pathlib.Path(os.environ.get("FLYWHEEL_JOBS_JSON", ROOT / "jobs/target/flywheel-jobs.json"))


def registry():
    if not REGISTRY.is_file():
        raise unittest.SkipTest(f"{REGISTRY} is missing: run `mvn test -pl jobs -am` (it writes the job registry)")
    return json.loads(REGISTRY.read_text())


def known_jobs():
    return {j["name"] for j in registry()["jobs"]}


def literal(node, names):
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    return ast.literal_eval(node)


def operators(tree):
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                names[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SparkSubmitOperator":
            yield {kw.arg: kw.value for kw in node.keywords}, names


class DagFilesTest(unittest.TestCase):
    def test_there_is_at_least_one_dag(self):
        self.assertTrue(DAGS)

    def test_each_spark_submit_runs_a_known_job_for_the_run_date(self):
        jobs = known_jobs()
        self.assertIn("summarize", jobs)
        for path in DAGS:
            tree = ast.parse(path.read_text(), filename=str(path))
            ops = list(operators(tree))
            self.assertTrue(ops, f"{path.name} has no SparkSubmitOperator")
            for kwargs, names in ops:
                self.assertEqual(literal(kwargs["java_class"], names), registry()["main_class"])
                args = [literal(a, names) for a in kwargs["application_args"].elts]
                self.assertIn(args[0], jobs, f"{path.name}: unknown job {args[0]}")
                i = args.index("--run-date")
                self.assertEqual(args[i + 1], "{{ ds }}")
                self.assertTrue(str(literal(kwargs["application"], names)).endswith("flywheel-jobs.jar"))

    def test_no_dag_uses_the_wall_clock_or_secrets_in_arguments(self):
        for path in DAGS:
            text = path.read_text()
            self.assertNotRegex(text, r"\bnow\(\)|utcnow\(|today\(\)")
            self.assertNotRegex(text, r"(?i)api_key\s*=|sk-[A-Za-z0-9]")

    def test_one_active_run_because_the_job_is_the_single_writer(self):
        for path in DAGS:
            tree = ast.parse(path.read_text())
            dag_calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "DAG"]
            self.assertTrue(dag_calls)
            for call in dag_calls:
                kwargs = {kw.arg: kw.value for kw in call.keywords}
                self.assertEqual(ast.literal_eval(kwargs["max_active_runs"]), 1)


if __name__ == "__main__":
    unittest.main()
