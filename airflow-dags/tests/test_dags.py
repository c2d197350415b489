"""Checks the DAG files against the built project without Airflow (which cannot be installed here).

Each DAG file is imported as Airflow imports it, with a stand-in for the two Airflow names they use
(tests/stand_in/airflow: it records the DAGs, tasks and dependencies). Every task must run a job of
the job registry (what `flywheel jobs --json` prints; `mvn test` writes it to
jobs/target/flywheel-jobs.json) through its main class, with the run identity `--run-date {{ ds }}` and
a config file that exists; the graphs must have no cycle; importing a file must do no work (no file
read, no Airflow Variable read: those are templates rendered when a task runs)."""
import builtins
import importlib
import json
import os
import pathlib
import re
import sys
import unittest
from unittest import mock

ROOT = pathlib.Path(__file__).resolve().parents[2]
DAG_DIR = ROOT / "airflow-dags"
DAG_FILES = sorted(p for p in DAG_DIR.glob("*.py") if "DAG(" in p.read_text())
REGISTRY = pathlib.Path(os.environ.get("FLYWHEEL_JOBS_JSON", ROOT / "jobs/target/flywheel-jobs.json"))
RUN_DATE = "2026-11-28"
# What a deployment sets as Airflow Variables; here, the project's own files.
VARIABLES = {"flywheel_jar": str(ROOT / "jobs/target/flywheel-jobs.jar"),
             "flywheel_conf": str(ROOT / "conf/prod.example.yaml"),
             "flywheel_spark_properties": str(ROOT / "conf/spark-defaults.conf")}
TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
VAR_GET = re.compile(r"var\.value\.get\('([a-z_]+)',\s*'([^']*)'\)")


def registry():
    if not REGISTRY.is_file():
        raise unittest.SkipTest(f"{REGISTRY} is missing: run `mvn test -pl jobs -am` (it writes the job registry)")
    return json.loads(REGISTRY.read_text())


def load_dags():
    """Imports every DAG file with the stand-in Airflow; returns the DAGs each declared, by file name."""
    sys.path[:0] = [str(pathlib.Path(__file__).parent / "stand_in"), str(DAG_DIR)]
    try:
        import airflow  # the stand-in
        found = {}
        for path in DAG_FILES:
            sys.modules.pop(path.stem, None)
            module = importlib.import_module(path.stem)
            found[path.name] = [v for v in vars(module).values() if isinstance(v, airflow.DAG)]
        return found
    finally:
        del sys.path[:2]


def render(value, variables=VARIABLES, ds=RUN_DATE):
    """Renders the two kinds of template the DAGs use: {{ ds }} and {{ var.value.get('name', 'default') }}."""
    def one(m):
        expr = m.group(1)
        if expr == "ds":
            return ds
        v = VAR_GET.fullmatch(expr)
        if v:
            return variables.get(v.group(1), v.group(2))
        raise AssertionError(f"template this test cannot render: {m.group(0)}")
    if isinstance(value, str):
        return TEMPLATE.sub(one, value)
    if isinstance(value, list):
        return [render(v, variables, ds) for v in value]
    if isinstance(value, dict):
        return {k: render(v, variables, ds) for k, v in value.items()}
    return value


class DagFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.registry = registry()
        cls.dags = load_dags()

    def all_dags(self):
        return [d for dags in self.dags.values() for d in dags]

    def test_each_file_declares_one_dag_and_dag_ids_are_unique(self):
        self.assertEqual({"flywheel_nightly.py", "flywheel_weekly.py"}, set(self.dags))
        for name, dags in self.dags.items():
            self.assertEqual(1, len(dags), name)
        ids = [d.dag_id for d in self.all_dags()]
        self.assertEqual(len(ids), len(set(ids)))

    def test_each_task_runs_a_registered_job_through_the_main_class_for_the_run_date(self):
        jobs = {j["name"] for j in self.registry["jobs"]}
        run = set()
        for dag in self.all_dags():
            for task in dag.tasks:
                kw = render(task.kwargs)
                self.assertEqual(self.registry["main_class"], kw["java_class"])
                args = kw["application_args"]
                self.assertIn(args[0], jobs, f"{dag.dag_id}.{task.task_id}: unknown job {args[0]}")
                run.add(args[0])
                self.assertEqual(RUN_DATE, args[args.index("--run-date") + 1])
                conf = pathlib.Path(args[args.index("--conf") + 1])
                self.assertTrue(conf.is_file(), f"{task.task_id}: config file {conf} is not in the project")
                self.assertTrue(pathlib.Path(kw["properties_file"]).is_file())
                self.assertEqual("flywheel-jobs.jar", pathlib.Path(kw["application"]).name)
                self.assertEqual("io.delta.sql.DeltaSparkSessionExtension,io.flywheel.udfs.FlywheelExtensions",
                                 kw["conf"]["spark.sql.extensions"])
                self.assertIn("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", kw["conf"]["spark.executor.extraJavaOptions"])
                self.assertNotIn("{{", json.dumps(kw, default=str), "every template renders")
        self.assertTrue({"summarize", "recommend", "skew", "feedback", "export-dataset", "eval-assert",
                         "review-sample"} <= run)

    def test_the_graphs_have_no_cycle_and_summarize_comes_first_at_night(self):
        for dag in self.all_dags():
            tasks = {t.task_id: t for t in dag.tasks}
            order, ready = [], [t for t in tasks.values() if not t.upstream]
            indegree = {t.task_id: len(t.upstream) for t in tasks.values()}
            while ready:
                t = ready.pop()
                order.append(t.task_id)
                for d in sorted(t.downstream):
                    indegree[d] -= 1
                    if indegree[d] == 0:
                        ready.append(tasks[d])
            self.assertEqual(len(tasks), len(order), f"{dag.dag_id} has a cycle")
        nightly = {t.task_id: t for d in self.dags["flywheel_nightly.py"] for t in d.tasks}
        self.assertEqual(set(), nightly["summarize"].upstream)
        self.assertEqual({"recommend", "eval_assert"}, nightly["summarize"].downstream)
        self.assertEqual({"recommend"}, nightly["skew"].upstream)
        self.assertEqual({"skew"}, nightly["review_sample"].upstream)

    def test_one_active_run_no_catchup_and_retries_with_a_delay(self):
        for dag in self.all_dags():
            self.assertEqual(1, dag.max_active_runs, dag.dag_id)
            self.assertFalse(dag.catchup, dag.dag_id)
            self.assertGreaterEqual(dag.default_args["retries"], 1)
            self.assertGreater(dag.default_args["retry_delay"].total_seconds(), 0)

    def test_every_task_takes_the_one_writer_pool(self):
        # Delta on S3 takes concurrent commits to a table from one driver only, and every job writes `runs`.
        for dag in self.all_dags():
            for task in dag.tasks:
                self.assertEqual("flywheel_warehouse", task.kwargs.get("pool"), f"{dag.dag_id}.{task.task_id}")

    def test_importing_a_dag_file_reads_no_file_and_no_variable(self):
        # Airflow imports DAG files every few seconds: they must not touch files, the network or
        # Variables then. Python's own imports read files too, so only open() on data is refused.
        real_open = builtins.open

        def guarded(file, *args, **kwargs):
            if not str(file).endswith((".py", ".pyc")):
                raise AssertionError(f"a DAG file opened {file} at import time")
            return real_open(file, *args, **kwargs)

        with mock.patch("builtins.open", guarded):
            self.assertTrue(load_dags())
        for path in DAG_FILES + [DAG_DIR / "flywheel_tasks.py"]:
            text = path.read_text()
            self.assertNotRegex(text, r"Variable\.get|\bnow\(\)|utcnow\(|today\(\)")
            self.assertNotRegex(text, r"(?i)api_key\s*=|sk-[A-Za-z0-9]")

    def test_only_templated_arguments_hold_templates(self):
        from_stand_in = sys.modules["airflow.providers.apache.spark.operators.spark_submit"]
        for dag in self.all_dags():
            for task in dag.tasks:
                for k, v in task.kwargs.items():
                    if "{{" in json.dumps(v, default=str):
                        self.assertIn(k, from_stand_in.TEMPLATE_FIELDS, f"{task.task_id}.{k} is not rendered by Airflow")

    def test_the_plan_lists_every_task_once_after_its_upstream_tasks(self):
        # render_plan.py is what S3PipelineIT executes; its order must be one Airflow could run.
        import render_plan
        steps = render_plan.plan(RUN_DATE, VARIABLES)
        tasks = {(d.dag_id, t.task_id): t for d in self.all_dags() for t in d.tasks}
        self.assertEqual(len(tasks), len(steps))
        self.assertEqual(set(tasks), {(s["dag"], s["task"]) for s in steps})
        seen = set()
        for s in steps:
            for up in tasks[(s["dag"], s["task"])].upstream:
                self.assertIn((s["dag"], up), seen, f"{s['task']} is planned before its upstream task {up}")
            seen.add((s["dag"], s["task"]))
            self.assertEqual(render(tasks[(s["dag"], s["task"])].kwargs["application_args"]), s["args"])
        self.assertEqual(["flywheel_nightly", "flywheel_weekly"], sorted({s["dag"] for s in steps}))
        self.assertEqual("flywheel_weekly", steps[-1]["dag"])


if __name__ == "__main__":
    unittest.main()
