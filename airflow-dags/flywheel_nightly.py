"""The nightly Flywheel pipeline: summarize the catalog, then the day's recommendations, the
assertion suite over the day's summaries, the dev-vs-prod skew job over the day's production calls
(which include the recommendations' calls), and then the daily review sample of the day's calls (skew's included). Tasks come from the shared factory (flywheel_tasks.py):
a new nightly job is one line here.
"""
from airflow import DAG

from flywheel_tasks import DAG_ARGS, flywheel_task

with DAG(dag_id="flywheel_nightly", schedule="0 2 * * *", **DAG_ARGS) as dag:
    summarize = flywheel_task("summarize", hours=6)
    recommend = flywheel_task("recommend", hours=6)
    eval_assert = flywheel_task("eval-assert", "--suite", "summary_basics", "--target", "llm_calls", hours=1)
    skew = flywheel_task("skew", hours=2)
    review_sample = flywheel_task("review-sample", hours=1)

    summarize >> [recommend, eval_assert]
    # review_sample draws from all the day's calls, skew's included: after skew, or a rerun of the
    # date (when skew's calls exist from the start) draws another sample (S3PipelineIT found it).
    recommend >> skew >> review_sample
