"""Daily recommendations: spark-submit of `io.flywheel.Main recommend` for the run date.

Airflow passes only the run identity (`--run-date {{ ds }}`); paths and settings come from the
Flywheel config file. One active run at a time: the job is the single writer of its Delta tables.
Reruns of the same date resume: users a committed batch already holds are not sent to the model again,
users left failed or over budget are retried, and the date's recommendations and metrics are rebuilt (no
duplicate rows), so Airflow's retries and manual clears are safe and never repeat paid calls.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

FLYWHEEL_JAR = "/opt/flywheel/flywheel-jobs.jar"
FLYWHEEL_CONF = "/opt/flywheel/conf/prod.yaml"

with DAG(
    dag_id="flywheel_recommend",
    schedule="0 4 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15)},
    tags=["flywheel"],
) as dag:
    recommend = SparkSubmitOperator(
        task_id="recommend",
        application=FLYWHEEL_JAR,
        java_class="io.flywheel.Main",
        application_args=["recommend", "--conf", FLYWHEEL_CONF, "--run-date", "{{ ds }}"],
        conf={
            "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
            "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        },
        # API keys reach the driver and executors through their environment (or a key file named
        # in the config), never through arguments, which Airflow renders in its UI.
        execution_timeout=timedelta(hours=6),
    )
