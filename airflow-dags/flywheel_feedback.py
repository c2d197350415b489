"""Weekly fine-tune datasets from human feedback: `io.flywheel.Main feedback`, then `export-dataset`.

Airflow passes only the run identity (`--run-date {{ ds }}`, and the export's name made from it);
paths and settings come from the Flywheel config file. One active run at a time: the feedback job is
the single writer of its Delta tables. Reruns are safe: the feedback job reads only events no run has
consumed (a rerun of a date reads and writes nothing), and exporting again under the same name
rewrites the same files from the tables as they are (docs/feedback.md).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

FLYWHEEL_JAR = "/opt/flywheel/flywheel-jobs.jar"
FLYWHEEL_CONF = "/opt/flywheel/conf/prod.yaml"
DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}

with DAG(
    dag_id="flywheel_feedback",
    schedule="0 6 * * 1",
    start_date=datetime(2026, 1, 5),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15)},
    tags=["flywheel"],
) as dag:
    feedback = SparkSubmitOperator(
        task_id="feedback",
        application=FLYWHEEL_JAR,
        java_class="io.flywheel.Main",
        application_args=["feedback", "--conf", FLYWHEEL_CONF, "--run-date", "{{ ds }}"],
        conf=DELTA_CONF,
        execution_timeout=timedelta(hours=4),
    )
    export_dataset = SparkSubmitOperator(
        task_id="export_dataset",
        application=FLYWHEEL_JAR,
        java_class="io.flywheel.Main",
        application_args=["export-dataset", "--conf", FLYWHEEL_CONF, "--run-date", "{{ ds }}", "--name", "weekly-{{ ds }}"],
        conf=DELTA_CONF,
        execution_timeout=timedelta(hours=2),
    )
    feedback >> export_dataset
