"""Stand-in for airflow.providers.apache.spark.operators.spark_submit (see airflow/__init__.py)."""
from airflow import current_dag

# The operator's parameters that Airflow renders as Jinja templates (provider 4.x/5.x).
TEMPLATE_FIELDS = ("application", "conf", "files", "py_files", "jars", "driver_class_path", "packages",
                   "exclude_packages", "keytab", "principal", "proxy_user", "name", "application_args",
                   "env_vars", "properties_file")
KNOWN = set(TEMPLATE_FIELDS) | {"task_id", "conn_id", "java_class", "execution_timeout", "retries", "retry_delay",
                                "queue", "pool", "pool_slots", "deploy_mode", "verbose", "spark_binary", "executor_cores",
                                "executor_memory", "driver_memory", "num_executors", "total_executor_cores"}


class SparkSubmitOperator:
    def __init__(self, task_id, **kwargs):
        unknown = set(kwargs) - KNOWN
        if unknown:
            raise TypeError(f"task {task_id}: arguments SparkSubmitOperator does not take: {sorted(unknown)}")
        self.task_id = task_id
        self.kwargs = kwargs
        self.upstream = set()
        self.downstream = set()
        self.dag = current_dag()
        if any(t.task_id == task_id for t in self.dag.tasks):
            raise ValueError(f"DAG {self.dag.dag_id}: task id {task_id} is used twice")
        self.dag.tasks.append(self)

    def _link(self, other, forward):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            (self.downstream if forward else self.upstream).add(o.task_id)
            (o.upstream if forward else o.downstream).add(self.task_id)
        return other

    def __rshift__(self, other):
        return self._link(other, True)

    def __lshift__(self, other):
        return self._link(other, False)

    def __rrshift__(self, other):
        for o in other:
            o >> self
        return self

    def __rlshift__(self, other):
        for o in other:
            o << self
        return self
