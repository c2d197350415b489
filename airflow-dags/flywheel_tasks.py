"""The one way a Flywheel job becomes an Airflow task, shared by every Flywheel DAG (docs/airflow.md).

A task is a `spark-submit` of the Flywheel jar's `io.flywheel.Main` with the job's name, the config
file and the run identity `--run-date {{ ds }}`. Where things are comes from Airflow at run time, never
at import time (these are Jinja templates that Airflow renders when the task runs):

- Airflow Variable `flywheel_jar`: the jar (default /opt/flywheel/flywheel-jobs.jar);
- Airflow Variable `flywheel_conf`: the Flywheel config file (default /opt/flywheel/conf/prod.yaml);
- Airflow Variable `flywheel_spark_properties`: a spark-defaults file with the cluster's settings
  (default /opt/flywheel/conf/spark-defaults.conf);
- Airflow connection `flywheel_spark`: the Spark master, deploy mode and queue.

API keys reach the driver and executors through their environment or a key file named in the config,
never through arguments, which Airflow shows in its UI. Reruns of a date are idempotent in every job,
so Airflow's retries and manual clears are safe and never repeat paid calls.
"""
from datetime import datetime, timedelta

MAIN_CLASS = "io.flywheel.Main"
JAR = "{{ var.value.get('flywheel_jar', '/opt/flywheel/flywheel-jobs.jar') }}"
CONF = "{{ var.value.get('flywheel_conf', '/opt/flywheel/conf/prod.yaml') }}"
SPARK_PROPERTIES = "{{ var.value.get('flywheel_spark_properties', '/opt/flywheel/conf/spark-defaults.conf') }}"
SPARK_CONNECTION = "flywheel_spark"
# One slot (create it: `airflow pools set flywheel_warehouse 1 "one Flywheel writer at a time"`): tasks
# that the graph would run side by side (recommend and eval_assert, skew and review_sample, a weekly task
# during a nightly one) take turns, because every job writes the shared `runs` table and Delta on S3
# takes concurrent commits to one table from one driver only (docs/s3.md).
WAREHOUSE_POOL = "flywheel_warehouse"
# The settings `bin/flywheel submit` puts on every line (io.flywheel.submit.SubmitCommand, docs/submit.md),
# whatever the cluster's defaults say: Delta and Flywheel's SQL functions, and the Java 17 module flags
# for the driver and the executors. SubmitCommandTest checks that this file holds the same values.
JAVA_17_FLAGS = " ".join([
    "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true",
])
DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension,io.flywheel.udfs.FlywheelExtensions",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.driver.extraJavaOptions": JAVA_17_FLAGS,
    "spark.executor.extraJavaOptions": JAVA_17_FLAGS,
}
# Every Flywheel DAG: no backfill of missed dates, one run at a time (each job is the single writer
# of its Delta tables), retries with a delay.
DAG_ARGS = {
    "start_date": datetime(2026, 1, 1),
    "catchup": False,
    "max_active_runs": 1,
    "default_args": {"retries": 2, "retry_delay": timedelta(minutes=15)},
    "tags": ["flywheel"],
}


def flywheel_task(job, *args, hours=2, task_id=None):
    """The task that runs Flywheel job `job` for the run date, with `args` after the run identity."""
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    return SparkSubmitOperator(
        task_id=task_id or job.replace("-", "_"),
        conn_id=SPARK_CONNECTION,
        pool=WAREHOUSE_POOL,
        application=JAR,
        java_class=MAIN_CLASS,
        application_args=[job, "--conf", CONF, "--run-date", "{{ ds }}", *args],
        properties_file=SPARK_PROPERTIES,
        conf=dict(DELTA_CONF),
        name="flywheel-" + job + "-{{ ds }}",
        execution_timeout=timedelta(hours=hours),
    )
