"""Nightly catalog summarization: spark-submit of `io.flywheel.Main summarize` for the run date, then
the dev-vs-prod skew job over that day's production calls (`skew`, docs/skew.md).

Airflow passes only the run identity (`--run-date {{ ds }}`); paths and settings come from the
Flywheel config file. One active run at a time: the job is the single writer of its Delta tables.
Reruns of the same date are idempotent (no duplicate rows, no repeated paid calls), so Airflow's
retries and manual clears are safe.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

FLYWHEEL_JAR = "/opt/flywheel/flywheel-jobs.jar"
FLYWHEEL_CONF = "/opt/flywheel/conf/prod.yaml"

with DAG(
    dag_id="flywheel_summarize",
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15)},
    tags=["flywheel"],
) as dag:
    summarize = SparkSubmitOperator(
        task_id="summarize",
        application=FLYWHEEL_JAR,
        java_class="io.flywheel.Main",
        application_args=["summarize", "--conf", FLYWHEEL_CONF, "--run-date", "{{ ds }}"],
        conf={
            "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
            "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        },
        # API keys reach the driver and executors through their environment (or a key file named
        # in the config), never through arguments, which Airflow renders in its UI.
        execution_timeout=timedelta(hours=6),
    )
    # The skew job reads the day's llm_calls, which summarize has just written: it runs after it.
    skew = SparkSubmitOperator(
        task_id="skew",
        application=FLYWHEEL_JAR,
        java_class="io.flywheel.Main",
        application_args=["skew", "--conf", FLYWHEEL_CONF, "--run-date", "{{ ds }}"],
        conf={
            "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
            "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        },
        execution_timeout=timedelta(hours=2),
    )
    summarize >> skew
