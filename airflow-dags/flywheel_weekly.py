"""The weekly Flywheel pipeline: turn the week's human feedback into fine-tune datasets (`feedback`),
then write them as trainer files named after the run date (`export-dataset`). The feedback job reads
only events no run has consumed, so a rerun of a date writes nothing new; exporting again under the
same name rewrites the same files (docs/feedback.md).
"""
from airflow import DAG

from flywheel_tasks import DAG_ARGS, flywheel_task

with DAG(dag_id="flywheel_weekly", schedule="0 6 * * 1", **DAG_ARGS) as dag:
    feedback = flywheel_task("feedback", hours=4)
    export_dataset = flywheel_task("export-dataset", "--name", "weekly-{{ ds }}", hours=2)

    feedback >> export_dataset
