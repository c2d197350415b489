"""A stand-in for the two Airflow names the Flywheel DAG files use (`DAG`, `SparkSubmitOperator`),
so that the tests can import the DAG files as Airflow would and read what they declare: Airflow
itself cannot be installed here (no PyPI). It records, it does not schedule or run anything."""
import datetime

_current = []


class DAG:
    def __init__(self, dag_id, schedule=None, start_date=None, catchup=True, max_active_runs=16,
                 default_args=None, tags=None, **unexpected):
        if unexpected:
            raise TypeError(f"DAG {dag_id}: arguments this stand-in does not know: {sorted(unexpected)}")
        if not isinstance(start_date, datetime.datetime):
            raise TypeError(f"DAG {dag_id}: start_date must be a datetime")
        self.dag_id = dag_id
        self.schedule = schedule
        self.start_date = start_date
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        self.default_args = default_args or {}
        self.tags = tags or []
        self.tasks = []

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False


def current_dag():
    if not _current:
        raise RuntimeError("an operator was created outside a `with DAG(...)` block")
    return _current[-1]
